# ruff: noqa: E501
"""Shared helpers for the scripts that run real mail software on loopback.

An aiosmtpd server on 127.0.0.1 stands in for every remote host: it records
each message the software under test sends (with the time it arrived) and can
refuse recipients by domain like a company MX would. Manifests are written
as tests/corpus/real/<system>/manifest.toml: the system, its source and
one ``[[message]]`` table (file, label, language, seconds, inquiry) per .eml.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

REPO = Path(__file__).resolve().parents[4]
REAL = REPO / "tests" / "corpus" / "real"

ANNA = ("Anna Schmidt", "anna.schmidt@mailbox.example")
OLIVER = ("Oliver Bennett", "oliver.bennett@mailbox.example")


# Inquiries: key -> (subject, body). *_de are Anna's, *_en are Oliver's.
INQUIRIES = {
    "at_de": ("Lieferung nach Österreich?", "Guten Tag,\n\nliefern Sie auch nach Österreich? Wenn ja, was kostet der Versand\nund wie lange dauert er ungefähr?\n\nViele Grüße\nAnna Schmidt\n"),
    "return_de": ("Rückgabe nach 30 Tagen", "Guten Tag,\n\nich habe vor fünf Wochen eine Regenjacke bei Ihnen bestellt (Bestellnummer 48213).\nKann ich sie auch nach Ablauf der 30 Tage noch zurückgeben?\n\nFreundliche Grüße\nAnna Schmidt\n"),
    "tarif_de": ("Frage zu meinem Tarif", "Guten Tag,\n\nist ein Wechsel in den Tarif Ökostrom Plus vor Ablauf meiner Vertragslaufzeit möglich?\n\nViele Grüße\nAnna Schmidt\n"),
    "invoice_de": ("Rechnung doppelt abgebucht", "Sehr geehrte Damen und Herren,\n\nder Betrag meiner Rechnung vom 3. November wurde zweimal von meinem Konto abgebucht.\nKönnen Sie mir den doppelten Betrag bitte erstatten?\n\nMit freundlichen Grüßen\nAnna Schmidt\n"),
    "cancel_de": ("Kündigung meines Vertrags", "Guten Tag,\n\nbis wann muss ich kündigen, wenn mein Vertrag zum 31. März enden soll?\nReicht eine E-Mail?\n\nViele Grüße\nAnna Schmidt\n"),
    "appoint_de": ("Termin für eine Beratung", "Hallo,\n\nkann ich nächste Woche einen Beratungstermin in Ihrer Filiale vereinbaren?\nAm liebsten Dienstag oder Mittwoch nachmittags.\n\nDanke und viele Grüße\nAnna Schmidt\n"),
    "gift_de": ("Gutschein einlösen", "Hallo,\n\nkann ich einen Geschenkgutschein auch im Onlineshop einlösen oder nur in der Filiale?\n\nViele Grüße\nAnna Schmidt\n"),
    "at_en": ("Delivery to Austria?", "Hello,\n\ndo you deliver to Austria? If so, how much is shipping and how long does it take?\n\nThanks,\nOliver Bennett\n"),
    "return_en": ("Returning a product after 30 days", "Hello,\n\nI bought a kettle from you five weeks ago (order 77120). Can I still return it\nafter the 30 days are over?\n\nKind regards,\nOliver Bennett\n"),
    "contract_en": ("Question about my contract", "Hello,\n\ncan I upgrade my broadband plan before my current contract ends?\n\nThanks,\nOliver Bennett\n"),
    "invoice_en": ("Charged twice for one invoice", "Dear Sir or Madam,\n\nmy invoice from 3 November was charged to my card twice. Could you refund\nthe second payment, please?\n\nBest regards,\nOliver Bennett\n"),
    "hours_en": ("Opening hours over the holidays", "Hi,\n\nare your stores open between Christmas and New Year? I'd like to pick up an order.\n\nCheers,\nOliver Bennett\n"),
    "warranty_en": ("Warranty claim for my kettle", "Hello,\n\nthe kettle I bought in March stopped working. How do I make a warranty claim?\n\nRegards,\nOliver Bennett\n"),
    "gift_en": ("Gift card online?", "Hi,\n\ncan I use a gift card in your online shop, or only in stores?\n\nThanks,\nOliver Bennett\n"),
}


@dataclass
class Received:
    at: float
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def subject(self) -> str:
        head = self.raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        for line in head.splitlines():
            if line.lower().startswith(b"subject:"):
                return line[8:].strip().decode(errors="replace")
        return ""


@dataclass
class Capture:
    """An SMTP handler that records every message and refuses some recipients."""

    refusals: dict[str, str] = field(default_factory=dict)
    """domain -> SMTP reply to RCPT TO (``{rcpt}`` is filled in)."""
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        domain = address.rpartition("@")[2].lower()
        if domain in self.refusals:
            return self.refusals[domain].format(rcpt=address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        self.received.append(
            Received(time.time(), str(envelope.mail_from or ""), list(envelope.rcpt_tos), raw)
        )
        return "250 2.0.0 Ok: queued"

    def wait(self, count: int, seconds: float, poke: Callable[[], object] | None = None) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return True
            if poke:
                poke()
            time.sleep(0.2)
        return len(self.received) >= count


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_capture(capture: Capture, port: int | None = None) -> tuple[Controller, int]:
    port = port or free_port()
    controller = Controller(capture, hostname="127.0.0.1", port=port, data_size_limit=0)
    controller.start()
    return controller, port


def inquiry(
    sender: tuple[str, str], to: str, subject: str, body: str, *, message_id: str | None = None
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"{sender[0]} <{sender[1]}>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC).astimezone())
    message["Message-ID"] = message_id or make_msgid(domain="mailbox.example")
    message.set_content(body)
    return message


def ensure_packages(*packages: str) -> None:
    """apt-get install the Debian packages that are missing (root only)."""
    missing = [
        p
        for p in packages
        if subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True
        ).stdout.strip()
        != "install ok installed"
    ]
    if missing:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, env=env)


def package_version(package: str) -> str:
    return subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=True
    ).stdout.strip()


def _toml_string(value: str) -> str:
    if "\n" in value:
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"""{escaped}"""'
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Entry:
    file: str
    label: str
    language: str
    seconds: float
    inquiry_subject: str
    inquiry_text: str
    raw: bytes


def write_system(
    folder: str, *, system: str, source: str, generated_by: str, notes: str, entries: list[Entry]
) -> Path:
    """Replace tests/corpus/real/<folder>/ with the entries' .eml files and manifest.toml."""
    if not entries:
        raise SystemExit(f"{folder}: no messages captured, nothing written")
    out = REAL / folder
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    lines = [
        f"system = {_toml_string(system)}",
        f"source = {_toml_string(source)}",
        f"generated_by = {_toml_string(generated_by)}",
        f"notes = {_toml_string(notes)}",
    ]
    for entry in entries:
        (out / entry.file).write_bytes(entry.raw)
        lines += [
            "",
            "[[message]]",
            f"file = {_toml_string(entry.file)}",
            f"label = {_toml_string(entry.label)}",
            f"language = {_toml_string(entry.language)}",
            f"seconds = {entry.seconds:.2f}",
            f"inquiry_subject = {_toml_string(entry.inquiry_subject)}",
            f"inquiry_text = {_toml_string(entry.inquiry_text)}",
        ]
    manifest = out / "manifest.toml"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = tomllib.loads(manifest.read_text(encoding="utf-8"))
    assert [m["inquiry_text"] for m in parsed["message"]] == [e.inquiry_text for e in entries]
    for entry in entries:
        print(f"{folder}/{entry.file}: {entry.label} {entry.language} {entry.seconds:.2f}s")
    return out
