"""Benchmark: how well the chat probe tells who wrote what, and how exactly it times it.

Chats once with every sandbox chat company and every real third-party widget
(tests/chat_widgets/, npm packages served on 127.0.0.1 with a scripted operator) and
compares the transcript with the servers' ground truth: attribution accuracy (messages
given the right author / messages really sent, plus anything the probe invented) and
timing error (page time a company message appeared − the time the server sent it).
Run: python bench/bench_chat.py [--json results.json]
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from servaudit.browser import open_browser
from servaudit.channels.chat.attribution import fold
from servaudit.channels.chat.recipe import load_all
from servaudit.channels.chat.session import ChatPlan, ChatSession
from servaudit.channels.chat.transcript import TranscriptMessage
from servaudit.sandbox import Sandbox
from servaudit.sandbox.chat_widgets import ALL_WIDGETS, HANDOVER, WidgetSite, versions

WIDGETS = Path(__file__).resolve().parent.parent / "tests" / "chat_widgets"
QUESTION = "Guten Tag,\nkann ich vorzeitig in einen anderen Tarif wechseln?\nViele Grüße\nAnna Schmidt"
FOLLOW_UP = "Brauchen Sie dafür meine Kundennummer?"
ASK_FOR_HUMAN = "Ich möchte bitte mit einem Mitarbeiter sprechen."
SIDE = {"visitor": "visitor", "chat_visitor": "visitor", "human": "human", "chat_human": "human"}


@dataclass
class Result:
    widget: str
    source: str
    outcome: str
    messages: int
    """Messages really sent after the visitor's first one (visitor's included)."""
    correct: int
    wrong: int
    """Given the other side's author: the error that makes a figure false."""
    unattributed: int
    """Left unattributed: no figure, but no false one either."""
    invented: int
    """Messages in the transcript that match nothing really sent (furniture taken for a message)."""
    errors_ms: list[int]

    @property
    def accuracy(self) -> float:
        return self.correct / max(self.messages + self.invented, 1)


def _ms(record: dict[str, Any]) -> int:
    if "at_ms" in record:
        return int(record["at_ms"])
    return int(datetime.fromisoformat(record["delivered_at"]).timestamp() * 1000)


def compare(widget: str, source: str, outcome: str, transcript: Sequence[TranscriptMessage],
            truth: Sequence[dict[str, Any]]) -> Result:  # fmt: skip
    start = next((m.at_ms for m in transcript if m.author == "visitor"), None)
    shown = [m for m in transcript if start is not None and m.at_ms >= start]
    used: set[int] = set()
    correct, wrong, unattributed, errors = 0, 0, 0, []
    for record in truth:
        side = SIDE.get(record["kind"], "bot")
        text = fold(record["text"])
        match = next(
            (i for i, m in enumerate(shown) if i not in used and text and text in fold(m.text)), None
        )
        if match is None:
            continue
        used.add(match)
        message = shown[match]
        if message.author == side:
            correct += 1
            if side != "visitor":
                errors.append(message.at_ms - _ms(record))
        elif message.author == "unattributed":
            unattributed += 1
        else:
            wrong += 1
    invented = len(shown) - len(used)
    return Result(widget, source, outcome, len(truth), correct, wrong, unattributed, invented, errors)


def plan(url: str, evidence: Path, followups: tuple[str, ...]) -> ChatPlan:
    return ChatPlan(
        url=url,
        messages=(QUESTION, *followups),
        name="Anna Schmidt",
        email="anna.schmidt@mailbox.example",
        topic="Tarifwechsel",
        wait_seconds=12,
        widget_seconds=10,
        fill_prechat=True,
        evidence=lambda name: evidence / name,
    )


async def chat(
    browser: Any, url: str, evidence: Path, followups: tuple[str, ...]
) -> tuple[str, tuple[TranscriptMessage, ...]]:
    evidence.mkdir(parents=True, exist_ok=True)
    result = await ChatSession(browser, plan(url, evidence, followups), load_all()).run()
    return result.outcome, result.transcript


async def bench(folder: Path) -> list[Result]:
    results: list[Result] = []
    real_truth: list[dict[str, Any]] = []
    async with open_browser() as browser:
        with Sandbox(folder / "mail", folder / "truth.jsonl", (), delay_scale=0.4, forms=()) as sandbox:
            for company in sandbox.chats:
                if company.behaviour in ("offline", "no_widget"):
                    continue
                outcome, transcript = await chat(
                    browser, sandbox.chat_url(company.slug), folder / company.slug, ()
                )
                truth = [
                    r for line in (folder / "truth.jsonl").read_text().splitlines()
                    if (r := json.loads(line)).get("company") == company.slug and r.get("channel") == "chat"
                    and r["kind"].startswith("chat_") and r["kind"] != "chat_session"
                ]  # fmt: skip
                results.append(
                    compare(company.slug, f"sandbox ({company.widget})", outcome, transcript, truth)
                )
        pinned = versions(WIDGETS / "static")
        with WidgetSite(WIDGETS, real_truth.append) as site:
            for widget in ALL_WIDGETS:
                before = len(real_truth)
                followup = ASK_FOR_HUMAN if widget is HANDOVER else FOLLOW_UP
                outcome, transcript = await chat(
                    browser, site.url(widget.slug), folder / widget.slug, (followup,)
                )
                truth = [r for r in real_truth[before:] if r["widget"] == widget.slug]
                source = f"npm {widget.package}@{pinned.get(widget.package, '?')}"
                results.append(compare(widget.slug, source, outcome, transcript, truth))
    return results


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        results = asyncio.run(bench(Path(folder)))
    print(
        f"{'widget':22} {'source':34} {'outcome':12} {'right':>9} {'wrong':>5} {'unattr':>6} {'invented':>8}"
        f" {'timing error ms (median/max)':>29}"
    )
    for r in results:
        spread = (
            f"{statistics.median(r.errors_ms):+.0f} / {max(r.errors_ms, key=abs):+d}" if r.errors_ms else "–"
        )
        print(
            f"{r.widget:22} {r.source:34} {r.outcome:12} {r.correct:>3}/{r.messages + r.invented:<5} "
            f"{r.wrong:>5} {r.unattributed:>6} {r.invented:>8} {spread:>29}"
        )
    everything = [e for r in results for e in r.errors_ms]
    correct = sum(r.correct for r in results)
    total = sum(r.messages + r.invented for r in results)
    wrong = sum(r.wrong + r.invented for r in results)
    worst = max(map(abs, everything))
    print(
        f"all: attributed right {correct}/{total} ({correct / max(total, 1):.1%}), "
        f"wrong or invented {wrong}; "
        f"timing error median {statistics.median(everything):+.0f} ms, max |{worst}| ms"
    )
    if "--json" in argv:
        target = Path(argv[argv.index("--json") + 1])
        data = [{**asdict(r), "accuracy": r.accuracy} for r in results]
        target.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
