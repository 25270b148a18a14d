"""Reminders and follow-ups against the real sandbox (SMTP, Dovecot over IMAP) and a real store, on a
stepped clock: due after N business hours without a person's answer, threaded, sent once, measured."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from servaudit import timing
from servaudit.audit_store import open_store
from servaudit.collect import collect
from servaudit.config import Audit
from servaudit.demo import MACHINE_SECONDS, demo_audit_toml
from servaudit.engine import run
from servaudit.grading import grade
from servaudit.report.data import ReportBuilder
from servaudit.sandbox import DEFAULT_FLEET, Sandbox, SandboxCompany
from servaudit.sandbox.fleet import THREAD_FLEET
from servaudit.sandbox.forms_fleet import THREAD_FORMS
from servaudit.sandbox.imap import DovecotServer
from servaudit.store import InquiryRecord
from tests.audit_fixtures import read_ground_truth
from tests.test_collect import IMAP_PASSWORD, IMAP_USER, audit_over_imap

START = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
"""A Tuesday, 10:00 in the audit's time zone (UTC): inside the default business hours (Mon–Fri 9–17)."""
SCALE = 0.2
"""The sandbox's staff answer 2–4 s after an inquiry, the machine limit is 1 s: clear of it by more
than the ±0.5 s of IMAP's whole-second arrival times, also on a loaded machine."""
SCENARIO = "tarifwechsel"
THREADS = f"""
[scenarios.{SCENARIO}.reminder]
after_business_hours = 4
body = "Guten Tag,\\n\\nich hatte Ihnen am Dienstag geschrieben. Können Sie mir helfen?\\n\\n{{name}}"

[scenarios.{SCENARIO}.followup]
body = "Vielen Dank! Eine Frage noch: Kostet der Wechsel vor Ablauf etwas?\\n\\n{{name}}"
"""


def set_clock(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """SERVAUDIT_NOW as the process read it at start: the clock now reads ``moment`` and runs on.
    The in-process sandbox reads the same clock, so its replies arrive on it."""
    monkeypatch.setattr(timing, "_OFFSET", moment - datetime.now(UTC))


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Sandbox, Audit]]:
    """An always-answering company, one that answers only after a reminder, one that answers a
    follow-up fully after a partial first answer; replies read over IMAP from a real Dovecot."""
    human = next(c for c in DEFAULT_FLEET if c.slug == "nordwind")
    with threaded_study(tmp_path, monkeypatch, (human, *THREAD_FLEET)) as found:
        yield found


@contextmanager
def threaded_study(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fleet: tuple[SandboxCompany, ...]
) -> Iterator[tuple[Sandbox, Audit]]:
    """A sandbox of ``fleet`` and an audit of it whose scenario declares a reminder and a follow-up,
    on the stepped clock at START; replies read over IMAP from a real Dovecot."""
    set_clock(monkeypatch, START)
    monkeypatch.setenv("SA_TEST_IMAP_PASSWORD", IMAP_PASSWORD)
    with (
        Sandbox(
            tmp_path / "mail", tmp_path / "truth.jsonl", fleet, delay_scale=SCALE, forms=(), chats=()
        ) as box,
        DovecotServer(tmp_path / "mail", IMAP_USER, IMAP_PASSWORD) as server,
    ):
        folder = tmp_path / "audit"
        folder.mkdir()
        text = demo_audit_toml(
            fleet, box.smtp_port, str(tmp_path / "mail"), True, machine_seconds=MACHINE_SECONDS * SCALE
        )
        (folder / "audit.toml").write_text(text + THREADS, encoding="utf-8")
        yield box, audit_over_imap(Audit.load(folder), server)


def step(box: Sandbox, audit: Audit) -> dict[str, InquiryRecord]:
    """One cron turn: run, let the sandbox answer, collect; the store's inquiries by id."""
    run(audit)
    assert box.wait_idle(20)
    collect(audit)
    store = open_store(audit)
    try:
        return {record.id: record for record in store.inquiries()}
    finally:
        store.close()


def kinds(records: dict[str, InquiryRecord]) -> set[tuple[str, str]]:
    return {(r.company, r.kind) for r in records.values() if r.kind != "inquiry"}


