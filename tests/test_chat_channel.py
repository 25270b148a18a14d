"""The chat channel end to end: real Chromium against the sandbox's chat companies, one audit run.

Every sandbox chat company is chatted with once (one browser, one `run`), then
each test checks one company: the outcome, the evidence, and the wait to the
first human reply measured in the page against the sandbox's ground truth
(within 1 s for pushing widgets, within the poll interval for polling ones).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from servaudit.audit_store import open_store
from servaudit.channels.chat.transcript import load_transcript, read_messages
from servaudit.config import Audit
from servaudit.engine import run
from servaudit.measure.facts import InquiryFacts, gather
from servaudit.sandbox import CHAT_FLEET, Sandbox
from servaudit.store import EvidenceRecord, InquiryRecord, MessageRecord
from tests.audit_fixtures import read_ground_truth

SCALE = 0.4
"""Scripted agents answer after about a second; the polling widget still polls every 2 s."""
WAIT = 2.5
FOLLOW_UP = ("kaiserhof", "sunnyside")
PUSH_TOLERANCE = 1.0
PERSONA = ("Anna Schmidt", "anna.schmidt@mailbox.example")


@dataclass
class ChatAudit:
    audit: Audit
    inquiries: dict[str, InquiryRecord]
    facts: dict[str, InquiryFacts]
    messages: dict[str, list[MessageRecord]]
    evidence: dict[str, list[EvidenceRecord]]
    truth: list[dict[str, Any]]
    seconds: float

    def one(self, company: str) -> InquiryRecord:
        return next(i for i in self.inquiries.values() if i.company == company)

    def truth_for(self, company: str, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.truth if r.get("company") == company and r["kind"] == kind]

    def evidence_of(self, company: str, kind: str) -> list[Path]:
        return [
            self.audit.folder / e.path for e in self.evidence.get(self.one(company).id, []) if e.kind == kind
        ]


def chat_audit_toml(sandbox: Sandbox, maildir: Path) -> str:
    """Every sandbox chat company; only two of them get a follow-up question (it costs time)."""
    lines = [
        "[audit]",
        'name = "chat test"',
        "",
        "[persona]",
        f'name = "{PERSONA[0]}"',
        f'email = "{PERSONA[1]}"',
        "",
        "[smtp]",
        'host = "127.0.0.1"',
        f"port = {sandbox.smtp_port}",
        'security = "none"',
        "",
        "[mailbox]",
        'type = "maildir"',
        f'path = "{maildir}"',
        "",
        "[scenarios.ask]",
        'subject = "Frage zu meinem Vertrag"',
        'body = "Guten Tag,\\n\\nkann ich vorzeitig den Tarif wechseln?\\n\\nGrüße\\n{name}"',
        "",
        "[scenarios.ask-more]",
        'subject = "Question about delivery"',
        'body = "Hello, can you deliver by Friday?"',
        'followups = ["I have no customer number at hand. Kundennummer habe ich nicht."]',
        "",
    ]
    for chat in sandbox.chats:
        scenario = "ask-more" if chat.slug in FOLLOW_UP else "ask"
        lines += [
            f"[companies.{chat.slug}]",
            f'name = "{chat.name}"',
            f'scenarios = ["{scenario}"]',
            f'chat = {{ url = "{sandbox.chat_url(chat.slug)}", wait_seconds = {WAIT}, widget_seconds = 3 }}',
            "",
        ]
    lines += [
        "[companies.formfirst-nofill]",
        'name = "Formfirst, details withheld"',
        'scenarios = ["ask"]',
        f'chat = {{ url = "{sandbox.chat_url("formfirst")}", fill_prechat = false }}',
        "",
    ]
    return "\n".join(lines)  # fmt: skip


@pytest.fixture(scope="module")
def chats(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatAudit]:
    folder = tmp_path_factory.mktemp("chat")
    with Sandbox(folder / "mail", folder / "truth.jsonl", (), delay_scale=SCALE, forms=()) as sandbox:
        (folder / "audit").mkdir()
        text = chat_audit_toml(sandbox, folder / "mail")
        (folder / "audit" / "audit.toml").write_text(text, encoding="utf-8")
        audit = Audit.load(folder / "audit")
        started = time.monotonic()
        run(audit)
        seconds = time.monotonic() - started
    store = open_store(audit)
    try:
        records = store.inquiries()
        all_messages = store.messages()
        facts = gather(records, all_messages, timedelta(days=14))
        evidence: dict[str, list[EvidenceRecord]] = {}
        for item in store.evidence():
            evidence.setdefault(item.inquiry_id, []).append(item)
        messages: dict[str, list[MessageRecord]] = {}
        for m in all_messages:
            messages.setdefault(m.inquiry_id or "", []).append(m)
    finally:
        store.close()
    yield ChatAudit(
        audit,
        {i.id: i for i in records},
        {f.inquiry.id: f for f in facts},
        messages,
        evidence,
        [r for r in read_ground_truth(folder / "truth.jsonl") if r.get("channel") == "chat"],
        seconds,
    )


def measured_first_human(chats: ChatAudit, company: str) -> float | None:
    facts = chats.facts[chats.one(company).id]
    return facts.seconds_to(facts.first_human)


def true_first_human(chats: ChatAudit, company: str) -> float:
    return float(chats.truth_for(company, "chat_human")[0]["wait_seconds"])


def assert_pictures(chats: ChatAudit, company: str, count: int) -> None:
    shots = chats.evidence_of(company, "screenshot")
    assert len(shots) == count, shots
    for shot in shots:
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_human_after_n_seconds_in_a_script_injected_shadow_dom_widget(chats: ChatAudit) -> None:
    inquiry = chats.one("kaiserhof")
    assert (inquiry.state, inquiry.outcome) == ("sent", "human")
    measured = measured_first_human(chats, "kaiserhof")
    assert measured is not None
    assert abs(measured - true_first_human(chats, "kaiserhof")) <= PUSH_TOLERANCE
    assert_pictures(chats, "kaiserhof", 3)  # widget open, first reply, end


def test_the_follow_up_is_sent_after_the_agents_answer(chats: ChatAudit) -> None:
    visitor = chats.truth_for("kaiserhof", "chat_visitor")
    human = chats.truth_for("kaiserhof", "chat_human")
    assert len(visitor) == 2 and len(human) == 2
    assert visitor[1]["delivered_at"] > human[0]["delivered_at"], "asked only once the agent had answered"
    assert "customer number" in visitor[1]["text"]
    [path] = chats.evidence_of("kaiserhof", "transcript")
    transcript = read_messages(path)
    assert [m.author for m in transcript] == ["visitor", "human", "visitor", "human"]
    assert transcript[1].name == "Jana" and "Kundennummer" in transcript[1].text
    lines = load_transcript(path)
    assert lines[0].offset == "+0:00" and lines[3].offset_seconds is not None
    assert len(chats.messages[chats.one("kaiserhof").id]) == 2, "both agent answers are reply rows"


def test_bot_greeting_at_once_then_a_human_in_a_vendor_shaped_widget(chats: ChatAudit) -> None:
    inquiry = chats.one("sunnyside")
    assert inquiry.outcome == "human"
    facts = chats.facts[inquiry.id]
    bot = chats.truth_for("sunnyside", "chat_bot")[0]["wait_seconds"]
    first_any = facts.seconds_to(facts.first_response)
    assert first_any is not None and abs(first_any - bot) <= PUSH_TOLERANCE
    assert facts.first_response is not None and facts.first_response.label == "bot"
    measured = measured_first_human(chats, "sunnyside")
    assert measured is not None and abs(measured - true_first_human(chats, "sunnyside")) <= PUSH_TOLERANCE
    [path] = chats.evidence_of("sunnyside", "transcript")
    data = json.loads(path.read_text())
    assert data["recipe"] == "userlike", "the vendor was detected from the page"
    greeting = data["messages"][0]
    assert greeting["author"] == "bot" and greeting["at_ms"] < data["messages"][1]["at_ms"]
    labels = [m.label for m in chats.messages[inquiry.id]]
    assert labels == ["bot", "human", "human"], "the greeting shown on opening is no reply; 2 answers"


def test_a_bot_that_never_hands_over(chats: ChatAudit) -> None:
    inquiry = chats.one("roboreply")
    assert (inquiry.state, inquiry.outcome) == ("sent", "bot_only")
    facts = chats.facts[inquiry.id]
    assert facts.first_human is None and facts.first_response is not None
    assert "only a bot answered" in (inquiry.detail or "")


def test_offline_widget_with_an_email_form_instead(chats: ChatAudit) -> None:
    inquiry = chats.one("mondschein")
    assert (inquiry.state, inquiry.outcome) == ("rejected", "offline")
    assert "Wir sind derzeit offline" in (inquiry.detail or "")
    assert "offers an e-mail form instead" in (inquiry.detail or "")
    assert inquiry.sent_at is None
    assert not chats.truth_for("mondschein", "chat_visitor"), "nothing was sent"
    assert_pictures(chats, "mondschein", 1)


def test_widget_in_an_iframe(chats: ChatAudit) -> None:
    assert chats.one("tideway").outcome == "human"
    measured = measured_first_human(chats, "tideway")
    assert measured is not None and abs(measured - true_first_human(chats, "tideway")) <= PUSH_TOLERANCE


def test_a_required_pre_chat_form_is_filled_with_the_persona(chats: ChatAudit) -> None:
    inquiry = chats.one("formfirst")
    assert inquiry.outcome == "human" and "pre-chat form filled" in (inquiry.detail or "")
    [session] = chats.truth_for("formfirst", "chat_session")
    assert (session["details"]["name"], session["details"]["email"]) == PERSONA
    assert session["details"]["topic"] == "contract", "the option closest to the scenario's subject"
    measured = measured_first_human(chats, "formfirst")
    assert measured is not None and abs(measured - true_first_human(chats, "formfirst")) <= PUSH_TOLERANCE


def test_pre_chat_form_required_when_the_audit_withholds_details(chats: ChatAudit) -> None:
    inquiry = chats.one("formfirst-nofill")
    assert (inquiry.state, inquiry.outcome) == ("rejected", "prechat_required")
    assert len(chats.truth_for("formfirst", "chat_session")) == 1, "no second session was opened"


def test_a_polling_widget_is_measured_within_its_poll_interval(chats: ChatAudit) -> None:
    company = next(c for c in CHAT_FLEET if c.slug == "slowpoll")
    measured = measured_first_human(chats, "slowpoll")
    truth = true_first_human(chats, "slowpoll")
    assert measured is not None
    assert -0.2 <= measured - truth <= company.poll_seconds + 0.2, (measured, truth)


def test_redirected_to_the_phone(chats: ChatAudit) -> None:
    inquiry = chats.one("callcentre")
    assert inquiry.outcome == "redirected"
    labels = {m.label for m in chats.messages[inquiry.id]}
    assert labels == {"deflection"}
    assert measured_first_human(chats, "callcentre") is None, "a deflection is no human answer"


def test_no_answer_within_the_limit(chats: ChatAudit) -> None:
    inquiry = chats.one("stillwater")
    assert (inquiry.state, inquiry.outcome) == ("sent", "no_answer")
    assert f"no answer within {WAIT:.0f} s" in (inquiry.detail or "")
    assert len(chats.truth_for("stillwater", "chat_visitor")) == 1
    assert chats.facts[inquiry.id].replies == ()


def test_no_widget_on_the_page(chats: ChatAudit) -> None:
    inquiry = chats.one("plainpage")
    assert (inquiry.state, inquiry.outcome) == ("rejected", "no_widget")
    assert_pictures(chats, "plainpage", 1)


def test_the_inquiry_reveals_no_audit(chats: ChatAudit) -> None:
    for record in chats.truth_for("kaiserhof", "chat_visitor") + chats.truth_for("sunnyside", "chat_visitor"):
        text = record["text"].lower()
        assert "audit" not in text and "servaudit" not in text and "test" not in text


def test_outcome_detail_and_stored_replies_agree_for_every_sandbox_widget(chats: ChatAudit) -> None:
    checked = 0
    for inquiry in chats.inquiries.values():
        if inquiry.state != "sent":
            continue
        labels = [m.label for m in chats.messages.get(inquiry.id, [])]
        detail = inquiry.detail or ""
        facts = chats.facts[inquiry.id]
        assert (inquiry.outcome == "human") == ("human" in labels), (inquiry.company, labels)
        if inquiry.outcome == "human":
            found = re.search(r"first human reply after ([\d.]+) s", detail)
            measured = facts.seconds_to(facts.first_human)
            assert found is not None and measured is not None
            assert abs(float(found.group(1)) - measured) <= 0.05, (detail, measured)
        elif inquiry.outcome == "bot_only":
            assert labels and set(labels) <= {"bot", "system"} and "only a bot answered" in detail
        elif inquiry.outcome == "redirected":
            assert "deflection" in labels and "human" not in labels
        elif inquiry.outcome == "no_answer":
            assert set(labels) <= {"system"} and "no answer within" in detail
        else:
            assert inquiry.outcome == "unattributed" and "unknown" in labels and "human" not in labels
        [path] = chats.evidence_of(inquiry.company, "transcript")
        assert json.loads(path.read_text())["outcome"] == inquiry.outcome
        checked += 1
    assert checked == len([c for c in CHAT_FLEET if c.behaviour not in ("offline", "no_widget")])
