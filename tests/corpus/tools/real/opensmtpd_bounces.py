# ruff: noqa: E501
"""Bounces and delay warnings from OpenSMTPD, run on loopback (as root).

A foreground OpenSMTPD (Debian's package, own config in a temp dir) accepts the
persona's inquiries on a free 127.0.0.1 port and relays everything to an
aiosmtpd server on 127.0.0.1 that plays the companies' MXs: it refuses
recipients by domain (550, 552, 554, 451) or the whole message at DATA, and
accepts the bounces OpenSMTPD sends back to the persona. One domain is routed to
a closed port (connection refused). With ``bounce warn-interval`` and a short
``queue ttl`` the deferred messages produce delay warnings and then a final
expiry bounce. OpenSMTPD has no bounce templates, so every bounce is English.
Nothing leaves the machine.

    python3 tests/corpus/tools/real/opensmtpd_bounces.py

Writes tests/corpus/real/opensmtpd/*.eml and manifest.toml. Stops any smtpd
it started; the package's own service is left as it was.
"""

from __future__ import annotations

import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    ANNA,
    OLIVER,
    Capture,
    Entry,
    ensure_packages,
    free_port,
    inquiry,
    package_version,
    start_capture,
    write_system,
)

REFUSALS = {
    "brightline-telecom.example": "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox table",
    "larkspur-insurance.example": "552 5.2.2 <{rcpt}>: Mailbox full, quota exceeded",
    "merkur-versand.example": "554 5.7.1 <{rcpt}>: Relay access denied",
    "alpenblick-reisen.example": "451 4.3.0 <{rcpt}>: Temporary lookup failure",
    "stadtwerke-lindenau.example": "550 5.1.1 Die E-Mail-Adresse <{rcpt}> existiert nicht / mailbox unavailable",
    "northgate-motors.example": "450 4.2.1 <{rcpt}>: Mailbox temporarily unavailable, try again later",
}
DATA_REFUSED = {"harbour-bank.example": "554 5.7.1 Message rejected as spam by content filter"}
OFFLINE = "offline-moebel.example"  # routed to a closed port: connection refused

CONFIG = """\
queue ttl {ttl}
bounce warn-interval {warn}
listen on 127.0.0.1 port {listen}
action "offline" relay host smtp://127.0.0.1:{closed}
action "mx" relay host smtp://127.0.0.1:{mx}
match from any for domain "{offline}" action "offline"
match from any for any action "mx"
"""

# (sender, recipient, subject, body, expected kind)
SENDS = [
    (OLIVER, "support@brightline-telecom.example", "Question about my contract", "Hello,\n\ncan I upgrade my broadband plan before my current contract ends?\n\nThanks,\nOliver Bennett\n"),
    (OLIVER, "claims@larkspur-insurance.example", "Cover for my laptop", "Hello,\n\ndoes my contents cover include accidental damage to a laptop?\n\nThanks,\nOliver Bennett\n"),
    (ANNA, "service@merkur-versand.example", "Lieferung nach Österreich?", "Guten Tag,\n\nliefern Sie auch nach Österreich? Wenn ja, was kostet der Versand?\n\nViele Grüße\nAnna Schmidt\n"),
    (ANNA, "kundenservice@stadtwerke-lindenau.example", "Kündigung meines Vertrags", "Guten Tag,\n\nbis wann muss ich kündigen, wenn mein Vertrag zum 31. März enden soll?\n\nViele Grüße\nAnna Schmidt\n"),
    (OLIVER, "service@harbour-bank.example", "Charged twice for one invoice", "Dear Sir or Madam,\n\nmy invoice from 3 November was charged to my card twice. Could you refund\nthe second payment, please?\n\nBest regards,\nOliver Bennett\n"),
    (ANNA, "info@alpenblick-reisen.example", "Frage zur Stornierung", "Guten Tag,\n\nwelche Kosten fallen bei einer Stornierung zwei Wochen vor Reisebeginn an?\n\nFreundliche Grüße\nAnna Schmidt\n"),
    (OLIVER, "help@northgate-motors.example", "Warranty claim for my kettle", "Hello,\n\nthe kettle I bought in March stopped working. How do I make a warranty claim?\n\nRegards,\nOliver Bennett\n"),
    (ANNA, f"service@{OFFLINE}", "Lieferzeit für ein Sofa", "Guten Tag,\n\nwie lange dauert die Lieferung des Sofas Modell Oslo in Grau?\n\nViele Grüße\nAnna Schmidt\n"),
    (OLIVER, "sales@brightline-telecom.example", "Business broadband quote", "Hello,\n\ncould you send me a quote for business broadband for an office of 12 people?\n\nThanks,\nOliver Bennett\n"),
    (ANNA, "auftrag@merkur-versand.example", "Rückgabe nach 30 Tagen", "Guten Tag,\n\nkann ich eine Regenjacke auch nach Ablauf der 30 Tage noch zurückgeben?\n\nFreundliche Grüße\nAnna Schmidt\n"),
]


