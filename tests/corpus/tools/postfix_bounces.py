# ruff: noqa: E501
"""Generate the corpus's MTA bounces by running a real Postfix on loopback (run once, as root).

Postfix (Debian's package) delivers inquiries to simulated company MXs: one
SMTP server on 127.0.0.1 that refuses recipients by domain (550, 552, 554,
451, 450) and accepts the bounces Postfix then sends back to the persona.
Those bounces are written as .eml files into tests/corpus/bounce/. Nothing
leaves the machine: every domain is under .example and routed to 127.0.0.1
by a transport map. The tests never run this; the committed files are the
fixtures.

    apt-get install postfix && python tests/corpus/tools/postfix_bounces.py [--german]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

OUT = Path(__file__).resolve().parents[1] / "bounce"
PERSONA = ("Anna Schmidt", "anna.schmidt@mailbox.example")
PERSONA_EN = ("Oliver Bennett", "oliver.bennett@mailbox.example")

# Domain -> what its MX says to RCPT TO.
REFUSALS = {
    "brightline-telecom.example": "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown",
    "larkspur-insurance.example": "552 5.2.2 <{rcpt}>: Mailbox full, quota exceeded",
    "merkur-versand.example": "554 5.7.1 <{rcpt}>: Relay access denied by policy",
    "alpenblick-reisen.example": "451 4.3.0 <{rcpt}>: Temporary lookup failure, try again later",
}

GERMAN_TEMPLATE = """\
failure_template = <<EOF
Charset: utf-8
From: MAILER-DAEMON (Mail Delivery System)
Subject: Unzustellbar: Ihre Nachricht konnte nicht zugestellt werden
Postmaster-Subject: Postmaster Copy: Undelivered Mail

Dies ist das Mailsystem des Rechners $myhostname.

Leider konnte Ihre Nachricht an einen oder mehrere Empfänger nicht
zugestellt werden. Sie ist unten angehängt.

Bei Fragen wenden Sie sich bitte an den postmaster.

                   Das Mailsystem
EOF

delay_template = <<EOF
Charset: utf-8
From: MAILER-DAEMON (Mail Delivery System)
Subject: Verzögerte Zustellung: Ihre Nachricht ist noch nicht zugestellt
Postmaster-Subject: Postmaster Warning: Delayed Mail

Dies ist das Mailsystem des Rechners $myhostname.

####################################################################
# DIES IST NUR EINE WARNUNG. SIE MÜSSEN DIE NACHRICHT NICHT ERNEUT #
# SENDEN.                                                          #
####################################################################

Ihre Nachricht konnte bisher nicht zugestellt werden. Das Mailsystem
versucht es weiter bis $maximal_queue_lifetime_days Tag(e) vergangen sind.

                   Das Mailsystem
EOF
"""


class Handler:
    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        domain = address.rpartition("@")[2].lower()
        if domain in REFUSALS:
            return REFUSALS[domain].format(rcpt=address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append(envelope.original_content or b"")
        return "250 2.0.0 Ok: queued"


def postconf(*settings: str) -> None:
    subprocess.run(["postconf", "-e", *settings], check=True)


def inquiry(sender: tuple[str, str], to: str, subject: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"{sender[0]} <{sender[1]}>"
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC).astimezone())
    message["Message-ID"] = make_msgid(domain="mailbox.example")
    message.set_content(body)
    return bytes(message)


SENDS = [
    (
        PERSONA,
        "kundenservice@service.nordwind-energie.example",
        "Frage zu meinem Tarif",
        "Guten Tag,\n\nist ein Tarifwechsel vor Ablauf der Laufzeit möglich?\n\nViele Grüße\nAnna Schmidt\n",
    ),
    (
        PERSONA_EN,
        "support@brightline-telecom.example",
        "Question about my contract",
        "Hello,\n\ncan I upgrade my broadband plan before my contract ends?\n\nThanks,\nOliver Bennett\n",
    ),
    (
        PERSONA_EN,
        "claims@larkspur-insurance.example",
        "Cover for my laptop",
        "Hello,\n\ndoes my contents cover include accidental damage to a laptop?\n\nThanks,\nOliver Bennett\n",
    ),
    (
        PERSONA,
        "service@merkur-versand.example",
        "Rücksendung einer Bestellung",
        "Guten Tag,\n\nwie kann ich eine Bestellung zurückschicken?\n\nFreundliche Grüße\nAnna Schmidt\n",
    ),
    (
        PERSONA,
        "info@alpenblick-reisen.example",
        "Frage zur Stornierung",
        "Guten Tag,\n\nwelche Kosten fallen bei einer Stornierung an?\n\nFreundliche Grüße\nAnna Schmidt\n",
    ),
]


def flush_until(handler: Handler, count: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(handler.received) < count:
        subprocess.run(["postqueue", "-f"], capture_output=True)
        time.sleep(2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--german", action="store_true", help="Use a German bounce template (bounce(5)).")
    parser.add_argument("--prefix", default="postfix")
    args = parser.parse_args()

    handler = Handler()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        transport = Path("/etc/postfix/transport")
        domains = [*REFUSALS, "mailbox.example"]
        transport.write_text("".join(f"{d} smtp:[127.0.0.1]:{port}\n" for d in domains))
        subprocess.run(["postmap", str(transport)], check=True)
        template = Path("/etc/postfix/bounce.de.cf")
        template.write_text(GERMAN_TEMPLATE, encoding="utf-8")
        postconf(
            "myhostname=mx.mailbox.example",
            "mydomain=mailbox.example",
            "myorigin=mailbox.example",
            "mydestination=service.nordwind-energie.example, localhost",
            "inet_interfaces=loopback-only",
            "inet_protocols=ipv4",
            "transport_maps=hash:/etc/postfix/transport",
            "relayhost=",
            "smtp_dns_support_level=disabled",
            "maximal_queue_lifetime=1h",
            "bounce_queue_lifetime=1h",
            "queue_run_delay=1s",
            "minimal_backoff_time=1s",
            "maximal_backoff_time=2s",
            "delay_warning_time=1s",
            f"bounce_template_file={template if args.german else ''}",
        )
        subprocess.run(["postfix", "stop"], capture_output=True)
        subprocess.run(["postfix", "start"], check=True)
        for sender, rcpt, subject, body in SENDS:
            subprocess.run(
                ["/usr/sbin/sendmail", "-f", sender[1], "-N", "failure,delay", rcpt],
                input=inquiry(sender, rcpt, subject, body),
                check=True,
            )
        # Four immediate failures plus a delay warning for the domain that keeps deferring,
        # then the queue lifetime drops to zero and Postfix gives up on it.
        flush_until(handler, 5, 60)
        postconf("maximal_queue_lifetime=0", "bounce_queue_lifetime=0")
        subprocess.run(["postfix", "reload"], check=True)
        flush_until(handler, 6, 60)
        time.sleep(3)
    finally:
        subprocess.run(["postfix", "stop"], capture_output=True)
        controller.stop()
    OUT.mkdir(parents=True, exist_ok=True)
    for number, raw in enumerate(handler.received, start=1):
        path = OUT / f"{args.prefix}-{number:02d}.eml"
        path.write_bytes(raw)
        subject = raw.split(b"\nSubject:", 1)[1].split(b"\n", 1)[0].decode(errors="replace")
        print(path.name, subject)
    return 0


if __name__ == "__main__":
    sys.exit(main())
