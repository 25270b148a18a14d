"""Collect tells the truth: unbiased times, no reply before its inquiry, judged once, re-judged on upgrade,
and no message, however broken, stops it."""

from __future__ import annotations

import mailbox
import os
import random
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from servaudit.audit_store import open_store
from servaudit.collect import collect
from servaudit.config import Audit
from servaudit.engine import run
from servaudit.grading import grade, pending
from servaudit.measure.facts import gather
from servaudit.sandbox import Sandbox
from servaudit.sandbox.imap import DovecotServer
from servaudit.store import InquiryRecord
from tests.audit_fixtures import company
from tests.test_collect import IMAP_PASSWORD, IMAP_USER, audit_over_imap


def dump(audit: Audit) -> list[str]:
    db = sqlite3.connect(audit.folder / "servaudit.sqlite")
    try:
        return list(db.iterdump())
    finally:
        db.close()


def reply_to_company(
    folder: Path, sender: str, subject: str, body: str, at: float, in_reply_to: str | None = None
) -> None:
    """Deliver a reply into the persona's Maildir with the delivery time ``at`` (a Unix time)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "anna.schmidt@mailbox.example"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="company.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    message.set_content(body)
    box = mailbox.Maildir(folder)
    key = box.add(message)
    path = Path(folder) / "new" / key
    os.utime(path, (at, at))


def silent_company_asked(
    sandbox: Sandbox, make_audit: Callable[..., Audit]
) -> tuple[Audit, InquiryRecord, float]:
    """An audit of one company that never answers, its inquiry sent: replies are then ours to deliver."""
    audit = make_audit([company(sandbox, "silence")])
    run(audit)
    [inquiry] = open_store(audit).inquiries()
    assert inquiry.sent_at is not None
    return audit, inquiry, inquiry.sent_at.timestamp()


def test_imap_arrival_times_are_unbiased_at_whole_second_resolution(
    sandbox: Sandbox, make_audit: Callable[..., Audit], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SA_TEST_IMAP_PASSWORD", IMAP_PASSWORD)
    maildir = tmp_path / "mail"
    mailbox.Maildir(maildir, create=True)
    # Delivery times with known fractions of a second; Dovecot reports them truncated (INTERNALDATE).
    rng = random.Random(7)
    base = 1_790_000_000.0
    truth = {}
    for n in range(24):
        at = base + 10 * n + rng.random()
        reply_to_company(maildir, "x@unknown.example", f"reply {n}", "Hallo.", at)
        truth[f"reply {n}"] = at
    with DovecotServer(maildir, IMAP_USER, IMAP_PASSWORD) as server:
        audit = audit_over_imap(make_audit([company(sandbox, "silence")]), server)
        collect(audit)
    store = open_store(audit)
    errors = [m.arrived_at.timestamp() - truth[m.subject or ""] for m in store.messages()]
    store.close()
    assert len(errors) == 24
    assert all(abs(e) <= 0.5 + 1e-6 for e in errors), errors
    # Truncation alone would make every time short by 0.5 s on average.
    assert abs(sum(errors) / len(errors)) < 0.15, errors
    assert {m.arrival_resolution for m in open_store(audit).messages()} == {1.0}


def test_a_reply_that_arrived_before_its_inquiry_is_never_its_response(
    sandbox: Sandbox, make_audit: Callable[..., Audit], tmp_path: Path
) -> None:
    audit, inquiry, sent = silent_company_asked(sandbox, make_audit)
    domain = (inquiry.target or "").rpartition("@")[2]
    maildir = tmp_path / "mail"
    # An out-of-office note from the company's domain that arrived 62 s before the inquiry went out.
    reply_to_company(maildir, f"jana@{domain}", "Abwesend", "Ich bin nicht im Büro.", sent - 62)
    # Threaded replies: one within the documented 2 s of clock skew, one far outside it.
    reply_to_company(maildir, f"a@{domain}", "AW: x", "Ja, das geht.", sent - 1.5, inquiry.message_id)
    reply_to_company(maildir, f"b@{domain}", "AW: y", "Nein, leider nicht.", sent - 30, inquiry.message_id)
    collect(audit)
    store = open_store(audit)
    messages = {m.subject: m for m in store.messages()}
    assert messages["Abwesend"].inquiry_id is None  # no guessing by sender for an earlier message
    [facts] = gather(store.inquiries(), store.messages(), timedelta(days=14))
    by_id = {m.id: m for m in store.messages()}
    counted = [by_id[r.message_id].subject for r in facts.replies]
    assert counted == ["AW: x"]
    assert facts.seconds_to(facts.replies[0]) == 0.0  # never negative


def test_a_second_collect_with_nothing_new_changes_no_row(answered_audit: Audit) -> None:
    before = dump(answered_audit)
    again = collect(answered_audit)
    assert dump(answered_audit) == before
    assert (again.downloaded, again.decided, again.rejudged) == (0, 0, 0)
    assert again.new.matched == 0 and again.totals.matched > 0


def test_collect_json_separates_this_run_from_the_totals(answered_audit: Audit) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "servaudit", "collect", "-a", str(answered_audit.folder), "--json", "-q"],
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    result = json.loads(done.stdout)
    assert result["new"]["matched"] == 0 and result["downloaded"] == 0
    assert result["totals"]["matched"] > 0


def test_a_new_classifier_rejudges_old_messages_but_never_a_grade(answered_audit: Audit) -> None:
    store = open_store(answered_audit)
    human = next(m for m in store.messages() if m.label == "human")
    versions = {m.version for m in store.messages() if m.label}
    store.close()
    assert len(versions) == 1 and None not in versions
    assert human.inquiry_id is not None
    siblings = open_store(answered_audit).replies_to(human.inquiry_id)
    position = 1 + [m.id for m in siblings].index(human.id)
    grade(answered_audit, human.inquiry_id, position, "human", 40, "checked", False)

    # The audit's own vocabulary: a new judge, so every stored message is judged again.
    shipped = (Path(__file__).resolve().parents[1] / "probes/vocabulary/replies.toml").read_text()
    own = answered_audit.folder / "probes" / "vocabulary"
    own.mkdir(parents=True)
    (own / "replies.toml").write_text(shipped + "\n# the audit's own copy\n")
    again = collect(answered_audit)
    assert again.rejudged == again.decided > 0 and again.labels_changed == 0
    changed = {m.version for m in open_store(answered_audit).messages() if m.label}
    assert len(changed) == 1 and not changed & versions

    # A judge that takes any reply within an hour for a machine's: the sandbox's quick answers change.
    config = answered_audit.path.read_text()
    answered_audit.path.write_text(config.replace("machine_seconds = ", "machine_seconds = 3600 #"))
    stricter = collect(Audit.load(answered_audit.folder))
    assert stricter.rejudged == stricter.decided > 0 and stricter.labels_changed >= 1
    after = {m.id: m for m in open_store(answered_audit).messages()}
    assert after[human.id].label == "unknown"
    assert (after[human.id].manual_label, after[human.id].manual_comment) == ("human", "checked")


def test_unknown_replies_wait_for_a_grade_and_count_as_no_answer(
    sandbox: Sandbox, make_audit: Callable[..., Audit], tmp_path: Path
) -> None:
    audit, inquiry, sent_at = silent_company_asked(sandbox, make_audit)
    domain = (inquiry.target or "").rpartition("@")[2]
    reply_to_company(
        tmp_path / "mail", f"service@{domain}", "Ihre Nachricht", "Siehe Anhang.",
        sent_at + 3600,
    )
    collect(audit)
    [waiting] = pending(audit)
    assert waiting.inquiry == inquiry.id and "consultant decides" in waiting.why
    store = open_store(audit)
    [facts] = gather(store.inquiries(), store.messages(), timedelta(days=14))
    assert facts.first_human is None and facts.first_response is not None
    listed = subprocess.run(
        [sys.executable, "-m", "servaudit", "grade", "--pending", "-a", str(audit.folder)],
        capture_output=True, text=True,
    )
    assert listed.returncode == 0 and inquiry.id in listed.stdout and "1 replies wait" in listed.stdout
    grade(audit, inquiry.id, 1, "human", None, "a short answer with an attachment", False)
    assert pending(audit) == []
    [facts] = gather(open_store(audit).inquiries(), open_store(audit).messages(), timedelta(days=14))
    assert facts.first_human is not None


MALFORMED = [
    b"From: <\r\nSubject: broken\r\n\r\nHallo\r\n",
    b"From: a@b.example\r\nSubject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    + b"".join(
        f"--b{i}\r\nContent-Type: multipart/mixed; boundary=b{i + 1}\r\n\r\n".encode() for i in range(400)
    ),
    b"From: a@b.example\r\nSubject: charset\r\nContent-Type: text/plain; charset=idna\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n\r\n\xe4\xf6\xfc \xff\xfe\r\n",
    b"From: a@b.example\r\nSubject: charset\r\nContent-Type: text/plain; charset=undefined\r\n\r\n\xe4\r\n",
    b"From: a@b.example\r\nSubject: punycode\r\n"
    b"Content-Type: text/plain; charset=punycode\r\n\r\n\xe4\xe4\r\n",
    b"\x00\x01\x02 not a mail at all",
]


def test_no_message_stops_collect_and_later_replies_are_still_matched(
    sandbox: Sandbox, make_audit: Callable[..., Audit], tmp_path: Path
) -> None:
    audit, inquiry, sent_at = silent_company_asked(sandbox, make_audit)
    box = mailbox.Maildir(tmp_path / "mail")
    for raw in MALFORMED:
        box.add(raw)
    done = subprocess.run(
        [sys.executable, "-m", "servaudit", "collect", "-a", str(audit.folder)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    domain = (inquiry.target or "").rpartition("@")[2]
    reply_to_company(
        tmp_path / "mail", f"jana@{domain}", "AW: Ihre Frage",
        "Guten Tag Frau Schmidt,\n\nja, die Lieferung nach Österreich ist möglich und kostet 4,90 Euro. "
        "Sie dauert drei bis vier Werktage.\n\nViele Grüße\nJana Keller",
        sent_at + 7200, inquiry.message_id,
    )
    later = collect(audit)
    assert later.downloaded == 1 and later.new.matched == 1
    store = open_store(audit)
    assert len(store.messages()) == len(MALFORMED) + 1
    assert [m.label for m in store.messages() if m.inquiry_id is not None] == ["human"]

