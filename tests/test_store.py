"""The store: claims committed before sends, interrupted sends never repeated, mail kept once.

Each test runs on both backends (``where``: an SQLite file, or a database of a throw-away PostgreSQL
cluster); what only one of them has is tested below the shared ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from servaudit.errors import ConfigError
from servaudit.judgement import AcknowledgementTraits, MailFindings, Promise, ReplyJudgement
from servaudit.store import PENDING, SENDING, SENT, UNCERTAIN, InquiryKeys, Store, Target, sqlite_path
from servaudit.store.messages import KEPT_APART
from tests.store_files import run_sql, stamp_schema

ID = "acme.email.q.w1"
FIELDS: dict[str, object] = {
    "id": ID,
    "company": "acme",
    "channel": "email",
    "scenario": "q",
    "wave": 1,
    "target": "service@acme.example",
    "message_id": "<a@b.example>",
}


def test_claim_is_committed_before_the_send(where: Target) -> None:
    store = Store(where)
    attempt = store.claim(dict(FIELDS))
    assert attempt
    # A second connection (another process) sees the claim at once.
    assert run_sql(where, "SELECT state FROM inquiries", ()) == [(SENDING,)]
    assert store.claim(dict(FIELDS)) is None, "a claimed inquiry cannot be claimed again"


def test_interrupted_send_becomes_uncertain_and_stays_so(where: Target) -> None:
    store = Store(where)
    store.claim(dict(FIELDS))
    store.close()
    reopened = Store(where)
    assert reopened.mark_interrupted_sends() == [ID]
    assert reopened.inquiry_states() == {ID: UNCERTAIN}
    assert reopened.claim(dict(FIELDS)) is None


def test_not_sent_inquiry_can_be_claimed_again(where: Target) -> None:
    store = Store(where)
    attempt = store.claim(dict(FIELDS))
    assert attempt is not None
    store.finish(ID, attempt, PENDING, "relay down", None)
    second = store.claim({**FIELDS, "message_id": "<c@b.example>"})
    assert second is not None and second != attempt
    store.finish(ID, second, SENT, "ok", datetime.now(UTC))
    [record] = store.inquiries()
    assert record.state == SENT and record.message_id == "<c@b.example>" and record.sent_at is not None
    assert [a.outcome for a in store.attempts(ID)] == [PENDING, SENT], "every attempt stays on record"


def test_messages_are_kept_once_by_source_and_by_content(where: Target) -> None:
    store = Store(where)
    when = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    first = store.add_message("imap:INBOX:1:7", b"raw bytes", when, "<m@x>", "a@x.example", "Re: q")
    assert first is not None
    assert store.add_message("imap:INBOX:1:7", b"raw bytes", when, None, None, None) is None
    # Same bytes under a new UIDVALIDITY: still the same message.
    assert store.add_message("imap:INBOX:2:1", b"raw bytes", when, None, None, None) is None
    assert store.raw_message(first) == b"raw bytes"
    [record] = store.messages()
    assert record.arrived_at == when and record.subject == "Re: q"


def test_large_messages_are_kept_byte_for_byte_once_and_only_with_their_batch(where: Target) -> None:
    """From KEPT_APART on, SQLite gets a message's bytes written in place into a row of their own: the
    same bytes come back by every query, a second copy is still refused, a rolled-back batch leaves
    neither row nor bytes."""
    store = Store(where)
    when = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    small = store.add_message("imap:INBOX:1:7", b"raw bytes", when, None, None, None)
    large = bytes(range(256)) * (KEPT_APART // 256) + b"\r\n.\r\nlast line"
    first = store.add_message("imap:INBOX:1:8", large, when, None, None, None)
    assert first is not None and small is not None and store.raw_message(first) == large
    assert store.add_message("imap:INBOX:1:8", large + b"!", when, None, None, None) is None
    assert store.add_message("imap:INBOX:2:8", large, when, None, None, None) is None
    with pytest.raises(ValueError), store.transaction():
        assert store.add_message("imap:INBOX:1:9", large[::-1], when, None, None, None) is not None
        raise ValueError("the batch fails after the message")
    assert [m.source for m in store.messages()] == ["imap:INBOX:1:7", "imap:INBOX:1:8"]
    assert store.raw_messages([first, small]) == {first: large, small: b"raw bytes"}
    assert list(store.raw_messages_all()) == [(small, b"raw bytes"), (first, large)]
    assert store.raw_message(small) == b"raw bytes"
    kept_apart = run_sql(where, "SELECT message_id FROM message_bytes", ())
    assert kept_apart == ([] if store.postgres else [(first,)]), "SQLite keeps a large message apart"


def test_a_store_from_a_newer_version_is_refused(where: Target) -> None:
    Store(where).close()
    stamp_schema(where, 99)
    with pytest.raises(ConfigError, match="newer servaudit"):
        Store(where)


def test_store_urls(tmp_path: Path) -> None:
    assert sqlite_path(None, tmp_path) == tmp_path / "servaudit.sqlite"
    assert sqlite_path("sqlite:data/x.sqlite", tmp_path) == tmp_path / "data/x.sqlite"
    assert sqlite_path("sqlite:///data/x.sqlite", tmp_path) == tmp_path / "data/x.sqlite"
    assert sqlite_path("sqlite:////abs/x.sqlite", tmp_path) == Path("/abs/x.sqlite")
    with pytest.raises(ConfigError, match="only sqlite and postgresql URLs"):
        sqlite_path("mysql://db/audit", tmp_path)


def test_a_failing_item_of_a_batch_undoes_only_its_own_writes(where: Target) -> None:
    store = Store(where)
    arrived = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with store.transaction():
        with store.transaction():
            store.add_message("maildir:a", b"first", arrived, None, None, None)
        with pytest.raises(ValueError), store.transaction():
            store.add_message("maildir:b", b"second", arrived, None, None, None)
            raise ValueError("this message cannot be judged")
        with store.transaction():
            store.add_message("maildir:c", b"third", arrived, None, None, None)
    assert [m.source for m in Store(where).messages()] == ["maildir:a", "maildir:c"]


def test_a_claim_is_never_part_of_a_batch(where: Target) -> None:
    store = Store(where)
    with pytest.raises(RuntimeError, match="before the send"), store.transaction():
        store.claim(dict(FIELDS))
    assert store.inquiry_states() == {}


def test_every_stored_message_is_read_back_in_order_a_page_at_a_time(where: Target) -> None:
    """More messages than one page (PostgreSQL reads 100 at a time): each once, in id order."""
    store = Store(where)
    arrived = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with store.transaction():
        ids = [store.add_message(f"maildir:{n}", b"m%d" % n, arrived, None, None, None) for n in range(250)]
    assert [(i, raw) for i, raw in store.raw_messages_all()] == [(i, b"m%d" % n) for n, i in enumerate(ids)]


def test_records_take_every_column_into_its_own_field(where: Target) -> None:
    """The store makes records from rows by position: each field gets its own column's value, on
    both backends (a column out of the record's order would put a subject into a sender)."""
    store = Store(where)
    parent = {**FIELDS, "sender": "anna@example.org", "reply_address": "r@example.org"}
    attempt = store.claim({**parent, "subject": "Frage", "body": "Hallo", "kind": "inquiry"})
    assert attempt is not None
    sent = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    store.finish(ID, attempt, SENT, "ok", sent, "submitted")
    reminder_fields = {"id": ID + ".r1", "kind": "reminder", "parent_id": ID, "message_id": "<r@b>"}
    child = store.claim({**FIELDS, **reminder_fields})
    assert child is not None
    [first, reminder] = sorted(store.inquiries(), key=lambda r: r.id)
    assert (first.id, first.company, first.channel, first.scenario) == (ID, "acme", "email", "q")
    assert first.wave == 1
    assert (first.target, first.state, first.sender, first.reply_address) == (
        "service@acme.example",
        SENT,
        "anna@example.org",
        "r@example.org",
    )
    assert (first.subject, first.body, first.message_id) == ("Frage", "Hallo", "<a@b.example>")
    assert first.created_at.tzinfo is not None and first.sent_at == sent
    assert (first.detail, first.outcome, first.kind, first.parent_id) == ("ok", "submitted", "inquiry", None)
    assert (reminder.kind, reminder.parent_id, reminder.sent_at) == ("reminder", ID, None)

    arrived = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    message = store.add_message("imap:1", b"raw", arrived, "<m@x>", "agent@acme.example", "Re: Frage", 1.0)
    assert message is not None
    store.set_match(message, ID, "thread")
    store.set_classification(message, "human", ["a written answer"], version="j7")
    store.set_classification(message, "auto_reply", ["a consultant's view"], origin="manual", comment="no")
    store.set_manual_score(message, 70)
    store.set_decided(message, "j7", "unreadable: why")
    [record] = store.messages()
    assert (record.id, record.source, record.arrived_at, record.header_message_id) == (
        message,
        "imap:1",
        arrived,
        "<m@x>",
    )
    assert (record.from_addr, record.subject, record.inquiry_id, record.match_method) == (
        "agent@acme.example",
        "Re: Frage",
        ID,
        "thread",
    )
    assert (record.label, record.reasons, record.manual_label, record.manual_comment) == (
        "human",
        ("a written answer",),
        "auto_reply",
        "no",
    )
    assert (record.manual_score, record.arrival_resolution, record.unreadable) == (70, 1.0, "unreadable: why")
    assert (record.version, record.decided) == ("j7", "j7")


def test_inquiry_keys_are_the_records_fields_of_those_names_in_the_same_order(where: Target) -> None:
    """A collect with nothing to decide reads only these; they must be what matching would read
    of the whole records (the inquiries' generations hash them), in the records' order."""
    store = Store(where)
    for company in ("zeta", "acme", "mid"):
        inquiry_id = f"{company}.email.q.w1"
        fields = {**FIELDS, "id": inquiry_id, "company": company, "subject": "Frage"}
        attempt = store.claim({**fields, "message_id": f"<{company}@b.example>", "reply_address": "r@x"})
        assert attempt is not None
        if company != "mid":
            store.finish(inquiry_id, attempt, SENT, "ok", datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
    records = store.inquiries()
    assert [r.company for r in records] == ["acme", "mid", "zeta"]
    assert store.inquiry_keys() == [
        tuple(getattr(r, name) for name in InquiryKeys._fields) for r in records
    ]


def test_message_totals_count_the_classes_of_readable_messages_only(where: Target) -> None:
    store = Store(where)
    arrived = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    labels = ["human", "human", "bounce", "human", "auto_reply"]
    for n, label in enumerate(labels):
        message = store.add_message(f"imap:{n}", f"raw {n}".encode(), arrived, None, None, None, 1.0)
        assert message is not None
        store.set_classification(message, label, ["why"], version="j1")
        store.set_classification(message, "marketing", ["a consultant's view"], origin="manual")
        if n >= 2:  # the bounce, a human answer and the auto-reply could not be read after all
            store.set_decided(message, "j1", "unreadable: why")
    assert store.message_totals() == (0, 2, 3, {"human": 2})


def test_judgements_read_back_as_stored_when_replies_share_their_readings(where: Target) -> None:
    """Readings many replies share (no findings, the same facts, the same traits) are decoded once
    and shared; each reply still reads back exactly what was stored for it."""
    store = Store(where)
    arrived = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    promise = MailFindings(promise=Promise("binnen 48 Stunden", hours=48.0), authentication=(("spf", "x"),))
    both, neither = AcknowledgementTraits(True, False, True), AcknowledgementTraits(False, False, False)
    reference = AcknowledgementTraits(False, True, False)
    kept = [
        ReplyJudgement(0, "j1", "a", frozenset({"price"}), both),
        ReplyJudgement(0, "j1", "b", frozenset({"price"}), both),
        ReplyJudgement(0, "j2", "c", None, neither, promise),
        ReplyJudgement(0, "j2", "d", frozenset(), both, promise),
        ReplyJudgement(0, "j2", "e", frozenset({"price", "delivery"}), reference),
    ]
    expected = {}
    for number, judgement in enumerate(kept):
        message = store.add_message(f"imap:{number}", f"raw {number}".encode(), arrived, None, None, None)
        assert message is not None
        expected[message] = replace(judgement, message_id=message)
        store.set_judgement(expected[message])
    assert store.judgements() == expected
