# ruff: noqa: E501
"""Automatic replies of GNU Mailman 3 core to a customer who writes to a list address (as root).

Some companies' contact address is really a mailing list. This script installs
Mailman 3 core from PyPI into a venv (/tmp/servaudit-mailman3-venv, reused
when present), runs it with a config in a temp dir (SQLite, LMTP and REST on
free 127.0.0.1 ports, outgoing SMTP to an aiosmtpd capture server on
127.0.0.1), creates one list per case over the REST API, sets its language
and policy (non-member posts held or rejected, autoresponder, ...) and
delivers the inquiry over LMTP, as an MTA would. A moderator's rejection of a
held inquiry is attempted over REST (HTTP 500 here, so skipped). Nothing leaves
the machine.

    python3 tests/corpus/tools/real/mailman3_replies.py

Writes tests/corpus/real/mailman3/*.eml and manifest.toml.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from _common import ANNA, INQUIRIES, OLIVER, Capture, Entry, free_port, inquiry, start_capture, write_system

VENV = Path("/tmp/servaudit-mailman3-venv")

CONFIG = """\
[mailman]
layout: here
site_owner: postmaster@lists.example
default_language: en

[paths.here]
var_dir: {tmp}/var

[mta]
incoming: mailman.mta.null.NullMTA
outgoing: mailman.mta.deliver.deliver
lmtp_host: 127.0.0.1
lmtp_port: {lmtp}
smtp_host: 127.0.0.1
smtp_port: {smtp}

[webservice]
hostname: 127.0.0.1
port: {rest}
admin_user: restadmin
admin_pass: restpass

