"""Chats in the Findings section (issue 14): a bot that never says it is automated (an indication
under AI Act Art. 50 (1), applicable from 2 August 2026), a bot chat in which no person was reached,
and a chat agent's language and register compared with the inquiry's as an e-mail answer's.

Real Chromium chats with the sandbox's chat companies; each finding is found where the sandbox's
ground truth (CHAT_FINDINGS_TRUTH) puts it and nowhere else, with the chat's transcript as its
evidence, in report.json, csv/findings.csv and the gate.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.demo import demo_audit_toml
from servaudit.engine import run
from servaudit.gate import run_gate
from servaudit.judgement import ChatObservation
from servaudit.measure.facts import gather
from servaudit.measure.findings import AI_ACT_ART_50_APPLIES, FINDINGS, findings_figures
from servaudit.report.data import ReportBuilder
from servaudit.report.exports import write_csv
from servaudit.sandbox import CHAT_FLEET, Sandbox
from servaudit.sandbox.chat_fleet import CHAT_FINDINGS, CHAT_FINDINGS_TRUTH
from servaudit.store import SENT, InquiryRecord
from tests.test_findings import WEEK

SCALE = 0.4
CHAT_KEYS = {"chat_bot_undisclosed", "chat_no_human", "other_language", "informal_address"}


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Audit, dict[str, Any], Path]]:
    folder = tmp_path_factory.mktemp("chatfindings")
    fleet = tuple(c for c in (*CHAT_FLEET, *CHAT_FINDINGS) if c.slug in CHAT_FINDINGS_TRUTH)
    with Sandbox(
        folder / "mail", folder / "truth.jsonl", (), delay_scale=SCALE, forms=(), chats=fleet
    ) as box:
        (folder / "audit").mkdir()
        chats = [(chat, box.chat_url(chat.slug)) for chat in fleet]
        text = demo_audit_toml((), box.smtp_port, str(folder / "mail"), chats=chats, chat_wait=3.0)
        (folder / "audit" / "audit.toml").write_text(text, encoding="utf-8")
        audit = Audit.load(folder / "audit")
        run(audit, parallel=3)
    store = open_store(audit)
    try:
        data = ReportBuilder(audit, store).data()
    finally:
        store.close()
    write_csv(data, folder / "csv")
    yield audit, data, folder


def test_each_chat_finding_is_found_where_the_sandbox_shows_it_and_nowhere_else(
    reported: tuple[Audit, dict[str, Any], Path],
) -> None:
    _audit, data, _folder = reported
    found = {
        slug: {key for key, n in company["findings"]["counts"].items() if n}
        for slug, company in data["companies"].items()
    }
    assert found == {slug: set(truth) for slug, truth in CHAT_FINDINGS_TRUTH.items()}
    assert {key for truth in CHAT_FINDINGS_TRUTH.values() for key in truth} == CHAT_KEYS
    assert data["summary"]["findings"]["counts"]["chat_no_human"] == 2


def test_a_chat_finding_carries_its_transcript_and_reaches_the_csv_and_the_gate(
    reported: tuple[Audit, dict[str, Any], Path],
) -> None:
    audit, data, folder = reported
    silent = data["companies"]["schweigebot"]["findings"]
    evidence = {item["finding"]: item for item in silent["evidence"]}
    assert set(evidence) == {"chat_bot_undisclosed", "chat_no_human"}
    for item in evidence.values():
        assert item["message_id"] is None
        assert item["evidence"].startswith("evidence/files/") and item["evidence"].endswith(".json")
        assert (audit.folder / "evidence" / item["evidence"].removeprefix("evidence/files/")).is_file()
    # The agent's own turn is the evidence of language and register: its message.
    informal = data["companies"]["duzbar"]["findings"]["evidence"]
    assert [i["finding"] for i in informal] == ["informal_address"] * len(informal)
    assert all(i["evidence"].startswith("evidence/message-") for i in informal)
    assert "du" in {w.lower() for i in informal for w in i["detail"].split(", ")}
    assert {i["detail"] for i in data["companies"]["britline"]["findings"]["evidence"]} == {"en"}
    with (folder / "csv" / "findings.csv").open(encoding="utf-8-sig") as handle:
        rows = {(r["company"], r["finding"], r["evidence"].endswith(".json")) for r in csv.DictReader(handle)}
    assert ("schweigebot", "chat_bot_undisclosed", True) in rows and (
        "roboreply",
        "chat_no_human",
        True,
    ) in rows
    results = run_gate(["chat.findings.chat_bot_undisclosed == 0"], data)
    assert {r.scope for r in results if r.status == "fail"} == {"schweigebot"}


def _chat_facts(sent: datetime) -> list[Any]:
    inquiry = InquiryRecord(
        id="bot.chat.q.w1", company="bot", channel="chat", scenario="q", wave=1,
        target="http://127.0.0.1/chat", state=SENT, sender=None, reply_address=None, subject=None, body=None,
        message_id=None, created_at=sent, sent_at=sent, detail=None,
    )  # fmt: skip
    return gather([inquiry], [], timedelta(days=14))


def test_a_chat_before_the_ai_acts_date_of_application_owes_no_disclosure() -> None:
    silent = ChatObservation(None, 30.0, 2, bot_took_part=True, bot_disclosed=False)
    before = _chat_facts(AI_ACT_ART_50_APPLIES - timedelta(days=1))
    after = _chat_facts(AI_ACT_ART_50_APPLIES)
    now = datetime(2026, 12, 7, tzinfo=UTC)

    def counts(facts: list[Any], chat: ChatObservation) -> dict[str, int]:
        return findings_figures(facts, {}, WEEK, now, timedelta(days=14), {"bot.chat.q.w1": chat})["counts"]

    assert counts(before, silent)["chat_bot_undisclosed"] == 0
    assert counts(after, silent)["chat_bot_undisclosed"] == 1
    assert counts(after, replace(silent, bot_disclosed=True))["chat_bot_undisclosed"] == 0
    handed = replace(silent, human_after_turns=1)
    assert counts(after, handed)["chat_no_human"] == 0 and counts(after, silent)["chat_no_human"] == 1
    assert FINDINGS["chat_bot_undisclosed"].norm == "AI Act Art. 50 (1)"
