"""Benchmark: reading a message's structure (servaudit.message.parse): messages per CPU second on
the labelled corpus, and the peak Python memory a parse allocates above the caller's bytes for the
large answers bench_collect adds (collect_mailbox.BIG_SHAPES), as a multiple of the message.

Issue 16 bounds collect's peak memory for a large message to 3× the message; collect judges such a
message holding its raw bytes (1×), and parsing and judging may add at most ~1.5× on top of them.
Parsing's share: the payloads the message keeps (≤ 1×) and nothing more. The peak is traced by
tracemalloc (every Python allocation, deterministic: it does not depend on the machine's load).

Run: python bench/bench_parse.py [--json] [--quick] [--repeat N]

Without ``--json`` it prints the figures; with ``--json`` one JSON object per case (the bench
protocol of bench/run.py). The corpus case's runs are messages per CPU second of each pass, its
CPU and wall seconds in ``extra``: compare CPU on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collect_mailbox import BIG_SHAPES, big_message

from servaudit import message as mail
from tests.corpus import samples

GOAL_PEAK = 1.1
"""The most a parse may allocate at its peak above the message's bytes, in messages: the payloads
(≤ 1×), the headers and the message objects (a few KiB)."""
PASSES = 10
"""Corpus passes timed as one run: a pass takes ~25 ms, too short to time alone."""


def corpus_case(repeat: int) -> dict[str, object]:
    corpus = [sample.path.read_bytes() for sample in samples()]
    for raw in corpus:  # warm: the parser's patterns compiled
        mail.parse(raw)
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(PASSES):
            for raw in corpus:
                mail.parse(raw)
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    parsed = PASSES * len(corpus)
    return {
        "case": f"parse, corpus mix of {len(corpus)} messages",
        "unit": "msg/CPU s",
        "runs": [round(parsed / cpu) for cpu in cpus],
        "reference": None,
        "goal": None,
        "ok": None,
        "extra": {
            "messages": parsed,
            "cpu_s": cpus,
            "wall_s": walls,
            "msg_per_cpu_s": round(parsed / min(cpus)),
        },
    }


def peak_of_parse(raw: bytes) -> tuple[int, int]:
    """(peak, kept) bytes a parse of ``raw`` allocates above what was allocated before it."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        message = mail.parse(raw)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del message
    return peak - before, kept - before


def peak_case(shape: str) -> dict[str, object]:
    raw = big_message(shape, 1, 60)
    peak, kept = peak_of_parse(raw)
    return {
        "case": f"parse, peak above the message's bytes, {shape} ({len(raw) / 2**20:.1f} MiB)",
        "unit": "×",
        "runs": [round(peak / len(raw), 3)],
        "reference": None,
        "goal": f"≤ {GOAL_PEAK:g}×",
        "ok": peak <= GOAL_PEAK * len(raw),
        "extra": {
            "message_mib": round(len(raw) / 2**20, 1),
            "peak_mib": round(peak / 2**20, 1),
            "kept_mib": round(kept / 2**20, 1),
        },
    }


def cases(quick: bool, repeat: int) -> list[dict[str, object]]:
    found = [corpus_case(repeat)]
    # The memory figures are exact (tracemalloc), and the same at quick sizes: the shapes are made
    # at their full sizes either way, as collect meets them.
    found += [peak_case(shape) for shape in BIG_SHAPES]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per case")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke test (the same sizes: a parse is quick)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed corpus runs (default 5)")
    args = parser.parse_args()
    for case in cases(args.quick, args.repeat):
        if args.json:
            print(json.dumps(case, ensure_ascii=False), flush=True)
            continue
        extra = case["extra"]
        assert isinstance(extra, dict)
        if case["unit"] == "msg/CPU s":
            print(
                f"{case['case']}: {extra['msg_per_cpu_s']} msg/CPU s (best of {len(extra['cpu_s'])} runs of "
                f"{extra['messages']} parses; median {statistics.median(extra['wall_s']):.3f} s wall)"
            )
        else:
            print(
                f"{case['case']}: peak +{extra['peak_mib']} MiB = {case['runs'][0]}× the message "  # type: ignore[index]
                f"(kept +{extra['kept_mib']} MiB); goal {case['goal']}: {'met' if case['ok'] else 'missed'}"
            )


if __name__ == "__main__":
    main()