[language.de]
description: Deutsch
charset: utf-8
enabled: yes
"""


@dataclass
class Case:
    name: str
    label: str
    language: str
    address: str  # the list
    settings: dict[str, str]
    inquiry: str
    to: str | None = None  # sent to another list address (-join, -request)
    subject: str | None = None  # overrides the inquiry subject (e.g. "help" to -request)
    moderator_reject: str | None = None  # reason: a second reply, the rejection notice


HOLD = {"default_nonmember_action": "hold"}
REJECT = {"default_nonmember_action": "reject"}
AUTO_DE = {"default_nonmember_action": "accept", "autorespond_postings": "respond_and_continue",
           "autoresponse_postings_text": "Vielen Dank für Ihre Nachricht an den Kundenservice von Merkur Versand.\nWir haben Ihre Anfrage erhalten und antworten innerhalb von 48 Stunden.", "autoresponse_grace_period": "0d"}
AUTO_EN = {"default_nonmember_action": "accept", "autorespond_postings": "respond_and_continue",
           "autoresponse_postings_text": "Thank you for contacting Brightline Telecom customer care.\nWe have received your enquiry and will reply within 48 hours.", "autoresponse_grace_period": "0d"}

CASES = [
    Case("held-de-01", "acknowledgement", "de", "support@merkur-versand.example", HOLD, "tarif_de", moderator_reject="Bitte wenden Sie sich an unseren Kundenservice unter service@merkur-versand.example."),
    Case("held-de-02", "acknowledgement", "de", "kundenservice@nordwind-energie.example", HOLD, "at_de"),
    Case("held-de-03", "acknowledgement", "de", "info@alpenblick-reisen.example", HOLD, "appoint_de"),
    Case("held-en-01", "acknowledgement", "en", "support@brightline-telecom.example", HOLD, "contract_en", moderator_reject="Please use our contact form at www.brightline-telecom.example/contact."),
    Case("held-en-02", "acknowledgement", "en", "claims@larkspur-insurance.example", HOLD, "return_en"),
    Case("held-en-03", "acknowledgement", "en", "help@northgate-motors.example", HOLD, "warranty_en"),
    Case("refused-de-01", "auto_reply", "de", "service@stadtwerke-lindenau.example", REJECT, "cancel_de"),
    Case("refused-de-02", "auto_reply", "de", "post@merkur-versand.example", REJECT, "invoice_de"),
    Case("refused-en-01", "auto_reply", "en", "service@harbour-bank.example", REJECT, "invoice_en"),
    Case("refused-en-02", "auto_reply", "en", "contact@northgate-motors.example", REJECT, "hours_en"),
    Case("autoresponse-de-01", "acknowledgement", "de", "anfragen@merkur-versand.example", AUTO_DE, "gift_de"),
    Case("autoresponse-en-01", "acknowledgement", "en", "care@brightline-telecom.example", AUTO_EN, "gift_en"),
    Case("join-de-01", "auto_reply", "de", "newsletter@nordwind-energie.example", HOLD, "tarif_de", to="newsletter-join@nordwind-energie.example"),
    Case("join-en-01", "auto_reply", "en", "updates@harbour-bank.example", HOLD, "contract_en", to="updates-join@harbour-bank.example"),
    Case("help-de-01", "auto_reply", "de", "info@stadtwerke-lindenau.example", HOLD, "at_de", to="info-request@stadtwerke-lindenau.example", subject="help"),
    Case("help-en-01", "auto_reply", "en", "info@larkspur-insurance.example", HOLD, "at_en", to="info-request@larkspur-insurance.example", subject="help"),
]


@dataclass
class Rest:
    port: int
    auth: str = field(default_factory=lambda: "Basic " + base64.b64encode(b"restadmin:restpass").decode())

    def call(self, method: str, path: str, data: dict[str, str] | None = None) -> dict:  # type: ignore[type-arg]
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/3.1/{path}", data=body, method=method,
                                         headers={"Authorization": self.auth})
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
        return json.loads(text) if text else {}


def ensure_mailman() -> Path:
    mailman = VENV / "bin" / "mailman"
    if not mailman.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "mailman"], check=True)
    return mailman


def main() -> int:
    mailman = ensure_mailman()
    capture = Capture()
    controller, smtp = start_capture(capture)
    tmp = Path(tempfile.mkdtemp(prefix="mailman3-"))
    lmtp, rest_port = free_port(), free_port()
    (tmp / "mailman.cfg").write_text(CONFIG.format(tmp=tmp, lmtp=lmtp, smtp=smtp, rest=rest_port), encoding="utf-8")
    env = {**os.environ, "MAILMAN_CONFIG_FILE": str(tmp / "mailman.cfg")}
    rest = Rest(rest_port)
    entries: list[Entry] = []
    version = "3"
    try:
        # The master daemonizes and keeps inherited pipes open: no capture_output here.
        subprocess.run([str(mailman), "--run-as-root", "start"], env=env, check=True, timeout=300,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(120):
            try:
                version = rest.call("GET", "system/versions")["mailman_version"]
                break
            except OSError:
                time.sleep(1)
        for domain in sorted({c.address.rpartition("@")[2] for c in CASES}):
            rest.call("POST", "domains", {"mail_host": domain})
        started: dict[str, tuple[float, str, str, str]] = {}
        for case in CASES:
            rest.call("POST", "lists", {"fqdn_listname": case.address})
            list_id = case.address.replace("@", ".")
            rest.call("PATCH", f"lists/{list_id}/config", {"preferred_language": case.language, **case.settings})
            subject, body = INQUIRIES[case.inquiry]
            subject = case.subject or subject
            sender = ANNA if case.language == "de" else OLIVER
            message = inquiry(sender, case.to or case.address, subject, body)
            with smtplib.LMTP("127.0.0.1", lmtp) as client:
                started[case.name] = (time.time(), case.address, subject, body)
                client.send_message(message, from_addr=sender[1], to_addrs=[case.to or case.address])

        def replies(case: Case) -> list[int]:
            local, _, domain = case.address.partition("@")
            marks = (f"{local}-bounces@{domain}".encode(), f"{local}-owner@{domain}".encode(), f"{local}-request@{domain}".encode(), f"{local}-confirm".encode())
            persona = (ANNA if case.language == "de" else OLIVER)[1]
            return [i for i, r in enumerate(capture.received) if persona in r.rcpt_tos and any(m in r.raw.split(b"\n\n", 1)[0] for m in marks)]

        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not all(replies(c) for c in CASES):
            time.sleep(1)
        for case in CASES:
            if case.moderator_reject and replies(case):
                list_id = case.address.replace("@", ".")
                try:
                    held = rest.call("GET", f"lists/{list_id}/held").get("entries", [])
                except urllib.error.HTTPError as error:  # seen: 500 from the held-message listing
                    print(f"{case.name}: cannot list held messages: {error}", file=sys.stderr)
                    continue
                for entry in held:
                    rest.call("POST", f"lists/{list_id}/held/{entry['request_id']}", {"action": "reject", "reason": case.moderator_reject})
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not all(len(replies(c)) >= (2 if c.moderator_reject else 1) for c in CASES):
            time.sleep(1)
        for case in CASES:
            at, _, subject, body = started[case.name]
            hits = replies(case)
            if not hits:
                print(f"{case.name}: no reply", file=sys.stderr)
                continue
            reply = capture.received[hits[0]]
            entries.append(Entry(f"{case.name}.eml", case.label, case.language, reply.at - at, subject, body, reply.raw))
            if case.moderator_reject:
                if len(hits) < 2:
                    print(f"{case.name}: no rejection notice", file=sys.stderr)
                    continue
                reply = capture.received[hits[1]]
                entries.append(Entry(f"{case.name.replace('held', 'rejected')}.eml", "auto_reply", case.language, reply.at - at, subject, body, reply.raw))
    finally:
        subprocess.run([str(mailman), "--run-as-root", "stop"], env=env, timeout=300,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(3)
        controller.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    write_system(
        "mailman3",
        system=version,
        source="PyPI mailman (Mailman 3 core) in a venv",
        generated_by="tests/corpus/tools/real/mailman3_replies.py",
        notes=(
            "Texts, subjects, headers and MIME layout are Mailman's stock templates (en, de). Ours: the list "
            "addresses, each list's language and policy (non-member posts held or rejected; the autoresponder "
            "texts of autoresponse-*, which Mailman wraps) and the inquiries, delivered over LMTP. held-*: "
            "'awaits moderator approval' notices (acknowledgement); refused-*: non-member posts rejected "
            "outright (auto_reply); autoresponse-*: the list's posting autoresponder (acknowledgement); "
            "join-*/help-*: inquiries sent to list-join / list-request (subject 'help') answered by a "
            "subscription confirmation request or the help text (auto_reply). A moderator's later rejection "
            "of a held inquiry was attempted over REST but GET lists/<id>/held answered HTTP 500 in this "
            "setup, so there is no rejection notice. 'seconds' includes the runners' queue polling on a busy "
            "2-core machine."
        ),
        entries=entries,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
