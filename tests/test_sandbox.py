"""The sandbox end to end: real SMTP on 127.0.0.1, real Maildir, real ground-truth file."""

from __future__ import annotations

import _thread
import json
import os
import re
import smtplib
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, cast

import pytest

from servaudit.errors import InfrastructureError
from servaudit.sandbox import BEHAVIOURS, DEFAULT_FLEET, Sandbox, SandboxCompany, build_dsn, serve_forever
from servaudit.sandbox.findings_fleet import FINDINGS_FLEET, SIMULATED_FLEET
from servaudit.sandbox.fleet import THREAD_FLEET

HOST = "127.0.0.1"
SCALE = 0.05  # 1 s of company time = 50 ms of test time


def _company(slug: str, behaviour: str, language: str, delay: float = 1.0) -> SandboxCompany:
    domain = f"{slug}.example"
    return SandboxCompany(
        slug, f"{slug.title()} GmbH", domain, f"service@{domain}", behaviour, language, delay
    )


FLEET = (
    _company("humande", "human", "de"),
    _company("humanen", "human", "en"),
    _company("ackde", "ack_then_human", "de", 2.0),
    _company("oooen", "out_of_office", "en"),
    _company("oode", "out_of_office", "de"),
    _company("bounceen", "bounce", "en"),
    _company("silentde", "silence", "de"),
    _company("noreplyde", "noreply_human", "de"),
    _company("hotlinede", "hotline", "de"),
    _company("hotlineen", "hotline", "en"),
    _company("rejecten", "reject", "en"),
    _company("slowde", "human", "de", 600.0),
)
BY_SLUG = {company.slug: company for company in FLEET}


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    box = Sandbox(tmp_path / "mail", tmp_path / "truth" / "ground.jsonl", FLEET, host=HOST, delay_scale=SCALE)
    box.start()
    yield box
    box.stop()


def send(
    box: Sandbox,
    to: str,
    subject: str = "Frage zu meinem Tarif",
    *,
    sender: str = "Anna Schmidt <anna@auditor.example>",
    reply_to: str | None = None,
    extra_to: tuple[str, ...] = (),
) -> str:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join((to, *extra_to))
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="auditor.example")
    message.set_content("Guten Tag,\n\nwie kann ich meinen Abschlag ändern?\n\nViele Grüße\nAnna Schmidt\n")
    with smtplib.SMTP(HOST, box.smtp_port, local_hostname="localhost", timeout=5) as client:
        client.send_message(message)
    return str(message["Message-ID"])


def truth(box: Sandbox) -> list[dict[str, Any]]:
    path = box.ground_truth
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def delivered(box: Sandbox) -> dict[str, EmailMessage]:
    """Maildir file name -> parsed message."""
    folder = box.maildir / "new"
    parser = BytesParser(policy=policy.default)
    return {
        name: cast(EmailMessage, parser.parsebytes((folder / name).read_bytes()))
        for name in sorted(os.listdir(folder))
    }


def replies_for(box: Sandbox, slug: str) -> list[tuple[dict[str, Any], EmailMessage]]:
    """(ground-truth record, delivered message) per reply of one company, in delivery order."""
    files = delivered(box)
    records = [r for r in truth(box) if r["company"] == slug and r["maildir_file"]]
    return [(record, files[record["maildir_file"]]) for record in records]


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def settle(box: Sandbox) -> None:
    assert box.wait_idle(5.0)


# -- fleet -------------------------------------------------------------------------------------


def test_default_fleet_is_complete_and_safe() -> None:
    # The reminder, follow-up and findings companies live beside the demo's fleet (they answer in threads).
    fleet = DEFAULT_FLEET + THREAD_FLEET + FINDINGS_FLEET
    assert {company.behaviour for company in fleet + SIMULATED_FLEET} == BEHAVIOURS
    assert {company.language for company in DEFAULT_FLEET} == {"de", "en"}
    assert len({company.domain for company in fleet}) == len(fleet)
    for company in fleet:
        assert company.domain.endswith(".example")
        assert company.address.endswith("@" + company.domain)
        assert 0 <= company.delay_seconds <= 30


