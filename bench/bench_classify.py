"""Benchmark: the classifier on the labelled corpus (tests/corpus/): confusion matrix, per-class
precision and recall, the same per source system and language, each real system held out
(leave-one-system-out, see tests/corpus/__init__.py), and messages per CPU second in three
stages: classification (parse, signals, class), classification with quality scoring — the
figure issue 16's goal of 2,000 msg/s is about, as its own table row is — and the whole of what
collect does with each message (also reading it for the report: excerpt, stated facts,
acknowledgement traits, findings), printed without a goal. The README's classification figures
are its output.

Run: python bench/bench_classify.py [--json] [--quick] [--repeat N]

Without ``--json`` it prints the tables and the timings; with ``--json`` only the timings, one
JSON object per case (the bench protocol of bench/run.py). Times are wall-clock seconds of
one pass (for the corpus mix: messages per CPU second of each pass, its wall seconds in ``extra``);
``extra`` gives the CPU seconds (process time) of the same pass, which is what to
compare on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from servaudit import message as mail
from servaudit.replies.acknowledgement import AcknowledgementReader
from servaudit.replies.classify import Signals, Vocabulary, classify_signals
from servaudit.replies.findings import FindingsVocabulary
from servaudit.replies.quality import SCORED_LABELS, Fact, score_reply, stock_facts
from servaudit.replies.reading import read_message
from tests.corpus import by_language, by_system, held_out, run, samples, score, table

GOAL_RATE = 2_000.0
"""Messages per CPU second the corpus mix is classified and quality-scored at (issue 16)."""
GOAL_HUGE = 1.0
"""Seconds a 5 MB message may take."""


def confusion_matrix(rows: list[str], cells: dict[tuple[str, str], int]) -> str:
    width = max(len(r) for r in rows) + 2
    head = "true \\ predicted".ljust(width) + "".join(r[:10].rjust(11) for r in rows)
    lines = [head]
    for true in rows:
        lines.append(true.ljust(width) + "".join(str(cells.get((true, p), 0)).rjust(11) for p in rows))
    return "\n".join(lines)


def print_quality(vocabulary: Vocabulary) -> None:
    results = run(vocabulary)
    scores = score(results)
    labels = sorted({s.label for s, _ in results} | {c.label for _, c in results})
    print(f"corpus: {len(results)} messages in {len(labels)} classes\n")
    print(confusion_matrix(labels, dict(scores.confusion)))
    print()
    print(table(scores))
    print("\nper system: accuracy, machine-sent labelled human, n")
    for system, found in by_system(results).items():
        as_human, machine = found.machine_as_human
        n = sum(v[2] for v in found.per_class.values())
        print(f"  {system:<40}{found.accuracy:>7.3f}{as_human:>5} of {machine:<5}{n:>5}")
    print("\nper language:")
    for language, found in by_language(results).items():
        print(f"  {language}: accuracy {found.accuracy:.3f}")
        print("    " + table(found).replace("\n", "\n    "))
    print("\nleave-one-system-out (each real system without the phrases only it contains):")
    for system, found in held_out(vocabulary).items():
        as_human, machine = found.machine_as_human
        recalls = ", ".join(f"{label} {r:.2f}" for label, (_, r, n) in found.per_class.items() if n)
        print(f"  {system:<28} accuracy {found.accuracy:.3f}; machine as human {as_human}/{machine}")
        print(f"  {'':<28} recall: {recalls}")
    wrong = [(s.name, c.label, c.reasons[0]) for s, c in results if s.label != c.label]
    for name, predicted, why in wrong:
        print(f"misclassified: {name} -> {predicted} ({why[:90]})")


class Judging:
    """What collect does with one raw message, with the vocabularies loaded once."""

    def __init__(self) -> None:
        self.reader = AcknowledgementReader.load()
        self.vocabulary = self.reader.replies
        self.facts = tuple(Fact.parse(f) for f in stock_facts("tarifwechsel"))
        self.fact_texts = stock_facts("tarifwechsel")
        self.findings = FindingsVocabulary.load()

    def classify(self, raw: bytes, seconds: float | None, sent: tuple[str, ...] = ()) -> str:
        """Parse and classify only."""
        return classify_signals(Signals(mail.parse(raw), self.vocabulary, seconds, sent)).label

    def score(self, raw: bytes, seconds: float | None, sent: tuple[str, ...] = ()) -> str:
        """Parse, classify and score the reply's quality (the issue's "with quality scoring")."""
        signals = Signals(mail.parse(raw), self.vocabulary, seconds, sent)
        result = classify_signals(signals)
        score_reply(signals, result.label, "Anna Schmidt", "de", self.fact_texts, self.reader.quality)
        return result.label

    def judge(self, raw: bytes, seconds: float | None, sent: tuple[str, ...] = ()) -> str:
        """All collect does with a message: classify, score, read it for the report."""
        message = mail.parse(raw)
        signals = Signals(message, self.vocabulary, seconds, sent)
        result = classify_signals(signals)
        score_reply(signals, result.label, "Anna Schmidt", "de", self.fact_texts, self.reader.quality)
        language = signals.language if result.label in SCORED_LABELS else None  # as collect passes it
        read_message(message, self.reader, self.facts, self.findings, "de", language, signals)
        return result.label


def timed(work: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    """(wall seconds, CPU seconds) of ``repeat`` runs of ``work``."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return walls, cpus


