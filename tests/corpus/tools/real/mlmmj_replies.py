# ruff: noqa: E501
"""Automatic replies of the mlmmj mailing-list manager to a customer who writes to a list address (as root).

Some companies' "support@" or "info@" is really a mailing list. Each case
creates an mlmmj list directory (Debian's mlmmj, German or English list texts
from /usr/share/mlmmj/text.skel), sets control files (subonlypost,
closedlistsub, moderated, modnonsubposts, notifymod, access, maxmailsize,
and pipes the inquiry into ``mlmmj-receive -F -L <list>``
the way Postfix's pipe(8) with ``flags=OR`` does (a Return-Path and an
X-Original-To header are prepended, as mlmmj's README.postfix prescribes).
mlmmj sends its replies by SMTP to ``control/relayhost``/``smtpport``: an
aiosmtpd capture server on 127.0.0.1. Nothing leaves the machine.

Tried and dropped: after a moderator's list+reject-<cookie> mail or an expired
moderation request (mlmmj-maintd -F, short modreqlife) mlmmj 1.3.0 removed the
held message and logged it, but sent the poster nothing.

    python3 tests/corpus/tools/real/mlmmj_replies.py

Writes tests/corpus/real/mlmmj/*.eml and manifest.toml.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _common import (
    ANNA,
    INQUIRIES,
    OLIVER,
    Capture,
    Entry,
    ensure_packages,
    inquiry,
    package_version,
    start_capture,
    write_system,
)

SKEL = Path("/usr/share/mlmmj/text.skel")
DIRS = ["incoming", "queue", "queue/discarded", "archive", "text", "subconf", "unsubconf", "bounce", "control",
        "moderation", "subscribers.d", "digesters.d", "requeue", "nomailsubs.d"]


@dataclass
class Case:
    name: str
    label: str
    language: str
    list_address: str
    controls: dict[str, str]
    inquiry: str
    to: str | None = None  # the address the inquiry is sent to, when not the list address
    header_to: str | None = None  # the To: header, when it differs (Bcc to the list)


MODERATED = {"moderated": "", "notifymod": "", "moderators": "moderation@{domain}\n"}
NONSUB = {"subonlypost": "", "modnonsubposts": "", "notifymod": "", "moderators": "moderation@{domain}\n"}

CASES = [
    Case("subonly-de-01", "auto_reply", "de", "support@merkur-versand.example", {"subonlypost": ""}, "at_de"),
    Case("subonly-de-02", "auto_reply", "de", "kundenservice@nordwind-energie.example", {"subonlypost": ""}, "tarif_de"),
    Case("subonly-en-01", "auto_reply", "en", "support@brightline-telecom.example", {"subonlypost": ""}, "contract_en"),
    Case("subonly-en-02", "auto_reply", "en", "help@northgate-motors.example", {"subonlypost": ""}, "warranty_en"),
    Case("closed-de-01", "auto_reply", "de", "service@stadtwerke-lindenau.example", {"subonlypost": "", "closedlistsub": ""}, "cancel_de"),
    Case("closed-en-01", "auto_reply", "en", "service@harbour-bank.example", {"subonlypost": "", "closedlistsub": ""}, "invoice_en"),
    Case("held-de-01", "acknowledgement", "de", "info@alpenblick-reisen.example", NONSUB, "appoint_de"),
    Case("held-de-02", "acknowledgement", "de", "service@merkur-versand.example", NONSUB, "return_de"),
    Case("held-en-01", "acknowledgement", "en", "claims@larkspur-insurance.example", NONSUB, "return_en"),
    Case("held-en-02", "acknowledgement", "en", "care@brightline-telecom.example", NONSUB, "at_en"),
    Case("moderated-de-01", "acknowledgement", "de", "anfragen@nordwind-energie.example", MODERATED, "invoice_de"),
    Case("moderated-en-01", "acknowledgement", "en", "enquiries@northgate-motors.example", MODERATED, "hours_en"),
    Case("access-de-01", "auto_reply", "de", "kontakt@stadtwerke-lindenau.example", {"access": "deny ^Subject:.*(Rechnung|Gutschein)\nallow\n"}, "gift_de"),
    Case("access-en-01", "auto_reply", "en", "contact@harbour-bank.example", {"access": "deny ^Subject:.*(Charged|Gift)\nallow\n"}, "gift_en"),
    Case("maxsize-de-01", "auto_reply", "de", "post@merkur-versand.example", {"maxmailsize": "400"}, "invoice_de"),
    Case("maxsize-en-01", "auto_reply", "en", "mail@larkspur-insurance.example", {"maxmailsize": "400"}, "invoice_en"),
    Case("tocc-de-01", "auto_reply", "de", "team@alpenblick-reisen.example", {}, "at_de", header_to="Alpenblick Reisen <reisen@alpenblick-reisen.example>"),
    Case("tocc-en-01", "auto_reply", "en", "team@brightline-telecom.example", {}, "hours_en", header_to="Brightline <hello@brightline-telecom.example>"),
    Case("subscribe-de-01", "auto_reply", "de", "newsletter@merkur-versand.example", {}, "gift_de", to="newsletter+subscribe@merkur-versand.example"),
    Case("subscribe-en-01", "auto_reply", "en", "updates@northgate-motors.example", {}, "warranty_en", to="updates+subscribe@northgate-motors.example"),
    Case("help-de-01", "auto_reply", "de", "info@nordwind-energie.example", {"subonlypost": ""}, "tarif_de", to="info+help@nordwind-energie.example"),
    Case("help-en-01", "auto_reply", "en", "info@harbour-bank.example", {"subonlypost": ""}, "contract_en", to="info+help@harbour-bank.example"),
]


def make_list(root: Path, case: Case, port: int) -> Path:
    listdir = root / case.name
    for sub in DIRS:
        (listdir / sub).mkdir(parents=True)
    for text in (SKEL / case.language).iterdir():
        shutil.copy(text, listdir / "text" / text.name)
    domain = case.list_address.rpartition("@")[2]
    controls = {"listaddress": case.list_address + "\n", "owner": f"postmaster@{domain}\n",
                "relayhost": "127.0.0.1\n", "smtpport": f"{port}\n", **case.controls}
    for name, value in controls.items():
        (listdir / "control" / name).write_text(value.format(domain=domain), encoding="utf-8")
    return listdir


def pipe(listdir: Path, envelope_from: str, rcpt: str, raw: bytes) -> None:
    """Deliver like Postfix pipe(8) flags=OR: Return-Path and X-Original-To prepended."""
    head = f"Return-Path: <{envelope_from}>\nX-Original-To: {rcpt}\n".encode()
    subprocess.run(["/usr/bin/mlmmj-receive", "-F", "-L", str(listdir)], input=head + raw.replace(b"\r\n", b"\n"), check=True)


def wait_for(capture: Capture, address: str, count: int, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while True:
        hits = [i for i, r in enumerate(capture.received) if address in r.rcpt_tos]
        if len(hits) >= count or time.monotonic() > deadline:
            return hits
        time.sleep(0.2)


def main() -> int:
    ensure_packages("mlmmj")
    capture = Capture()
    controller, port = start_capture(capture)
    root = Path(tempfile.mkdtemp(prefix="mlmmj-"))
    entries: list[Entry] = []
    try:
        for case in CASES:
            listdir = make_list(root, case, port)
            subject, body = INQUIRIES[case.inquiry]
            sender = ANNA if case.language == "de" else OLIVER
            message = inquiry(sender, case.header_to or case.to or case.list_address, subject, body)
            already = len(wait_for(capture, sender[1], 0, 0))
            started = time.time()
            pipe(listdir, sender[1], case.to or case.list_address, bytes(message))
            hits = wait_for(capture, sender[1], already + 1, 15)
            if len(hits) <= already:
                print(f"{case.name}: no reply", file=sys.stderr)
                continue
            reply = capture.received[hits[already]]
            entries.append(Entry(f"{case.name}.eml", case.label, case.language, reply.at - started, subject, body, reply.raw))
    finally:
        controller.stop()
        shutil.rmtree(root, ignore_errors=True)
    version = package_version("mlmmj")
    write_system(
        "mlmmj",
        system=f"mlmmj {version.split('-')[0]} (mailing-list manager)",
        source=f"Debian mlmmj {version}",
        generated_by="tests/corpus/tools/real/mlmmj_replies.py",
        notes=(
            "All reply texts, subjects and MIME layout are mlmmj's stock list texts (text.skel de/en) as "
            "shipped by Debian; ours are only the list addresses, the control settings and the inquiries. "
            "Inquiries were piped into mlmmj-receive with Return-Path and X-Original-To prepended (as Postfix "
            "pipe flags=OR would); mlmmj sent every reply itself over SMTP to the loopback capture. "
            "held-*/moderated-*: 'awaiting moderation' notices (acknowledgement; a moderator rejection or "
            "expiry produced no further mail to the poster in this version). subonly/closed/access/maxsize/"
            "tocc (list address only in Bcc): refusals (auto_reply). subscribe-*/help-*: the inquiry was sent to list+subscribe "
            "or list+help (a company publishing such an address as contact), answered by a subscription "
            "confirmation request or the list help text (auto_reply)."
        ),
        entries=entries,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