def test_company_outside_example_tld_is_refused() -> None:
    with pytest.raises(ValueError, match=r"\.example"):
        SandboxCompany("real", "Real AG", "real.de", "service@real.de", "human", "de")


# -- behaviours ---------------------------------------------------------------------------------


def test_human_german(sandbox: Sandbox) -> None:
    inquiry_id = send(sandbox, BY_SLUG["humande"].address, "Frage zu meinem Tarif")
    settle(sandbox)
    [(record, reply)] = replies_for(sandbox, "humande")
    assert record["kind"] == "human"
    assert record["inquiry_message_id"] == inquiry_id
    assert reply["In-Reply-To"] == inquiry_id and reply["References"] == inquiry_id
    assert reply["Subject"] == "AW: Frage zu meinem Tarif"
    sender = reply["From"].addresses[0]
    assert sender.addr_spec == "service@humande.example" and " " in sender.display_name
    assert "Auto-Submitted" not in reply and "X-Autoreply" not in reply
    text = body(reply)
    assert text.startswith("Guten Tag Anna Schmidt,")
    assert "Mit freundlichen Grüßen" in text and sender.display_name in text
    assert re.search(
        r"^Am \d\d\.\d\d\.\d{4} um \d\d:\d\d schrieb Anna Schmidt <anna@auditor\.example>:$", text, re.M
    )
    assert "> wie kann ich meinen Abschlag ändern?" in text
    assert reply["Message-ID"].endswith("@humande.example>") and reply["Date"]


def test_human_english(sandbox: Sandbox) -> None:
    inquiry_id = send(sandbox, BY_SLUG["humanen"].address, "Question about my plan")
    settle(sandbox)
    [(record, reply)] = replies_for(sandbox, "humanen")
    assert record["kind"] == "human" and reply["In-Reply-To"] == inquiry_id
    assert reply["Subject"] == "Re: Question about my plan"
    text = body(reply)
    assert text.startswith("Hello Anna Schmidt,") and "Kind regards," in text
    assert re.search(r"^On .+, Anna Schmidt wrote:$", text, re.M)


def test_ack_then_human_share_a_ticket(sandbox: Sandbox) -> None:
    inquiry_id = send(sandbox, BY_SLUG["ackde"].address, "Zählerstand melden")
    settle(sandbox)
    (ack_record, ack), (human_record, human) = replies_for(sandbox, "ackde")
    assert [ack_record["kind"], human_record["kind"]] == ["acknowledgement", "human"]
    match = re.fullmatch(r"\[#(\d{6})\] Ihre Anfrage ist eingegangen: Zählerstand melden", ack["Subject"])
    assert match, ack["Subject"]
    assert ack["Auto-Submitted"] == "auto-generated" and ack["In-Reply-To"] == inquiry_id
    assert "vielen dank für ihre nachricht" in body(ack).lower()
    assert f"#{match.group(1)}" in body(ack) and "2 Werktagen" in body(ack)
    assert f"[#{match.group(1)}]" in human["Subject"]
    assert "Auto-Submitted" not in human and human["In-Reply-To"] == inquiry_id
    assert human_record["delivered_at"] > ack_record["delivered_at"]


def test_out_of_office_is_all_there_is(sandbox: Sandbox) -> None:
    inquiry_id = send(sandbox, BY_SLUG["oooen"].address, "Broken router")
    send(sandbox, BY_SLUG["oode"].address, "Kündigung")
    settle(sandbox)  # idle means nothing else is scheduled: no answer will ever follow
    [(record, reply)] = replies_for(sandbox, "oooen")
    assert record["kind"] == "auto_reply"
    assert reply["Auto-Submitted"] == "auto-replied" and reply["X-Autoreply"] == "yes"
    assert reply["In-Reply-To"] == inquiry_id
    assert reply["Subject"] == "Out of Office: Broken router"
    [(_, german)] = replies_for(sandbox, "oode")
    assert german["Subject"] == "Abwesenheitsnotiz: Kündigung"


