"""Matching replies to inquiries: thread first, then reply address, then sender domain and subject."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from servaudit.config import load_config
from servaudit.replies.match import (
    REPLY_ADDRESS,
    SENDER_DOMAIN,
    SUBJECT,
    THREAD,
    InquiryIndex,
    _domain_matches,
    match,
    normalize_subject,
)
from servaudit.store import InquiryRecord

CONFIG = load_config(Path(__file__).parent / "data" / "config" / "good.toml")
SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def inquiry(scenario: str, subject: str, message_id: str, reply_address: str | None = None) -> InquiryRecord:
    return InquiryRecord(
        id=f"nordwind.email.{scenario}.w1",
        company="nordwind",
        channel="email",
        scenario=scenario,
        wave=1,
        target="service@nordwind.example",
        state="sent",
        sender="anna.schmidt@mailbox.example",
        reply_address=reply_address,
        subject=subject,
        body="…",
        message_id=message_id,
        created_at=SENT,
        sent_at=SENT,
        detail=None,
    )


INQUIRIES = [
    inquiry("tarif", "Frage zu meinem Tarif", "<t1@mailbox.example>", "anna.schmidt+k2m4pq@mailbox.example"),
    inquiry("umzug", "Umzug in eine neue Wohnung", "<t2@mailbox.example>"),
]
INDEX = InquiryIndex(INQUIRIES, CONFIG)


def reply(subject: str, sender: str = "agent@nordwind.example", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = headers.pop("to", "anna.schmidt@mailbox.example")
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Guten Tag")
    return message


def test_thread_headers_decide_first() -> None:
    found = match(reply("anything", In_Reply_To="<t2@mailbox.example>"), SENT + timedelta(hours=1), INDEX)
    assert found is not None and (found.inquiry_id, found.method) == ("nordwind.email.umzug.w1", THREAD)


def test_references_chain_is_searched() -> None:
    message = reply("Re: x", References="<other@x.example> <t1@mailbox.example>")
    found = match(message, SENT + timedelta(hours=1), INDEX)
    assert found is not None and found.method == THREAD and found.inquiry_id.endswith("tarif.w1")


def test_reply_address_when_the_thread_is_lost() -> None:
    message = reply("Ihre Nachricht", to="Anna <anna.schmidt+k2m4pq@mailbox.example>")
    found = match(message, SENT + timedelta(hours=1), INDEX)
    assert found is not None and found.method == REPLY_ADDRESS and found.inquiry_id.endswith("tarif.w1")


def test_subject_and_sender_domain_when_a_ticket_system_starts_a_new_thread() -> None:
    message = reply("AW: [Ticket#20261] Umzug in eine neue Wohnung", sender="noreply@mail.nordwind.example")
    found = match(message, SENT + timedelta(days=2), INDEX)
    assert found is not None and found.method == SUBJECT and found.inquiry_id.endswith("umzug.w1")


def test_no_match_outside_the_window_or_from_another_domain() -> None:
    late = reply("Re: Umzug in eine neue Wohnung")
    assert match(late, SENT + timedelta(days=30), INDEX) is None
    foreign = reply("Re: Umzug in eine neue Wohnung", sender="spam@elsewhere.example")
    assert match(foreign, SENT + timedelta(hours=1), INDEX) is None


def test_sender_domain_alone_only_when_unambiguous() -> None:
    message = reply("Ihre Anfrage")
    assert match(message, SENT + timedelta(hours=1), INDEX) is None
    found = match(message, SENT + timedelta(hours=1), InquiryIndex(INQUIRIES[:1], CONFIG))
    assert found is not None and found.method == SENDER_DOMAIN


def test_a_senders_inquiries_are_every_inquiry_to_its_companies_in_order(tmp_path: Path) -> None:
    # A group's domain and its shop's subdomain: a sender at the shop is in both companies' domains.
    toml = (Path(__file__).parent / "data" / "config" / "good.toml").read_text()
    toml += '[companies.group]\nname = "Group"\nemail = "service@group.example"\n'
    toml += '[companies.shop]\nname = "Shop"\nemail = "service@shop.group.example"\n'
    (tmp_path / "audit.toml").write_text(toml)
    config = load_config(tmp_path / "audit.toml")
    inquiries = [
        replace(
            INQUIRIES[n % 2],
            id=f"{company}.email.x.w{n}",
            company=company,
            sent_at=SENT + timedelta(minutes=n % 3),
        )
        for n, company in enumerate(["shop", "group", "nordwind", "shop", "elsewhere", "group", "shop"])
    ]
    index = InquiryIndex(inquiries, config)
    for sender in ("a@shop.group.example", "b@group.example", "c@mail.nordwind.example", "d@other.example"):
        every = [
            i
            for i in inquiries
            if i.company in index.domains and _domain_matches(sender, index.domains[i.company])
        ]
        assert index.senders_inquiries(sender) == every
    assert [i.company for i in index.senders_inquiries("a@shop.group.example")] == [
        "shop", "group", "shop", "group", "shop"
    ]
    # The latest of the inquiries the subject names: of two sent at once, the first in the inquiries' order.
    message = reply("AW: Frage zu meinem Tarif", sender="a@shop.group.example")
    found = match(message, SENT + timedelta(hours=1), index)
    assert found is not None and (found.inquiry_id, found.method) == ("shop.email.x.w0", SUBJECT)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("AW: AW: Frage zu meinem Tarif", "frage zu meinem tarif"),
        ("Re: [#123456] Frage zu meinem Tarif", "frage zu meinem tarif"),
        ("[Ticket#2026112367430543] Frage zu meinem Tarif", "frage zu meinem tarif"),
        ("WG: Frage zu meinem Tarif (Vorgang 4711)", "frage zu meinem tarif"),
        ("Sv: Ticket Nr. 99: Frage zu meinem Tarif", "frage zu meinem tarif"),
    ],
)
def test_subject_normalisation(subject: str, expected: str) -> None:
    assert normalize_subject(subject) == expected
