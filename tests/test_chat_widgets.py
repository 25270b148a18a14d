"""Real third-party chat widgets (npm packages nobody here wrote), chatted with by the generic probe.

The widgets' prebuilt bundles are served from tests/chat_widgets/static/ (fetched once by
scripts/build-chat-widgets.sh) on 127.0.0.1, each wired to a scripted operator that records
when every message really went out. No recipe names them: the probe must learn each
widget's sides from the text it typed. One `servaudit run` chats with all of them.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

from servaudit.audit_store import open_store
from servaudit.browser import find_chromium, open_browser
from servaudit.channels.chat.recipe import load_all
from servaudit.channels.chat.session import ChatPlan, ChatResult, ChatSession
from servaudit.channels.chat.transcript import TranscriptMessage, read_messages, summarise
from servaudit.config import Audit
from servaudit.engine import run
from servaudit.judgement import ChatJudgement, ReplyJudgement
from servaudit.replies.quality import QualityScore, load_quality
from servaudit.report import report_data
from servaudit.sandbox.chat_widgets import HANDOVER, MIRRORED, REAL_WIDGETS, WidgetSite, versions
from servaudit.store import InquiryRecord, MessageRecord

FOLDER = Path(__file__).parent / "chat_widgets"
TOLERANCE_MS = 1_000
QUESTION = "Guten Tag,\\nkann ich vorzeitig in einen anderen Tarif wechseln?\\nViele Grüße\\n{name}"
FOLLOW_UP = "Brauchen Sie dafür meine Kundennummer?"
ASK_FOR_HUMAN = "Ich möchte bitte mit einem Mitarbeiter sprechen."


@dataclass
class WidgetRun:
    inquiries: dict[str, InquiryRecord]
    messages: dict[str, list[MessageRecord]]
    transcripts: dict[str, tuple[TranscriptMessage, ...]]
    meta: dict[str, dict[str, Any]]
    truth: list[dict[str, Any]]
    quality: dict[int, QualityScore]
    report: dict[str, Any]
    chats: dict[str, ChatJudgement]
    """What the run stored of each chat for the report, by widget."""
    readings: dict[int, ReplyJudgement]

    def truth_of(self, widget: str) -> list[dict[str, Any]]:
        return [r for r in self.truth if r["widget"] == widget]


def audit_toml(site: WidgetSite) -> str:
    lines = [
        "[audit]",
        'name = "real widgets"',
        "",
        "[persona]",
        'name = "Anna Schmidt"',
        'email = "anna.schmidt@mailbox.example"',
        "",
        "[scenarios.tarif]",
        'subject = "Tarifwechsel"',
        f'body = "{QUESTION}"',
        f'followups = ["{FOLLOW_UP}"]',
        'facts = ["switch at the end of the month: monatsende | end of the month", "fee: gebühr | fee"]',
        "",
    ]
    lines += [
        "[scenarios.handover]",
        'subject = "Tarifwechsel"',
        f'body = "{QUESTION}"',
        f'followups = ["{ASK_FOR_HUMAN}"]',
        'facts = ["switch at the end of the month: monatsende | end of the month", "fee: gebühr | fee"]',
        "",
    ]
    for widget in (*REAL_WIDGETS, HANDOVER):
        scenario = "handover" if widget is HANDOVER else "tarif"
        lines += [
            f"[companies.{widget.slug.replace('-', '_')}]",
            f'name = "{widget.package}"',
            f'scenarios = ["{scenario}"]',
            f'chat = {{ url = "{site.url(widget.slug)}", wait_seconds = 12, widget_seconds = 10 }}',
            "",
        ]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def widgets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WidgetRun]:
    folder = tmp_path_factory.mktemp("widgets")
    truth: list[dict[str, Any]] = []
    lock = threading.Lock()

    def write(record: dict[str, Any]) -> None:
        with lock:
            truth.append(record)

    with WidgetSite(FOLDER, write) as site:
        (folder / "audit").mkdir()
        (folder / "audit" / "audit.toml").write_text(audit_toml(site), encoding="utf-8")
        audit = Audit.load(folder / "audit")
        run(audit)
    report = report_data(audit)
    store = open_store(audit)
    try:
        inquiries = {i.company.replace("_", "-"): i for i in store.inquiries()}
        by_id = {i.id: slug for slug, i in inquiries.items()}
        messages: dict[str, list[MessageRecord]] = {}
        for m in store.messages():
            messages.setdefault(by_id[m.inquiry_id or ""], []).append(m)
        quality = load_quality(store)
        chats = {by_id[inquiry_id]: chat for inquiry_id, chat in store.chats().items()}
        readings = store.judgements()
        transcripts, meta = {}, {}
        for item in store.evidence():
            if item.kind == "transcript":
                path = audit.folder / item.path
                transcripts[by_id[item.inquiry_id]] = read_messages(path)
                meta[by_id[item.inquiry_id]] = json.loads(path.read_text(encoding="utf-8"))
    finally:
        store.close()
    yield WidgetRun(inquiries, messages, transcripts, meta, truth, quality, report, chats, readings)


@pytest.mark.parametrize("widget", [w.slug for w in REAL_WIDGETS])
def test_a_real_widget_is_attributed_and_timed_against_the_operators_truth(
    widgets: WidgetRun, widget: str
) -> None:
    inquiry = widgets.inquiries[widget]
    assert (inquiry.state, inquiry.outcome) == ("sent", "human"), inquiry.detail
    transcript = widgets.transcripts[widget]
    truth = widgets.truth_of(widget)
    assert widgets.meta[widget]["recipe"] == "generic" and widgets.meta[widget]["attribution"] == "learned"
    # Every message the operator or the visitor really sent is in the transcript, by the right side.
    expected = [("visitor" if r["kind"] == "visitor" else r["kind"]) for r in truth]
    assert [m.author for m in transcript] == expected, [(m.author, m.text[:40]) for m in transcript]
    for message, record in zip(transcript, truth, strict=True):
        if record["kind"] != "visitor":
            assert message.text == record["text"]
            assert abs(message.at_ms - record["at_ms"]) <= TOLERANCE_MS, (message.at_ms, record)
    first_human = next(r for r in truth if r["kind"] == "human")
    # The clock runs from the moment the visitor sent (as the customer sees it), which is before the
    # operator's server received it: under load the two are a second apart, so the figure is checked
    # against the person's true answer time from the visitor's own send.
    sent = next(m for m in transcript if m.author == "visitor")
    assert sent.at_ms <= truth[0]["at_ms"] + TOLERANCE_MS
    seconds = (first_human["at_ms"] - sent.at_ms) / 1000
    found = re.search(r"first human reply after ([\d.]+) s", inquiry.detail or "")
    assert found is not None and abs(float(found.group(1)) - seconds) <= TOLERANCE_MS / 1000
    # The visitor's follow-up went out only after the person's real answer.
    visitors = [r for r in truth if r["kind"] == "visitor"]
    assert len(visitors) == 2 and visitors[1]["at_ms"] > first_human["at_ms"]


@pytest.mark.parametrize("widget", [w.slug for w in REAL_WIDGETS])
def test_outcome_detail_and_stored_replies_agree(widgets: WidgetRun, widget: str) -> None:
    inquiry = widgets.inquiries[widget]
    labels = [m.label for m in widgets.messages[widget]]
    truth = [r["kind"] for r in widgets.truth_of(widget) if r["kind"] != "visitor"]
    assert labels == truth, "each operator message is one reply row, bot or human as it really was"
    assert widgets.meta[widget]["outcome"] == inquiry.outcome


def test_the_run_stores_each_chat_and_each_turn_as_the_report_shows_them(widgets: WidgetRun) -> None:
    """Judged once, at run time: the report reads these, never the transcript files."""
    assert set(widgets.chats) == set(widgets.transcripts)
    for widget, transcript in widgets.transcripts.items():
        chat = widgets.chats[widget]
        assert [line.text for line in chat.transcript] == [m.text for m in transcript]
        summary = summarise(transcript)
        assert chat.observation is not None
        assert (chat.observation.messages, chat.observation.first_human_seconds) == (
            summary.messages,
            summary.first_human_seconds,
        )
        assert chat.observation.waited_seconds == 12
        for row in widgets.messages[widget]:
            reading = widgets.readings[row.id]
            assert reading.excerpt and reading.excerpt in {m.text for m in transcript}
    bot = widgets.chats["botframework-webchat"].observation
    assert bot is not None and bot.bot_took_part and bot.bot_disclosed


def test_the_bot_in_front_said_it_is_automated(widgets: WidgetRun) -> None:
    path = widgets.meta["botframework-webchat"]["bot_path"]
    assert path["bot_took_part"] and path["disclosed"] and path["disclosure_turn"] == 1
    assert path["human_after_turns"] == 1 and not path["asked_for_human"]
    assert not widgets.meta["deep-chat"]["bot_path"]["bot_took_part"]


def test_nothing_is_loaded_from_outside_the_loopback(tmp_path: Path) -> None:
    requested: list[str] = []
    with WidgetSite(FOLDER, lambda record: None) as site, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            for widget in REAL_WIDGETS:
                page.goto(site.url(widget.slug), wait_until="networkidle")
        finally:
            browser.close()
    hosts = {
        urlsplit(url).hostname for url in requested if urlsplit(url).scheme in ("http", "https", "ws", "wss")
    }
    assert hosts == {"127.0.0.1"}, hosts


def test_the_widgets_are_the_pinned_npm_packages() -> None:
    pinned = versions(FOLDER / "static")
    assert {w.package for w in REAL_WIDGETS} <= set(pinned)
    total = sum(f.stat().st_size for f in (FOLDER / "static").rglob("*") if f.is_file())
    assert total < 5_000_000, "the fixtures stay small: prebuilt bundles only"


def test_a_persons_chat_answer_is_scored_against_the_scenarios_facts(widgets: WidgetRun) -> None:
    for widget in widgets.messages:
        rows = widgets.messages[widget]
        first_human = next(m for m in rows if m.label == "human")
        score = widgets.quality[first_human.id]
        assert score.answered == "fully", score
        assert not any(m.id in widgets.quality for m in rows if m.label == "bot"), (
            "a bot's text is not graded"
        )


def test_a_widget_that_shows_both_sides_alike_yields_no_human_answer_and_waits(tmp_path: Path) -> None:
    truth: list[dict[str, Any]] = []
    wait = 6.0

    async def chat(url: str) -> tuple[ChatResult, float]:
        async with open_browser() as browser:
            plan = ChatPlan(
                url=url,
                messages=(
                    "Guten Tag, kann ich den Tarif wechseln?",
                    "Ich möchte bitte mit einem Mitarbeiter sprechen.",
                ),
                name="Anna Schmidt",
                email="anna.schmidt@mailbox.example",
                topic="Tarif",
                wait_seconds=wait,
                widget_seconds=10,
                fill_prechat=True,
                evidence=lambda name: tmp_path / name,
            )
            started = time.monotonic()
            result = await ChatSession(browser, plan, load_all()).run()
            return result, time.monotonic() - started

    with WidgetSite(FOLDER, truth.append) as site:
        result, seconds = asyncio.run(chat(site.url(MIRRORED.slug)))
    assert [r["kind"] for r in truth] == ["visitor", "human"], "the operator did answer"
    assert result.outcome == "unattributed" and "human" not in [m.label for m in result.transcript]
    [answer] = [m for m in result.transcript if m.author == "unattributed"]
    assert answer.label == "unknown" and "its author cannot be told" in answer.reasons[0]
    assert "could not be told" in result.detail
    assert seconds >= wait, "an unattributed message is no answer: the probe waited the whole time"
    assert len([r for r in truth if r["kind"] == "visitor"]) == 1, "no follow-up to a non-answer"


def test_a_bot_that_hands_over_only_when_the_visitor_asks_for_a_person(widgets: WidgetRun) -> None:
    inquiry = widgets.inquiries[HANDOVER.slug]
    truth = [r["kind"] for r in widgets.truth_of(HANDOVER.slug)]
    assert truth == ["visitor", "bot", "bot", "visitor", "human"], "asked after the bot's turn, then a person"
    assert inquiry.outcome == "human"
    path = widgets.meta[HANDOVER.slug]["bot_path"]
    assert path["disclosed"] and path["disclosure_turn"] == 1
    assert path["asked_for_human"] and path["asked_turn"] == 2 and path["human_after_turns"] == 2
    assert path["data_before_help"] == ["kundennummer", "geburtsdatum"]
    detail = inquiry.detail or ""
    assert "the visitor asked for a person (message 2)" in detail and "before any help" in detail
    # The report shows the same chat's way to a human, per company and over the channel.
    company = widgets.report["companies"]["webchat_handover"]["channels"]["chat"]["chat_bot"]
    assert company["asked_for_human"]["count"] == 1 and company["disclosed"]["count"] == 1
    assert company["median_to_human_turns"] == 2
    overall = widgets.report["channels"]["chat"]["chat_bot"]
    assert (overall["bot_chats"]["count"], overall["bot_chats"]["of"]) == (2, 4)
