"""Benchmark: `servaudit report` (and `gate`'s figures) for a market-study-sized store.

Builds a synthetic audit directly in a real SQLite store: N companies × 3 channels (e-mail,
web form, live chat) × 10 inquiries (5 scenarios × 2 waves), replies with mixed classes, each
with the reading collect stores beside its class (excerpt, acknowledgement traits, quality
score), chats with their transcript and summary, and a screenshot per form inquiry as probe
evidence. Then renders the full report (HTML, charts, report.json, CSV, evidence) in a fresh
process, as `servaudit report` does, and measures wall time, CPU time (the process and its
children), the peak memory of the process tree (PSS sampled from /proc) and index.html's size.
Prints figures; asserts nothing. Issue 16's goal: 500 companies < 5 s, < 300 MiB, index.html
< 3 MB, and time growing linearly with inquiries (50, 500 and 5,000 companies).

    python bench/bench_report.py                  # 50, 500 and 5,000 companies, 3 runs each
    python bench/bench_report.py --quick          # 50 companies, a smoke test
    python bench/bench_report.py --json --repeat 5
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.judgement import (
    AcknowledgementTraits,
    ChatJudgement,
    ChatObservation,
    Check,
    QualityScore,
    ReplyJudgement,
    TranscriptLine,
)

LABELS = ("human", "human", "acknowledgement", "auto_reply", "deflection")
CHAT_OUTCOMES = ("human_answered", "human_answered", "bot_only", "no_answer", "offline")
FORM_OUTCOMES = ("submitted", "submitted", "submitted", "blocked")
SCENARIOS, WAVES = 5, 2
"""10 inquiries per company and channel."""
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\0" * 200
STUDY = 500
GOAL_SECONDS, GOAL_MIB, GOAL_INDEX_MB = 5.0, 300.0, 3.0


def write_audit_file(folder: Path, companies: int) -> None:
    lines = [
        '[audit]\nname = "bench"\n',
        '[persona]\nname = "Anna Schmidt"\nemail = "anna@mailbox.example"\n',
    ]
    lines += [f'[scenarios.s{i}]\nsubject = "Frage {i}"\nbody = "Hallo"\n' for i in range(SCENARIOS)]
    lines += [
        f'[companies.c{i:04d}]\nname = "Company {i}"\nemail = "service@c{i}.example"\n'
        f'form = "https://c{i}.example/kontakt"\nchat = "https://c{i}.example/"\n'
        for i in range(companies)
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "audit.toml").write_text("\n".join(lines), encoding="utf-8")


def build(folder: Path, companies: int, seed: int = 7) -> Audit:
    """The synthetic audit: a real store filled through the store's own named queries."""
    write_audit_file(folder, companies)
    audit = Audit.load(folder)
    store = open_store(audit)
    store.db.execute("PRAGMA synchronous=OFF")  # a throwaway store: no need to survive a power cut
    rng = random.Random(seed)
    start = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    shots = folder / "evidence"
    shots.mkdir(exist_ok=True)
    number = 0
    for c in range(companies):
        slug = f"c{c:04d}"
        for channel in ("email", "form", "chat"):
            for s in range(SCENARIOS):
                for w in range(1, WAVES + 1):
                    inquiry_id = f"{slug}.{channel}.s{s}.w{w}"
                    attempt = store.claim(
                        {
                            "id": inquiry_id,
                            "company": slug,
                            "channel": channel,
                            "scenario": f"s{s}",
                            "wave": w,
                            "target": f"service@c{c}.example"
                            if channel == "email"
                            else f"https://c{c}.example/",
                            "message_id": f"<{inquiry_id}@mailbox.example>",
                        }
                    )
                    sent = start + timedelta(hours=rng.randrange(0, 24 * 5))
                    outcome, evidence = None, []
                    if channel == "form":
                        outcome = rng.choice(FORM_OUTCOMES)
                        shot = shots / f"{inquiry_id}.png"
                        body = PNG + inquiry_id.encode()
                        shot.write_bytes(body)
                        digest = hashlib.sha256(body).hexdigest()
                        evidence.append(("screenshot", f"evidence/{shot.name}", "the form, sent", digest))
                    elif channel == "chat":
                        outcome = rng.choice(CHAT_OUTCOMES)
                    state = "rejected" if outcome == "blocked" else "sent"
                    store.finish(inquiry_id, attempt or 0, state, "ok", sent, outcome, evidence)
                    with store.transaction():
                        if channel == "chat":
                            number = _chat(store, rng, inquiry_id, outcome or "", sent, number)
                        elif state == "sent":
                            number = _mail_replies(store, rng, inquiry_id, c, sent, number)
    store.close()
    return audit


