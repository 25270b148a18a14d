"""Collect scores replies; `servaudit grade` and `servaudit classify` work through the real command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from servaudit.audit_store import open_store
from servaudit.cli import app
from servaudit.config import Audit
from servaudit.replies.quality import load_quality
from servaudit.store import SENT
from tests.conftest import deliver_mail
from tests.corpus import CORPUS

INQUIRY = "nordwind.email.tarifwechsel.w1"
SENT_ID = "<inquiry-1@mailbox.example>"
AUDIT_TOML = """
[audit]
name = "grading test"
language = "de"
[persona]
name = "Anna Schmidt"
email = "anna.schmidt@mailbox.example"
[mailbox]
type = "maildir"
path = "mail"
[scenarios.tarifwechsel]
subject = "Frage zu meinem Tarif"
body = "Guten Tag, ist ein Wechsel vor Ablauf möglich, und was kostet er?"
language = "de"
[companies.nordwind]
name = "Nordwind Energie GmbH"
email = "service@nordwind-energie.example"
"""

runner = CliRunner()


def threaded(relative: str) -> bytes:
    """A corpus reply re-threaded to this test's inquiry."""
    raw = (CORPUS / relative).read_bytes()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = [
        line for line in head.split(b"\r\n") if not line.lower().startswith((b"in-reply-to:", b"references:"))
    ]
    lines.append(b"In-Reply-To: " + SENT_ID.encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def make_audit(tmp_path: Path) -> Audit:
    (tmp_path / "audit.toml").write_text(AUDIT_TOML, encoding="utf-8")
    audit = Audit.load(tmp_path)
    store = open_store(audit)
    try:
        attempt = store.claim(
            {
                "id": INQUIRY,
                "company": "nordwind",
                "channel": "email",
                "scenario": "tarifwechsel",
                "wave": 1,
                "target": "service@nordwind-energie.example",
                "subject": "Frage zu meinem Tarif",
                "message_id": SENT_ID,
            }
        )
        assert attempt is not None
        store.finish(INQUIRY, attempt, SENT, "accepted", datetime.now(UTC) - timedelta(hours=5))
    finally:
        store.close()
    now = datetime.now(UTC)
    deliver_mail(tmp_path / "mail", threaded("acknowledgement/otrs-de.eml"), now - timedelta(hours=4))
    deliver_mail(tmp_path / "mail", threaded("human/outlook-quote-de.eml"), now - timedelta(hours=1))
    return audit


def test_collect_scores_human_replies_against_the_stock_facts(tmp_path: Path) -> None:
    audit = make_audit(tmp_path)
    assert runner.invoke(app, ["collect", "-a", str(tmp_path)]).exit_code == 0
    store = open_store(audit)
    try:
        records = store.messages()
        scores = load_quality(store)
    finally:
        store.close()
    assert [r.label for r in records] == ["acknowledgement", "human"]
    human = scores[records[1].id]
    # The audit's scenario lists no facts: the stock scenario "tarifwechsel" supplies them.
    assert human.answered == "fully" and human.score >= 80
    facts = next(c for c in human.checks if c.name == "facts")
    assert facts.points == 40 and "2 of 2" in facts.rule
    assert sum(c.points for c in human.checks) == human.score


def test_grade_lists_confirms_and_overrides_with_a_comment(tmp_path: Path) -> None:
    make_audit(tmp_path)
    assert runner.invoke(app, ["collect", "-a", str(tmp_path)]).exit_code == 0

    listed = runner.invoke(app, ["grade", INQUIRY, "-a", str(tmp_path), "--json"])
    assert listed.exit_code == 0, listed.output
    replies = json.loads(listed.output)["replies"]
    assert [r["auto_label"] for r in replies] == ["acknowledgement", "human"]
    assert replies[1]["auto_score"] is not None and replies[1]["manual_score"] is None

    ambiguous = runner.invoke(app, ["grade", INQUIRY, "-a", str(tmp_path), "--confirm"])
    assert ambiguous.exit_code == 2 and "--message 1..2" in ambiguous.output

    done = runner.invoke(
        app,
        ["grade", "nordwind.email", "-a", str(tmp_path), "-m", "2", "--label", "deflection",
         "--score", "40", "--comment", "answers, but pushes to the phone", "--json"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    reply = json.loads(done.output)["reply"]
    assert reply["manual_label"] == "deflection" and reply["auto_label"] == "human"
    assert reply["manual_score"] == 40 and reply["comment"] == "answers, but pushes to the phone"

    confirmed = runner.invoke(app, ["grade", INQUIRY, "-a", str(tmp_path), "-m", "1", "--confirm"])
    assert confirmed.exit_code == 0 and "class acknowledgement" in confirmed.output

    # Collecting again keeps the automatic values and the grades apart.
    assert runner.invoke(app, ["collect", "-a", str(tmp_path)]).exit_code == 0
    again = json.loads(runner.invoke(app, ["grade", INQUIRY, "-a", str(tmp_path), "--json"]).output)
    assert [(r["auto_label"], r["manual_label"]) for r in again["replies"]] == [
        ("acknowledgement", "acknowledgement"),
        ("human", "deflection"),
    ]

    cleared = runner.invoke(app, ["grade", INQUIRY, "-a", str(tmp_path), "-m", "2", "--clear"])
    assert cleared.exit_code == 0
    final = json.loads(runner.invoke(app, ["grade", INQUIRY, "-a", str(tmp_path), "--json"]).output)
    assert final["replies"][1]["manual_label"] is None and final["replies"][1]["manual_score"] is None


def test_grade_refuses_bad_input_with_one_sentence(tmp_path: Path) -> None:
    make_audit(tmp_path)
    assert runner.invoke(app, ["collect", "-a", str(tmp_path)]).exit_code == 0
    for args, says in (
        (["no-such-inquiry", "--confirm"], "no inquiry 'no-such-inquiry'"),
        ([INQUIRY, "-m", "3", "--confirm"], "has replies 1..2"),
        ([INQUIRY, "-m", "1", "--label", "happy"], "is not a class"),
        ([INQUIRY, "-m", "1", "--score", "101"], "outside 0–100"),
    ):
        result = runner.invoke(app, ["grade", *args, "-a", str(tmp_path)])
        assert result.exit_code == 2 and says in result.output, (args, result.output)
        assert "Traceback" not in result.output


def test_classify_command_prints_class_reasons_and_checks() -> None:
    path = CORPUS / "human" / "outlook-quote-de.eml"
    done = runner.invoke(
        app, ["classify", str(path), "--scenario", "tarifwechsel", "--persona", "Anna Schmidt", "--json"]
    )
    assert done.exit_code == 0, done.output
    [result] = json.loads(done.output)
    assert result["label"] == "human" and result["reasons"]
    assert result["quality"]["answered"] == "fully"
    assert {c["name"] for c in result["quality"]["checks"]} >= {"greeting_by_name", "formal_address", "facts"}

    text = runner.invoke(app, ["classify", str(CORPUS / "bounce" / "exim-02.eml")])
    assert text.exit_code == 0
    assert "bounce" in text.output and "no quality score for this class" in text.output

    missing = runner.invoke(app, ["classify", "/nonexistent/reply.eml"])
    assert missing.exit_code == 2 and "cannot read it" in missing.output
