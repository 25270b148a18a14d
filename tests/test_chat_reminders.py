"""A chat's reminder is a nudge in the open session (real Chromium against the sandbox's chat site): sent
once when no person answered within the wait, recorded as the inquiry's reminder, and measured."""

from __future__ import annotations

from pathlib import Path

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.demo import demo_audit_toml
from servaudit.engine import run
from servaudit.report.data import ReportBuilder
from servaudit.sandbox import CHAT_FLEET, Sandbox
from servaudit.sandbox.chat_fleet import THREAD_CHATS
from tests.audit_fixtures import read_ground_truth

SCALE = 0.4
REMINDER = """
[scenarios.tarifwechsel.reminder]
after_business_hours = 8
body = "Hallo? Ist noch jemand da?"
"""


def test_a_chat_nobody_answers_is_nudged_once_and_its_late_answer_counts_after_the_reminder(
    tmp_path: Path,
) -> None:
    prompt = next(c for c in CHAT_FLEET if c.slug == "kaiserhof")
    chats = (prompt, *THREAD_CHATS)
    with Sandbox(
        tmp_path / "mail", tmp_path / "truth.jsonl", (), delay_scale=SCALE, forms=(), chats=chats
    ) as box:
        (tmp_path / "audit").mkdir()
        text = demo_audit_toml(
            (),
            box.smtp_port,
            str(tmp_path / "mail"),
            chats=[(c, box.chat_url(c.slug)) for c in chats],
            chat_wait=2.5,
        )
        (tmp_path / "audit" / "audit.toml").write_text(text + REMINDER, encoding="utf-8")
        audit = Audit.load(tmp_path / "audit")
        run(audit)
        run(audit)  # a re-run sends nothing: not the chat, not its nudge
    truth = read_ground_truth(tmp_path / "truth.jsonl")
    store = open_store(audit)
    try:
        records = {r.id: r for r in store.inquiries()}
        data = ReportBuilder(audit, store).data()
    finally:
        store.close()
    reminders = {r.company: r for r in records.values() if r.kind == "reminder"}
    assert set(reminders) == {"zauderhaft"}, "no nudge where a person answered within the wait"
    nudge = reminders["zauderhaft"]
    assert nudge.state == "sent" and nudge.parent_id in records and nudge.sent_at is not None
    visitor = [t for t in truth if t.get("company") == "zauderhaft" and t["kind"] == "chat_visitor"]
    assert [t["text"] for t in visitor][:2][1] == "Hallo? Ist noch jemand da?"
    assert sum(1 for t in visitor if t["text"] == "Hallo? Ist noch jemand da?") == 1
    # Ground truth: the company's first human line came after the visitor's second message.
    humans = [t for t in truth if t.get("company") == "zauderhaft" and t["kind"] == "chat_human"]
    assert min(t["delivered_at"] for t in humans) > visitor[1]["delivered_at"]
    figures = data["reminders_and_followups"]["channels"]["chat"]
    assert figures["reminders_sent"] == 1
    assert (
        figures["answered_only_after_reminder"]["count"],
        figures["answered_only_after_reminder"]["of"],
    ) == (1, 2)
    row = next(i for i in data["inquiries"] if i["id"] == nudge.parent_id)
    assert row["first_human_response_seconds"] > 2.5, "still measured from the first message"