def test_bounce_is_a_wellformed_dsn(sandbox: Sandbox) -> None:
    company = BY_SLUG["bounceen"]
    inquiry_id = send(sandbox, company.address, "Order 4711")
    settle(sandbox)
    [(record, dsn)] = replies_for(sandbox, "bounceen")
    assert record["kind"] == "bounce" and record["to"] == "anna@auditor.example"
    assert dsn["From"].addresses[0].addr_spec == f"MAILER-DAEMON@mx.{company.domain}"
    assert dsn["Subject"] == "Undelivered Mail Returned to Sender"
    assert dsn["Auto-Submitted"] == "auto-replied"
    assert dsn.get_content_type() == "multipart/report"
    assert dsn.get_param("report-type") == "delivery-status"
    explanation, status, headers = dsn.iter_parts()
    assert explanation.get_content_type() == "text/plain"
    assert status.get_content_type() == "message/delivery-status"
    per_message, per_recipient = cast(list[Message], status.get_payload())
    assert per_message["Reporting-MTA"] == f"dns; mx.{company.domain}"
    assert per_message["Arrival-Date"]
    assert per_recipient["Final-Recipient"] == f"rfc822; {company.address}"
    assert per_recipient["Action"] == "failed" and per_recipient["Status"] == "5.1.1"
    assert per_recipient["Diagnostic-Code"].startswith("smtp; 550 5.1.1")
    assert headers.get_content_type() == "text/rfc822-headers"
    assert f"Message-ID: {inquiry_id}" in headers.get_content()


def test_silence_sends_nothing(sandbox: Sandbox) -> None:
    inquiry_id = send(sandbox, BY_SLUG["silentde"].address)
    assert sandbox.pending() == 0 and sandbox.received() == 1
    [record] = truth(sandbox)
    assert record["kind"] == "silence" and record["inquiry_message_id"] == inquiry_id
    assert record["reply_message_id"] is None and record["delivered_at"] is None
    assert record["maildir_file"] is None and record["inquiry_received_at"].endswith("+00:00")
    assert delivered(sandbox) == {}


def test_noreply_human_starts_a_new_thread(sandbox: Sandbox) -> None:
    send(sandbox, BY_SLUG["noreplyde"].address, "Rücksendung Bestellung 123")
    settle(sandbox)
    [(record, reply)] = replies_for(sandbox, "noreplyde")
    assert record["kind"] == "human"
    sender = reply["From"].addresses[0]
    assert sender.addr_spec == "noreply@noreplyde.example" and sender.display_name == "Noreplyde GmbH"
    assert "In-Reply-To" not in reply and "References" not in reply
    assert re.fullmatch(r"\[Ticket#\d+\] Rücksendung Bestellung 123", reply["Subject"])
    text = body(reply)
    assert text.startswith("Guten Tag Anna Schmidt,") and "\n>" not in text


def test_hotline_deflects(sandbox: Sandbox) -> None:
    german_id = send(sandbox, BY_SLUG["hotlinede"].address)
    send(sandbox, BY_SLUG["hotlineen"].address, "Roaming charges")
    settle(sandbox)
    [(record, reply)] = replies_for(sandbox, "hotlinede")
    assert record["kind"] == "deflection" and reply["In-Reply-To"] == german_id
    assert "Bitte rufen Sie uns für Ihr Anliegen unter unserer Hotline 0180 6 123456" in body(reply)
    [(_, english)] = replies_for(sandbox, "hotlineen")
    assert "please call our customer service hotline on" in body(english)


def test_reject_refuses_at_rcpt(sandbox: Sandbox) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(sandbox, BY_SLUG["rejecten"].address)
    code, reply = refused.value.recipients[BY_SLUG["rejecten"].address]
    assert code == 550 and b"5.1.1" in reply and b"User unknown" in reply
    [record] = truth(sandbox)
    assert record["kind"] == "rejected" and record["company"] == "rejecten"
    assert sandbox.received() == 0 and sandbox.pending() == 0


def test_never_relays(sandbox: Sandbox) -> None:
    with smtplib.SMTP(HOST, sandbox.smtp_port, local_hostname="localhost", timeout=5) as client:
        client.ehlo()
        client.mail("anna@auditor.example")
        code, reply = client.rcpt("someone@gmail.com")
        assert code == 550 and b"5.7.1" in reply
        code, reply = client.rcpt("nobody@humande.example")
        assert code == 550 and b"5.1.1" in reply
        assert client.rcpt("SERVICE@HumanDE.example")[0] == 250  # addresses are case-insensitive
        client.rset()
    assert truth(sandbox) == []