def test_reminders_and_followups_are_due_once_threaded_matched_and_measured(
    study: tuple[Sandbox, Audit], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, audit = study
    first = step(box, audit)
    assert len(first) == 3 and kinds(first) == set(), "the first run sends the planned inquiries only"

    # Still Tuesday: the answers that came ask for their follow-ups; no reminder is due yet.
    second = step(box, audit)
    assert kinds(second) == {("nordwind", "followup"), ("halbwahr", "followup")}
    assert box.received() == 5

    # 3 business hours later (13:00) the silent company is still not due for a reminder …
    set_clock(monkeypatch, START + timedelta(hours=3))
    assert kinds(step(box, audit)) == kinds(second)
    # … and over a night (Wednesday 10:00: 8 business hours since 10:00 on Tuesday) it is.
    set_clock(monkeypatch, START + timedelta(days=1))
    fourth = step(box, audit)
    assert kinds(fourth) - kinds(second) == {("spaetlese", "reminder")}, "no reminder where a person answered"
    assert box.received() == 6

    # Its answer to the reminder asks for the follow-up; then re-runs send nothing again.
    set_clock(monkeypatch, START + timedelta(days=2))
    fifth = step(box, audit)
    assert kinds(fifth) - kinds(fourth) == {("spaetlese", "followup")}
    set_clock(monkeypatch, START + timedelta(days=3))
    assert step(box, audit).keys() == fifth.keys()
    assert box.received() == 7

    store = open_store(audit)
    try:
        messages = store.messages()
        records = {r.id: r for r in store.inquiries()}
    finally:
        store.close()
    truth = read_ground_truth(box.ground_truth)
    by_message_id = {r.message_id: r for r in records.values() if r.message_id}

    # Threading as the company received it: the reminder answers the inquiry, the follow-up the answer.
    reminder = records[f"spaetlese.email.{SCENARIO}.w1.reminder1"]
    parent = records[reminder.parent_id or ""]
    answer = next(t for t in truth if t["inquiry_message_id"] == reminder.message_id)
    assert answer["in_reply_to"] == parent.message_id
    assert answer["inquiry_subject"] == f"Re: {parent.subject}"
    followup = records[f"halbwahr.email.{SCENARIO}.w1.followup1"]
    partial = next(m for m in messages if m.inquiry_id == followup.parent_id)
    received = next(t for t in truth if t["inquiry_message_id"] == followup.message_id)
    assert received["in_reply_to"] == partial.header_message_id
    assert received["to"] and followup.target == "kundenservice@halbwahr-telekom.example"

    # Matching: the reminder's answer is the inquiry's own; the follow-up's answer is the follow-up's.
    matched = {m.header_message_id: m.inquiry_id for m in messages}
    for t in truth:
        if t["reply_message_id"]:
            sent = by_message_id[t["inquiry_message_id"]]
            expected = sent.parent_id if sent.kind == "reminder" else sent.id
            assert matched[t["reply_message_id"]] == expected, t

    # The figures agree with the sandbox's ground truth.
    reminded_answers = {
        t["company"]
        for t in truth
        if t["kind"] == "human" and by_message_id[t["inquiry_message_id"]].kind == "reminder"
    }
    completed = {
        t["company"]
        for t in truth
        if t["behaviour"] == "partial_then_full" and by_message_id[t["inquiry_message_id"]].kind == "followup"
    }
    store = open_store(audit)
    try:
        data = ReportBuilder(audit, store).data()
    finally:
        store.close()
    figures = data["reminders_and_followups"]["channels"]["email"]
    assert figures["reminders_sent"] == 1
    assert figures["answered_only_after_reminder"]["count"] == len(reminded_answers) == 1
    assert figures["answered_only_after_reminder"]["of"] == 3
    assert figures["resolved_after_followup"]["count"] == len(completed) == 1
    # The reminder's answer still counts from the inquiry's delivery, a day after it.
    row = next(i for i in data["inquiries"] if i["id"] == parent.id)
    assert row["first_human_response_seconds"] > 20 * 3600
    assert all(not i["id"].endswith(("reminder1", "followup1")) for i in data["inquiries"])
    json.dumps(data)


def test_a_reminder_claimed_by_a_run_that_crashed_is_uncertain_and_never_sent(
    study: tuple[Sandbox, Audit], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, audit = study
    step(box, audit)
    silent = f"spaetlese.email.{SCENARIO}.w1"
    store = open_store(audit)
    try:
        # What a run that died between the claim's commit and the send leaves behind.
        store.claim({"id": f"{silent}.reminder1", "company": "spaetlese", "channel": "email",
                     "scenario": SCENARIO, "wave": 1, "target": "service@spaetlese-versand.example",
                     "kind": "reminder", "parent_id": silent})  # fmt: skip
    finally:
        store.close()
    sent_before = box.received()
    set_clock(monkeypatch, START + timedelta(days=1))
    records = step(box, audit)
    assert records[f"{silent}.reminder1"].state == "uncertain"
    set_clock(monkeypatch, START + timedelta(days=2))
    records = step(box, audit)
    assert records[f"{silent}.reminder1"].state == "uncertain"
    # Only the two follow-ups went out; the uncertain reminder never did.
    assert box.received() == sent_before + 2


def test_a_form_is_reminded_through_the_form_and_followed_up_by_mail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real Chromium fills the sandbox's forms; their helpdesks answer by mail, read from the Maildir."""
    set_clock(monkeypatch, START)
    with Sandbox(
        tmp_path / "mail", tmp_path / "truth.jsonl", (), delay_scale=SCALE, forms=THREAD_FORMS, chats=()
    ) as box:
        folder = tmp_path / "audit"
        folder.mkdir()
        forms = [(form, box.form_url(form.slug)) for form in THREAD_FORMS]
        text = demo_audit_toml(
            (), box.smtp_port, str(tmp_path / "mail"), True, MACHINE_SECONDS * SCALE, forms=forms
        )
        (folder / "audit.toml").write_text(text + THREADS, encoding="utf-8")
        audit = Audit.load(folder)
        step(box, audit)
        followed = step(box, audit)
        assert kinds(followed) == {("halbgar", "followup")}
        set_clock(monkeypatch, START + timedelta(days=1))
        reminded = step(box, audit)
        assert kinds(reminded) == {("halbgar", "followup"), ("zoegerlich", "reminder")}
        posted = [(s.company, s.fields.get("subject")) for s in box.forms_site.submissions]
        set_clock(monkeypatch, START + timedelta(days=3))
        final = step(box, audit)
        assert len(box.forms_site.submissions) == len(posted), "no form is sent again"
    original = reminded[f"zoegerlich.form.{SCENARIO}.w1"].subject or ""
    subject = f"Re: {original}"
    assert sorted(posted) == sorted(
        [("zoegerlich", original), ("halbgar", original), ("zoegerlich", subject)]
    )
    followup = final[f"halbgar.form.{SCENARIO}.w1.followup1"]
    assert followup.channel == "email" and followup.target == "kontakt@halbgar-kuechen.example"
    store = open_store(audit)
    try:
        messages = store.messages()
        data = ReportBuilder(audit, store).data()
    finally:
        store.close()
    truth = read_ground_truth(box.ground_truth)
    partial = next(m for m in messages if m.inquiry_id == followup.parent_id)
    assert next(t for t in truth if t["inquiry_message_id"] == followup.message_id)["in_reply_to"] == (
        partial.header_message_id
    )
    late = next(t for t in truth if t["company"] == "zoegerlich" and t["kind"] == "human")
    assert late["inquiry_subject"] == subject
    assert {m.header_message_id: m.inquiry_id for m in messages}[late["reply_message_id"]] == (
        f"zoegerlich.form.{SCENARIO}.w1"
    ), "the answer to the form's reminder is the form inquiry's answer"
    figures = data["reminders_and_followups"]["channels"]["form"]
    assert (
        figures["answered_only_after_reminder"]["count"],
        figures["answered_only_after_reminder"]["of"],
    ) == (1, 2)
    assert (figures["resolved_after_followup"]["count"], figures["resolved_after_followup"]["of"]) == (1, 1)


def test_a_consultants_grade_decides_whether_a_person_answered(
    study: tuple[Sandbox, Audit], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Graded not a person's answer, a human reply no longer calls for a follow-up but for a reminder."""
    box, audit = study
    step(box, audit)
    answered = f"nordwind.email.{SCENARIO}.w1"
    grade(audit, answered, 1, label="auto_reply", comment="a template, not a person")
    assert kinds(step(box, audit)) == {("halbwahr", "followup")}
    set_clock(monkeypatch, START + timedelta(days=1))
    assert kinds(step(box, audit)) == {
        ("halbwahr", "followup"),
        ("spaetlese", "reminder"),
        ("nordwind", "reminder"),
    }


def test_no_reminder_once_a_person_wrote_even_to_deflect(
    study: tuple[Sandbox, Audit], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Graded a deflection ("please call us"), the answer calls for no follow-up and stops the reminder."""
    box, audit = study
    step(box, audit)
    grade(audit, f"nordwind.email.{SCENARIO}.w1", 1, label="deflection")
    set_clock(monkeypatch, START + timedelta(days=1))
    assert kinds(step(box, audit)) == {("halbwahr", "followup"), ("spaetlese", "reminder")}
