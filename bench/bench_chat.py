"""Benchmark: how well the chat probe tells who wrote what, and how exactly it times it.

Chats once with every sandbox chat company and every real third-party widget
(tests/chat_widgets/, npm packages served on 127.0.0.1 with a scripted operator) and
compares the transcript with the servers' ground truth: attribution accuracy (messages
given the right author / messages really sent, plus anything the probe invented) and
timing error (page time a company message appeared − the time the server sent it).

Then the CPU share per open chat: k chats at once with a sandbox company whose agent never comes,
once waiting 3 s and once --wait s; the extra CPU (the probe's Python thread + Chromium and
Playwright's driver, read from /proc: proc_cpu.py) over the extra wall time, per chat, is what an
open chat costs while it waits. The sandbox's web servers run as threads of this process: their CPU
is the simulated company's, printed beside the figure, not in it. A chat probe waits on the page's
MutationObserver (observer.js), not by polling, so this stays near zero.

Run: python bench/bench_chat.py [--open 1,4] [--wait 20] [--repeat 3] [--quick] [--json]
     [--json-file results.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from proc_cpu import CpuMeter

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


async def bench(folder: Path, real_widgets: bool = True) -> list[Result]:
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
        if not real_widgets:
            return results
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


async def open_chats(folder: Path, count: int, wait: float, behaviour: str) -> tuple[CpuMeter, list[str]]:
    """``count`` chats at once with one sandbox company, each held open for up to ``wait`` seconds."""
    async with open_browser() as browser:
        with Sandbox(folder / "mail", folder / "truth.jsonl", (), delay_scale=0.4, forms=()) as sandbox:
            company = next(c for c in sandbox.chats if c.behaviour == behaviour)
            url = sandbox.chat_url(company.slug)
            plans = [replace(plan(url, folder / f"{behaviour}-{count}-{i}", ()), wait_seconds=wait)
                     for i in range(count)]  # fmt: skip
            for chat_plan in plans:
                chat_plan.evidence("x").parent.mkdir(parents=True, exist_ok=True)
            recipes = load_all()
            with CpuMeter() as meter:
                results = await asyncio.gather(*(ChatSession(browser, p, recipes).run() for p in plans))
    return meter, [r.outcome for r in results]


SHORT_WAIT = 3.0


def cpu_cases(folder: Path, levels: Sequence[int], wait: float, repeat: int) -> list[dict[str, Any]]:
    """CPU share per open chat while it waits: k chats at once with the sandbox company whose agent
    never comes ("silence"), once waiting SHORT_WAIT and once ``wait`` seconds; the extra CPU
    (the probe's thread + Chromium) over the extra wall time, per chat, is what holding a chat open costs.
    The whole chat's share (opening the page, typing, screenshots included) goes to "extra"."""
    cases = []
    for count in levels:
        waiting, whole, fixed, sandbox, outcomes = [], [], [], [], set()
        for attempt in range(repeat):
            short, done = asyncio.run(
                open_chats(folder / f"cpu-{count}-{attempt}-s", count, SHORT_WAIT, "silence")
            )
            long, more = asyncio.run(open_chats(folder / f"cpu-{count}-{attempt}-l", count, wait, "silence"))
            outcomes.update(done + more)
            extra_wall = max(long.wall - short.wall, 1e-3)
            waiting.append(max(long.probe - short.probe, 0.0) / extra_wall / count * 100)
            whole.append(long.probe / long.wall / count * 100)
            fixed.append(short.probe / count)
            sandbox.append(long.total - long.probe)
        cases.append({
            "case": f"chat, {count} open at once: CPU per chat while it waits",
            "unit": "% of a core",
            "runs": [round(share, 2) for share in waiting],
            "reference": None,
            "goal": "bounded by waits, not CPU",
            "ok": statistics.median(waiting) < 5.0,
            "extra": {"whole_chat_pct_of_core": round(statistics.median(whole), 1), "wait_s": wait,
                      "cpu_s_per_chat_without_waiting": round(statistics.median(fixed), 2),
                      "sandbox_threads_cpu_s": round(statistics.median(sandbox), 2),
                      "outcomes": sorted(outcomes)},
        })  # fmt: skip
    return cases


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per case (bench protocol)")
    parser.add_argument("--json-file", type=Path, help="write the per-widget accuracy results here")
    parser.add_argument("--quick", action="store_true", help="the sandbox's chats only, 1 and 2 open")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--open", default="1,4", help="chats open at once for the CPU share (cases)")
    parser.add_argument("--wait", type=float, default=20.0, help="seconds the long chats wait for an agent")
    args = parser.parse_args(argv)
    levels = (1, 2) if args.quick else tuple(int(n) for n in args.open.split(","))
    wait, repeat = (8.0, 1) if args.quick else (args.wait, args.repeat)
    with tempfile.TemporaryDirectory() as folder:
        results = asyncio.run(bench(Path(folder), real_widgets=not args.quick))
        cases = cpu_cases(Path(folder), levels, wait, repeat)
    everything = [e for r in results for e in r.errors_ms]
    correct = sum(r.correct for r in results)
    total = sum(r.messages + r.invented for r in results)
    wrong = sum(r.wrong + r.invented for r in results)
    worst = max(map(abs, everything), default=0)
    median_error = statistics.median(everything) if everything else 0.0
    if args.json:
        accuracy = {
            "case": "chat attribution (sandbox" + ("" if args.quick else " and real widgets") + ")",
            "unit": "% right",
            "runs": [round(correct / max(total, 1) * 100, 1)],
            "reference": None,
            "goal": None,
            "ok": None,
            "extra": {"right": correct, "of": total, "wrong_or_invented": wrong,
                      "timing_error_ms_median": median_error, "timing_error_ms_max": worst},
        }  # fmt: skip
        for case in [accuracy, *cases]:
            print(json.dumps(case, ensure_ascii=False))
    else:
        print(
            f"{'widget':22} {'source':34} {'outcome':12} {'right':>9} {'wrong':>5} {'unattr':>6}"
            f" {'invented':>8} {'timing error ms (median/max)':>29}"
        )
        for r in results:
            spread = (
                f"{statistics.median(r.errors_ms):+.0f} / {max(r.errors_ms, key=abs):+d}"
                if r.errors_ms else "–"
            )  # fmt: skip
            print(
                f"{r.widget:22} {r.source:34} {r.outcome:12} {r.correct:>3}/{r.messages + r.invented:<5} "
                f"{r.wrong:>5} {r.unattributed:>6} {r.invented:>8} {spread:>29}"
            )
        print(
            f"all: attributed right {correct}/{total} ({correct / max(total, 1):.1%}), "
            f"wrong or invented {wrong}; timing error median {median_error:+.0f} ms, max |{worst}| ms"
        )
        for case in cases:
            runs = case["runs"]
            print(f"{case['case']}: {min(runs):.1f} / {statistics.median(runs):.1f} % of a core "
                  f"(min / median of {len(runs)}), {case['extra']}")  # fmt: skip
    if args.json_file:
        data = [{**asdict(r), "accuracy": r.accuracy} for r in results]
        args.json_file.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