# -- addressing, timing, lifecycle ---------------------------------------------------------------


def test_reply_goes_to_reply_to_with_plus_address(sandbox: Sandbox) -> None:
    send(
        sandbox,
        BY_SLUG["humande"].address,
        "Mit Reply-To",
        reply_to="Anna Schmidt <anna+x7k2@auditor.example>",
    )
    send(sandbox, BY_SLUG["humanen"].address, "Without Reply-To")
    settle(sandbox)
    [(record, reply)] = replies_for(sandbox, "humande")
    assert reply["To"].addresses[0].addr_spec == "anna+x7k2@auditor.example"
    assert record["to"] == "anna+x7k2@auditor.example"
    [(_, plain)] = replies_for(sandbox, "humanen")
    assert plain["To"].addresses[0].addr_spec == "anna@auditor.example"


def test_delivered_at_is_the_maildir_mtime(sandbox: Sandbox) -> None:
    for slug in ("humande", "ackde", "bounceen", "hotlineen"):
        send(sandbox, BY_SLUG[slug].address)
    settle(sandbox)
    records = [r for r in truth(sandbox) if r["maildir_file"]]
    assert len(records) == 5
    for record in records:
        mtime = os.stat(sandbox.maildir / "new" / record["maildir_file"]).st_mtime
        assert record["delivered_at"] == datetime.fromtimestamp(mtime, UTC).isoformat(timespec="microseconds")
        assert record["delivered_at"] >= record["inquiry_received_at"]
        assert record["reply_message_id"] == str(delivered(sandbox)[record["maildir_file"]]["Message-ID"])


def test_one_message_to_two_companies(sandbox: Sandbox) -> None:
    send(sandbox, BY_SLUG["humanen"].address, extra_to=(BY_SLUG["silentde"].address,))
    settle(sandbox)
    assert sandbox.received() == 2
    assert sorted(r["kind"] for r in truth(sandbox)) == ["human", "silence"]


def test_wait_idle_and_prompt_stop(sandbox: Sandbox) -> None:
    send(sandbox, BY_SLUG["slowde"].address)  # 600 s * 0.05 = 30 s: still pending when we stop
    assert sandbox.pending() == 1
    assert sandbox.wait_idle(0.05) is False
    started = time.monotonic()
    sandbox.stop()
    sandbox.stop()  # idempotent
    assert time.monotonic() - started < 1.0
    assert sandbox.pending() == 0 and sandbox.wait_idle(0.0) is True
    assert delivered(sandbox) == {}
    with pytest.raises(OSError):
        socket.create_connection((HOST, sandbox.smtp_port), timeout=1).close()


def test_busy_port_is_an_infrastructure_error(sandbox: Sandbox, tmp_path: Path) -> None:
    second = Sandbox(tmp_path / "m2", tmp_path / "g2.jsonl", FLEET, host=HOST, port=sandbox.smtp_port)
    with pytest.raises(InfrastructureError, match=str(sandbox.smtp_port)):
        second.start()
    second.stop()


def test_serve_forever_reports_events_until_interrupted(tmp_path: Path) -> None:
    box = Sandbox(tmp_path / "mail", tmp_path / "g.jsonl", FLEET, host=HOST, delay_scale=SCALE)
    box.start()
    events: list[dict[str, Any]] = []

    def drive() -> None:
        send(box, BY_SLUG["humanen"].address)
        box.wait_idle(5.0)
        _thread.interrupt_main()

    driver = threading.Thread(target=drive)
    driver.start()
    serve_forever(box, events.append)
    driver.join()
    assert [event["kind"] for event in events] == ["human"]
    assert not box.running


def test_build_dsn_defaults_to_original_sender() -> None:
    original = EmailMessage()
    original["From"] = "Anna <anna@auditor.example>"
    original["Message-ID"] = "<abc@auditor.example>"
    original.set_content("hi")
    raw = build_dsn(original, "info@x.example", "mx.x.example", datetime.now(UTC))
    dsn = BytesParser(policy=policy.default).parsebytes(raw)
    assert dsn["To"] == "anna@auditor.example"
    assert "<abc@auditor.example>" in raw.decode()