class Mx(Capture):
    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        domains = {rcpt.rpartition("@")[2].lower() for rcpt in envelope.rcpt_tos}
        for domain in domains & DATA_REFUSED.keys():
            return DATA_REFUSED[domain]
        return await super().handle_DATA(server, session, envelope)


def main() -> int:
    ensure_packages("opensmtpd")
    capture = Mx(refusals=REFUSALS)
    controller, mx = start_capture(capture)
    tmp = Path(tempfile.mkdtemp(prefix="opensmtpd-"))
    listen, closed = free_port(), free_port()
    config = tmp / "smtpd.conf"
    config.write_text(CONFIG.format(ttl="40s", warn="8s", listen=listen, closed=closed, mx=mx, offline=OFFLINE), encoding="utf-8")
    config.chmod(0o644)
    subprocess.run(["smtpd", "-n", "-f", str(config)], check=True)
    daemon = subprocess.Popen(["smtpd", "-d", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=(tmp / "smtpd.log").open("wb"))
    entries: list[Entry] = []
    sent: list[tuple[float, str, str, str, str]] = []  # time, message-id, subject, body, language
    try:
        for _ in range(50):
            try:
                smtplib.SMTP("127.0.0.1", listen, timeout=2).quit()
                break
            except OSError:
                time.sleep(0.2)
        # OpenSMTPD's queue (/var/spool/smtpd) outlives the daemon: drop what an earlier run left there.
        subprocess.run(["smtpctl", "remove", "all"], capture_output=True)
        for sender, rcpt, subject, body in SENDS:
            message = inquiry(sender, rcpt, subject, body)
            with smtplib.SMTP("127.0.0.1", listen) as client:
                sent.append((time.time(), message["Message-ID"], subject, body, "de" if sender is ANNA else "en"))
                client.send_message(message, from_addr=sender[1], to_addrs=[rcpt])
        # Immediate failures, then one delay warning per deferred message, then expiry bounces.
        # smtpctl schedule all makes OpenSMTPD retry now instead of after its backoff.
        capture.wait(99, 75, poke=lambda: subprocess.run(["smtpctl", "schedule", "all"], capture_output=True))
    finally:
        daemon.terminate()
        daemon.wait(10)
        controller.stop()
    print((tmp / "smtpd.log").read_text(errors="replace")[-2000:])
    shutil.rmtree(tmp, ignore_errors=True)
    counts: dict[str, int] = {}
    for reply in capture.received:
        if reply.mail_from not in ("<>", ""):
            continue
        match = next((s for s in sent if s[1].encode() in reply.raw), None)
        if match is None:
            print(f"unmatched: {reply.subject}", file=sys.stderr)
            continue
        # OpenSMTPD 6.8 reports an expired envelope in a "delayed" notification ("Envelope expired").
        if b"Envelope expired" in reply.raw:
            kind = "expired"
        else:
            kind = "delay" if "delayed" in reply.subject.lower() else "failure"
        counts[kind] = counts.get(kind, 0) + 1
        entries.append(Entry(f"{kind}-{counts[kind]:02d}.eml", "bounce", "en", reply.at - match[0], match[2], match[3], reply.raw))
    version = package_version("opensmtpd")
    write_system(
        "opensmtpd",
        system=f"OpenSMTPD {version.split('-')[0]}",
        source=f"Debian opensmtpd {version}",
        generated_by="tests/corpus/tools/real/opensmtpd_bounces.py",
        notes=(
            "Bounce and delay-warning format is OpenSMTPD's (no templates; always English, language en even "
            "when the returned inquiry is German). Ours: the refusal texts of the simulated MXs (aiosmtpd: 550, "
            "552, 554 at RCPT, 554 at DATA, 451/450 temporary, one domain on a closed port), the inquiries, "
            "and a short queue ttl (40 s) and bounce warn-interval (8 s) so that delay warnings and expiry "
            "bounces arrive within a minute; 'seconds' is therefore much shorter than in production "
            "(default warn-interval 4h, ttl 4d). The host name in Message-IDs and MAILER-DAEMON addresses "
            "is the machine's. Note OpenSMTPD's own quirk: when the queue ttl expires it sends a "
            "'Delivery status notification: delayed' saying 'Envelope expired' and 'kept in the queue for up "
            "to 7 days' (expired-*.eml), not a 'failed' one."
        ),
        entries=entries,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
