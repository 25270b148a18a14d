"""Form inquiries end to end: run (real Chromium) → sandbox helpdesk replies by e-mail → collect → report."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from servaudit.audit_store import open_store
from servaudit.collect import collect
from servaudit.config import Audit
from servaudit.demo import MACHINE_SECONDS, demo_audit_toml
from servaudit.engine import run
from servaudit.report import write_report
from servaudit.sandbox import Sandbox
from tests.audit_fixtures import FAST, read_ground_truth

pytestmark = pytest.mark.browser


def form_audit(tmp_path: Path, sandbox: Sandbox, slugs: list[str], plus_addressing: bool = True) -> Audit:
    forms = [(form, sandbox.form_url(form.slug)) for form in sandbox.forms if form.slug in slugs]
    folder = tmp_path / "audit"
    folder.mkdir()
    text = demo_audit_toml(
        [], sandbox.smtp_port, str(tmp_path / "mail"), plus_addressing, MACHINE_SECONDS * FAST, forms=forms
    )
    (folder / "audit.toml").write_text(text, encoding="utf-8")
    return Audit.load(folder)


def true_first_human_seconds(truth_file: Path) -> dict[str, float]:
    found: dict[str, float] = {}
    for record in read_ground_truth(truth_file):
        if record["kind"] == "human" and record["company"] not in found:
            delay = datetime.fromisoformat(record["delivered_at"]) - datetime.fromisoformat(
                record["inquiry_received_at"]
            )
            found[record["company"]] = delay.total_seconds()
    return found


def test_form_inquiries_are_sent_once_answered_by_mail_matched_timed_and_reported(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    audit = form_audit(tmp_path, sandbox, ["copperfield", "sonnenhof", "pinecrest", "elbufer", "ashdown"])
    summary = run(audit)
    assert dict(summary.outcomes) == {"sent": 3, "rejected": 2}
    assert sandbox.wait_idle(30)
    collect(audit)

    store = open_store(audit)
    try:
        inquiries = {i.company: i for i in store.inquiries()}
        messages = [m for m in store.messages() if m.inquiry_id]
    finally:
        store.close()
    assert {c: i.outcome for c, i in inquiries.items()} == {
        "copperfield": "submitted",
        "sonnenhof": "submitted",
        "pinecrest": "submitted",
        "elbufer": "failed",
        "ashdown": "blocked",
    }
    # Forms carry no Message-ID to thread on: the typed plus-address ties every reply to its inquiry.
    assert {m.match_method for m in messages} == {"reply-address"}
    assert {m.inquiry_id for m in messages} == {inquiries["copperfield"].id, inquiries["sonnenhof"].id}

    report = json.loads((write_report(audit, tmp_path / "report").parent / "report.json").read_text())
    companies = report["companies"]
    truth = true_first_human_seconds(sandbox.ground_truth)
    for slug in ("copperfield", "sonnenhof"):
        form = companies[slug]["channels"]["form"]
        assert form["outcome"] == "submitted" and form["delivered"] == 1
        # The clock starts when the form's request completed, so the measured time is the true one.
        assert abs(form["median_first_human_response_seconds"] - truth[slug]) < 1.0, (slug, form, truth)
    assert companies["sonnenhof"]["channels"]["form"]["acknowledged"] == 1
    fake = companies["pinecrest"]["channels"]["form"]
    assert (fake["outcome"], fake["delivered"], fake["responded"]) == ("submitted", 1, 0)
    assert fake["median_first_response_seconds"] is None, "the 'thank you' that sent nothing: no reply, ever"
    for slug, word in (("elbufer", "failed"), ("ashdown", "blocked")):
        channel = companies[slug]["channels"]["form"]
        assert (channel["outcome"], channel["rejected"], channel["delivered"]) == (word, 1, 0)

    # Screenshots travel with the report and show on the company's page.
    page = (tmp_path / "report" / "companies" / "copperfield.html").read_text()
    assert '<img src="../evidence/files/' in page
    images = list((tmp_path / "report" / "evidence" / "files").rglob("*.png"))
    assert any("copperfield" in str(p) and p.name == "form-2-after.png" for p in images)
    assert "after submitting · http://127.0.0.1" in page

    # Sent once: a second run submits nothing anywhere.
    posts = len(sandbox.forms_site.submissions)
    again = run(audit)
    assert sum(again.outcomes.values()) == 0 and again.already_done == 5
    assert len(sandbox.forms_site.submissions) == posts


def test_without_plus_addressing_replies_match_by_sender_and_subject(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    audit = form_audit(tmp_path, sandbox, ["copperfield"], plus_addressing=False)
    run(audit)
    assert sandbox.wait_idle(30)
    [submission] = sandbox.forms_site.submissions
    assert submission.fields["email"] == "anna.schmidt@mailbox.example"
    collect(audit)
    store = open_store(audit)
    try:
        [message] = [m for m in store.messages() if m.inquiry_id]
    finally:
        store.close()
    assert message.match_method == "sender+subject"
    assert message.inquiry_id == "copperfield.form.delivery.w1"