def huge_messages(size: int) -> list[tuple[str, bytes]]:
    """Messages of ``size`` bytes of body in the shapes that used to cost quadratic time."""
    mb = f"{size / 1_000_000:g} MB"
    one_line = "x" * size
    sentences = "Ja, das geht. " * (size // 14)
    quoted = "> Ihre Frage von gestern, noch einmal zitiert.\n" * (size // 48)
    html = "<html><body>" + "<p>Ja, das geht. Viele Grüße</p>\n" * (size // 34) + "</body></html>"
    head = "From: a@shop.example\r\nSubject: AW: Frage\r\n"
    html_head = head + "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n"
    return [
        (f"{mb} on one line", f"{head}\r\n{one_line}".encode()),
        (f"{mb} of sentences", f"{head}\r\n{sentences}".encode()),
        (f"{mb} of quoted lines", f"{head}\r\nJa, das geht.\r\n\r\n{quoted}".encode()),
        (f"{mb} of HTML", f"{html_head}\r\n{html}".encode()),
    ]


def cases(quick: bool, repeat: int) -> list[dict[str, object]]:
    judging = Judging()
    corpus = [(s.path.read_bytes(), s.seconds, s.sent) for s in samples()]

    stages = (
        ("parse, class", judging.classify, False),
        ("parse, class, quality", judging.score, True),
        ("parse, class, quality, reading: all collect does", judging.judge, False),
    )
    found: list[dict[str, object]] = []
    for stage, judge, has_goal in stages:

        def corpus_pass(judge: Callable[[bytes, float | None, tuple[str, ...]], str] = judge) -> None:
            for raw, seconds, sent in corpus:
                judge(raw, seconds, sent)

        corpus_pass()  # warm: vocabularies compiled, language model loaded
        walls, cpus = timed(corpus_pass, repeat)
        rate = len(corpus) / statistics.median(cpus)
        found.append(
            {
                "case": f"classify, corpus mix of {len(corpus)} messages ({stage})",
                "unit": "msg/CPU s",
                "runs": [round(len(corpus) / cpu) for cpu in cpus],
                "reference": None,
                "goal": f"≥ {GOAL_RATE:,.0f} msg/s" if has_goal else None,
                "ok": rate >= GOAL_RATE if has_goal else None,
                "extra": {
                    "messages": len(corpus),
                    "cpu_s": cpus,
                    "wall_s": walls,
                    "msg_per_cpu_s": round(rate),
                },
            }
        )
    for name, raw in huge_messages(500_000 if quick else 5_000_000):
        walls, cpus = timed(partial(judging.judge, raw, 3600.0), repeat)
        found.append(
            {
                "case": f"classify, {name}",
                "unit": "s",
                "runs": walls,
                "reference": None,
                "goal": f"< {GOAL_HUGE:g} s",
                "ok": statistics.median(cpus) < GOAL_HUGE,
                "extra": {"cpu_s": cpus},
            }
        )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="timings only, one JSON object per case")
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke test")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (default 3)")
    args = parser.parse_args()
    if not args.json:
        print_quality(Vocabulary.load())
        print()
    for case in cases(args.quick, args.repeat):
        if args.json:
            print(json.dumps(case, ensure_ascii=False), flush=True)
            continue
        extra = case["extra"]
        assert isinstance(extra, dict)
        walls = extra.get("wall_s", case["runs"])
        rate = f" = {extra['msg_per_cpu_s']} msg/s (CPU)" if "msg_per_cpu_s" in extra else ""
        print(
            f"{case['case']}: median {statistics.median(walls):.3f} s wall, "
            f"{statistics.median(extra['cpu_s']):.3f} s CPU{rate}; goal {case['goal'] or '–'}"
        )


if __name__ == "__main__":
    main()