def _mail_replies(
    store: Any, rng: random.Random, inquiry_id: str, c: int, sent: datetime, number: int
) -> int:
    for _ in range(rng.choice((0, 1, 1, 2))):
        number += 1
        text = f"Guten Tag, hier ist die Antwort Nummer {number}. " + "Mit freundlichen Grüßen. " * 8
        raw = (
            f"From: agent@c{c}.example\r\nSubject: Re: Frage\r\nMessage-ID: <r{number}@x>\r\n\r\n{text}\r\n"
        ).encode()
        arrived = sent + timedelta(seconds=rng.expovariate(1 / 20000))
        message = store.add_message(
            f"bench:{number}", raw, arrived, f"<r{number}@x>", f"agent@c{c}.example", "Re"
        )
        assert message is not None
        label = rng.choice(LABELS)
        store.set_match(message, inquiry_id, "thread")
        store.set_classification(message, label, ["bench"])
        traits = AcknowledgementTraits(*(rng.random() < 0.5 for _ in range(3)))
        stated = frozenset(f for f in ("price", "delivery") if rng.random() < 0.6)
        store.set_judgement(ReplyJudgement(message, "bench", text, stated, traits))
        if label == "human":
            score = rng.randrange(0, 101)
            checks = (
                Check("facts", score > 50, 40 if score > 50 else 0, "states the facts asked for"),
                Check("greeting", True, 10, "greets the customer by name"),
            )
            answered = "fully" if score > 70 else "partly" if score > 30 else "not"
            quality = QualityScore(score, answered, checks)  # type: ignore[arg-type]
            store.set_quality(message, score, answered, quality.to_json())
    return number


def _chat(store: Any, rng: random.Random, inquiry_id: str, outcome: str, sent: datetime, number: int) -> int:
    if outcome == "offline":
        return number
    sides = ["bot", "bot"] + (["human", "human"] if outcome == "human_answered" else [])
    lines = [TranscriptLine("visitor", "Anna Schmidt", "visitor", "Hallo, eine Frage.", "+0:00", 0.0)]
    for turn, side in enumerate(sides, start=1):
        number += 1
        seconds = 20.0 * turn + rng.random() * 60
        text = f"Antwort {number} im Chat."
        raw = f"From: {side}\r\nSubject: chat\r\n\r\n{text}\r\n".encode()
        message = store.add_message(
            f"chat:{number}", raw, sent + timedelta(seconds=seconds), None, side, None
        )
        assert message is not None
        store.set_match(message, inquiry_id, "chat")
        store.set_classification(message, side, ["chat author"])
        lines.append(
            TranscriptLine(side, side, side, text, f"+{int(seconds) // 60}:{int(seconds) % 60:02d}", seconds)
        )
    human = outcome == "human_answered"
    observation = ChatObservation(
        first_human_seconds=60.0 + rng.random() * 300 if human else None,
        duration_seconds=120.0 + rng.random() * 600,
        messages=len(lines),
        waited_seconds=600.0,
        bot_took_part=True,
        bot_disclosed=rng.random() < 0.5,
        human_after_turns=2 if human else None,
        human_after_seconds=60.0 if human else None,
        asked_for_human=rng.random() < 0.5,
    )
    store.set_chat(ChatJudgement(inquiry_id, "1", observation, tuple(lines)))
    return number


# -- measuring ----------------------------------------------------------------------------


def child(kind: str, audit_folder: Path, out: Path) -> None:
    """Runs in its own process: the report (or gate's figures) as the CLI would. For the report it
    prints when the company pages were set going (the report's first step) and this process's CPU
    seconds by then: what comes before runs on one core while the other has only the evidence;
    and when render_report returned."""
    from servaudit.report import render_report, report_data

    audit = Audit.load(audit_folder)
    if kind == "gate":
        report_data(audit)
        return
    pages_from: dict[str, float] = {}

    def step(_text: str, _done: int, _total: int) -> None:
        if not pages_from:
            pages_from.update(at=time.time(), cpu=time.process_time())

    render_report(audit, out, on_step=step)
    # When the report was written: what the process does after it (freeing the report's data, kept
    # in reference cycles of the template environment until the interpreter's teardown) is counted
    # in the wall time too, as it is for `servaudit report`.
    pages_from["returned"] = time.time()
    print(json.dumps(pages_from), flush=True)


