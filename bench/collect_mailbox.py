"""A realistic, seeded audit mailbox for bench_collect.py: an audit folder whose store holds the sent
inquiries, and a Maildir of replies to them (threaded human answers, auto-replies with ticket numbers,
DSN bounces, HTML helpdesk mails of 20–100 KB, newsletters nobody asked for)."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.sandbox.dsn import build_dsn
from servaudit.store import SENT

COMPANIES = 60
SENT_AT = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
PERSONA = "anna.schmidt@mailbox.example"
WORDS = [
    "Tarif",
    "Vertrag",
    "Wechsel",
    "Kündigung",
    "Rechnung",
    "Kundennummer",
    "Termin",
    "Rückruf",
    "möglich",
    "gerne",
    "jederzeit",
    "Ihnen",
    "bitte",
    "Frage",
    "Antwort",
    "Monat",
    "Preis",
    "Leistung",
    "Zähler",
    "Abschlag",
    "Wechseldatum",
    "Bestätigung",
    "contract",
    "change",
    "invoice",
    "account",
    "please",
    "thank",
    "answer",
    "month",
    "price",
    "service",
    "request",
]


def audit_toml(host: str, port: int, username: str, password_ref: str) -> str:
    lines = [
        "[persona]",
        'name = "Anna Schmidt"',
        f'email = "{PERSONA}"',
        "[mailbox]",
        'type = "imap"',
        f'host = "{host}"',
        f"port = {port}",
        'security = "none"',
        f'username = "{username}"',
        f'password = "{password_ref}"',
        "timeout = 60",
        "[scenarios.q]",
        'subject = "Frage zu meinem Tarif"',
        'body = "Guten Tag, kann ich meinen Tarif zum nächsten Monat wechseln?"',
    ]
    for c in range(COMPANIES):
        lines += [f"[companies.c{c:02d}]", f'name = "Company {c}"', f'email = "service@c{c:02d}.example"']
    return "\n".join(lines) + "\n"


def inquiry_id(index: int) -> str:
    return f"c{index % COMPANIES:02d}.email.q.w{index // COMPANIES + 1}"


def inquiry_message_id(index: int) -> str:
    return f"<inquiry-{index}@mailbox.example>"


def fill_store(audit: Audit, inquiries: int) -> None:
    store = open_store(audit)
    try:
        for index in range(inquiries):
            company = f"c{index % COMPANIES:02d}"
            fields: dict[str, object] = {
                "id": inquiry_id(index),
                "company": company,
                "channel": "email",
                "scenario": "q",
                "wave": index // COMPANIES + 1,
                "target": f"service@{company}.example",
                "subject": "Frage zu meinem Tarif",
                "body": "Guten Tag, kann ich meinen Tarif zum nächsten Monat wechseln?",
                "message_id": inquiry_message_id(index),
            }
            attempt = store.claim(fields)
            assert attempt is not None
            store.finish(inquiry_id(index), attempt, SENT, "bench", SENT_AT + timedelta(minutes=index))
    finally:
        store.close()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _base(rng: random.Random, index: int, arrived: datetime) -> tuple[EmailMessage, int]:
    target = rng.randrange(_base.inquiries)  # type: ignore[attr-defined]
    company = f"c{target % COMPANIES:02d}"
    message = EmailMessage()
    message["From"] = f"Kundenservice <service@{company}.example>"
    message["To"] = PERSONA
    message["Date"] = format_datetime(arrived)
    message["Message-ID"] = f"<m{index}.{rng.getrandbits(32):x}@{company}.example>"
    return message, target


def human(rng: random.Random, index: int, arrived: datetime) -> bytes:
    message, target = _base(rng, index, arrived)
    message["Subject"] = "AW: Frage zu meinem Tarif"
    message["In-Reply-To"] = inquiry_message_id(target)
    message["References"] = inquiry_message_id(target)
    paragraphs = [_text(rng, rng.randint(15, 60)) for _ in range(rng.randint(1, 5))]
    quote = "> Guten Tag, kann ich meinen Tarif zum nächsten Monat wechseln?\n"
    body = "Guten Tag Frau Schmidt,\n\n" + "\n\n".join(paragraphs) + "\n\nViele Grüße\nJana Wolff\n\n" + quote
    message.set_content(body)
    return bytes(message)


def auto_reply(rng: random.Random, index: int, arrived: datetime) -> bytes:
    message, target = _base(rng, index, arrived)
    message["Subject"] = f"[Ticket #{rng.randint(100000, 999999)}] Frage zu meinem Tarif"
    message["Auto-Submitted"] = "auto-replied"
    message["In-Reply-To"] = inquiry_message_id(target)
    message.set_content(
        "Vielen Dank für Ihre Nachricht. Dies ist eine automatische Eingangsbestätigung. Wir melden uns "
        "innerhalb von 48 Stunden bei Ihnen. Bitte antworten Sie nicht auf diese E-Mail.\n"
    )
    return bytes(message)


def bounce(rng: random.Random, index: int, arrived: datetime) -> bytes:
    target = rng.randrange(_base.inquiries)  # type: ignore[attr-defined]
    company = f"c{target % COMPANIES:02d}"
    original = EmailMessage()
    original["From"] = f"Anna Schmidt <{PERSONA}>"
    original["To"] = f"service@{company}.example"
    original["Subject"] = "Frage zu meinem Tarif"
    original["Message-ID"] = inquiry_message_id(target)
    original.set_content("Guten Tag, kann ich meinen Tarif zum nächsten Monat wechseln?")
    return build_dsn(
        original, f"service@{company}.example", f"mx.{company}.example", arrived, sent_at=arrived
    )


def html_mail(rng: random.Random, index: int, arrived: datetime) -> bytes:
    message, target = _base(rng, index, arrived)
    message["Subject"] = "RE: Frage zu meinem Tarif"
    message["In-Reply-To"] = inquiry_message_id(target)
    size = rng.randint(20_000, 100_000)
    text = "Guten Tag Frau Schmidt,\n\nein Wechsel ist zum nächsten Monat möglich.\n\nIhr Kundenservice\n"
    message.set_content(text)
    rows = []
    total = 0
    while total < size:
        row = f'<tr><td style="padding:4px;font-family:Arial">{_text(rng, 12)}</td></tr>\n'
        rows.append(row)
        total += len(row)
    html = f"<html><body><p>{text}</p><table>{''.join(rows)}</table></body></html>"
    message.add_alternative(html, subtype="html")
    return bytes(message)


def newsletter(rng: random.Random, index: int, arrived: datetime) -> bytes:
    message = EmailMessage()
    sender = f"news@shop{rng.randrange(200)}.example"
    message["From"] = f"Angebote <{sender}>"
    message["To"] = PERSONA
    message["Date"] = format_datetime(arrived)
    message["Subject"] = f"Nur heute: {rng.randint(10, 50)} % auf alles"
    message["Message-ID"] = f"<n{index}.{rng.getrandbits(32):x}@{sender.partition('@')[2]}>"
    message["List-Unsubscribe"] = f"<mailto:unsubscribe@{sender.partition('@')[2]}>"
    message["Precedence"] = "bulk"
    message.set_content(_text(rng, rng.randint(40, 200)) + "\nJetzt bestellen und sparen!\n")
    return bytes(message)


BIG_SHAPES = {"text": 5_000_000, "html": 5_000_000, "attachment": 20_000_000}
"""One large message of each shape and its body's size in bytes: a 5 MB plain answer, a 5 MB HTML
answer, an answer carrying a 20 MB attachment (base64 on the wire: about 26 MiB)."""


def big_message(shape: str, index: int, inquiries: int) -> bytes:
    """A human answer to an inquiry, made large in one of BIG_SHAPES' ways (seeded)."""
    _base.inquiries = inquiries  # type: ignore[attr-defined]
    rng = random.Random(index)
    size = BIG_SHAPES[shape]
    message, target = _base(rng, index, SENT_AT + timedelta(hours=3))
    message["Subject"] = "AW: Frage zu meinem Tarif"
    message["In-Reply-To"] = inquiry_message_id(target)
    greeting, closing = "Guten Tag Frau Schmidt,\n\n", "\n\nViele Grüße\nJana Wolff\n"
    if shape == "text":
        message.set_content(greeting + "\n".join(_text(rng, 12) for _ in range(size // 90)) + closing)
    elif shape == "html":
        paragraphs = "".join(f"<p>{_text(rng, 12)}</p>" for _ in range(size // 97))
        message.set_content(f"<html><body>{paragraphs}</body></html>", subtype="html")
    else:
        message.set_content(greeting + "anbei das Dokument." + closing)
        document = rng.randbytes(size)
        message.add_attachment(document, maintype="application", subtype="pdf", filename="vertrag.pdf")
    return bytes(message).replace(b"\r\n", b"\n")


MIX = ((human, 45), (auto_reply, 15), (bounce, 10), (html_mail, 20), (newsletter, 10))


def write_mailbox(maildir: Path, count: int, inquiries: int, seed: int = 16, start: int = 0) -> int:
    """Deliver ``count`` seeded messages into ``maildir/new``; the size of the largest in bytes."""
    _base.inquiries = inquiries  # type: ignore[attr-defined]
    rng = random.Random(seed)
    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    for name in ("new", "cur", "tmp"):
        (maildir / name).mkdir(parents=True, exist_ok=True)
    largest = 0
    for index in range(start, start + count):
        arrived = SENT_AT + timedelta(minutes=index % inquiries, seconds=rng.randint(60, 86_400))
        raw = rng.choice(kinds)(rng, index, arrived).replace(b"\r\n", b"\n")
        largest = max(largest, len(raw))
        path = maildir / "new" / f"{int(arrived.timestamp())}.bench{index}.localhost"
        path.write_bytes(raw)
        os.chmod(path, 0o644)
        os.utime(path, (arrived.timestamp(), arrived.timestamp()))
    return largest