def tree_memory(root: int) -> int:
    """Memory (bytes) of a process and all its descendants, read from /proc: the proportional set
    size (PSS), so pages a forked worker shares with its parent count once, not once per process."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    parents[int(entry)] = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    members, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for other, parent in parents.items():
            if parent == pid and other not in members:
                members.add(other)
                frontier.append(other)
    total = 0
    for pid in members:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
                total += next(int(line.split()[1]) * 1024 for line in handle if line.startswith("Pss:"))
        except (OSError, StopIteration):
            continue
    return total


def measure(kind: str, audit_folder: Path, out: Path) -> dict[str, float]:
    """One run in a fresh process: wall and CPU seconds, the tree's peak RSS, index.html's size."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    started = time.time()
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, str(audit_folder), str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, tree_memory(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    code = process.returncode
    wall = time.perf_counter() - began
    ended = time.time()
    done.set()
    sampler.join()
    if code:
        raise SystemExit(f"the {kind} run failed with exit code {code}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    index = out / "index.html"
    pages_from = json.loads(output.strip().splitlines()[-1]) if kind == "report" else {}
    return {
        "serial": pages_from["at"] - started if pages_from else 0.0,
        "serial_cpu": pages_from.get("cpu", 0.0),
        "teardown": ended - pages_from["returned"] if pages_from else 0.0,
        "wall": wall,
        "cpu": cpu,
        "peak_mib": peak / 2**20,
        "index_mb": index.stat().st_size / 1e6 if index.exists() else 0.0,
        "pages_mb": sum(p.stat().st_size for p in out.rglob("*.html")) / 1e6 if out.exists() else 0.0,
    }


def run_case(companies: int, repeat: int, tmp: Path, study_median: float | None) -> list[dict[str, Any]]:
    folder = tmp / f"audit-{companies}"
    began = time.perf_counter()
    build(folder, companies)
    built = time.perf_counter() - began
    inquiries = companies * 3 * SCENARIOS * WAVES
    cases = []
    for kind in ("report", "gate"):
        runs = [measure(kind, folder, tmp / f"{kind}-{companies}-{n}") for n in range(repeat)]
        walls = [r["wall"] for r in runs]
        extra: dict[str, Any] = {
            "inquiries": inquiries,
            "build_s": round(built, 1),
            "cpu_s": [round(r["cpu"], 2) for r in runs],
            "peak_mib": round(max(r["peak_mib"] for r in runs)),
        }
        goal, ok = None, None
        if kind == "report":
            # Until the company pages start: the part the second core cannot share (wall, and the
            # report process's own CPU seconds by then).
            extra["serial_s"] = [round(r["serial"], 2) for r in runs]
            extra["serial_cpu_s"] = [round(r["serial_cpu"], 2) for r in runs]
            # From render_report's return to the process's end (the interpreter's teardown).
            extra["teardown_s"] = [round(r["teardown"], 2) for r in runs]
            extra["index_mb"] = round(max(r["index_mb"] for r in runs), 2)
            extra["html_mb"] = round(max(r["pages_mb"] for r in runs), 1)
            if companies == STUDY:
                goal = f"< {GOAL_SECONDS:g} s, < {GOAL_MIB:g} MiB, index.html < {GOAL_INDEX_MB:g} MB"
                ok = (
                    _median(walls) < GOAL_SECONDS
                    and extra["peak_mib"] < GOAL_MIB
                    and extra["index_mb"] < GOAL_INDEX_MB
                )
            elif study_median is not None and companies > STUDY:
                factor = companies / STUDY
                goal = f"linear: ≤ {factor * 1.2:g}× the {STUDY}-company time ({factor:g}× the inquiries)"
                ok = _median(walls) <= study_median * factor * 1.2
        name = "report" if kind == "report" else "gate figures"
        cases.append(
            {
                "case": f"{name}, {companies:,} companies × 3 channels × {SCENARIOS * WAVES} inquiries",
                "unit": "s",
                "runs": [round(w, 3) for w in walls],
                "reference": None,
                "goal": goal,
                "ok": ok,
                "extra": extra,
            }
        )
    return cases


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per case (bench protocol)")
    parser.add_argument("--quick", action="store_true", help="50 companies only: a smoke test")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (default 3)")
    parser.add_argument("--companies", type=int, nargs="*", help="sizes to run (default 50 500 5000)")
    args = parser.parse_args()
    sizes = args.companies or ([50] if args.quick else [50, STUDY, 5000])
    with tempfile.TemporaryDirectory() as tmp:
        study_median = None
        for companies in sorted(sizes):
            for case in run_case(companies, args.repeat, Path(tmp), study_median):
                if case["case"].startswith("report") and companies == STUDY:
                    study_median = _median(case["runs"])
                if args.json:
                    print(json.dumps(case, ensure_ascii=False), flush=True)
                else:
                    extra = case["extra"]
                    runs = ", ".join(f"{r:.2f}" for r in case["runs"])
                    details = ", ".join(f"{k} {v}" for k, v in extra.items())
                    verdict = "" if case["ok"] is None else (" ok" if case["ok"] else " MISSED")
                    print(f"{case['case']}: {runs} s ({details}){verdict}", flush=True)


if __name__ == "__main__":
    main()
