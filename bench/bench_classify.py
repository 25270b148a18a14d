"""Benchmark: the classifier on the labelled corpus (tests/corpus/): confusion matrix, per-class
precision and recall, and messages per second for classification plus quality scoring.

Run: python bench/bench_classify.py [ROUNDS]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from servaudit import message as mail
from servaudit.classify import Signals, Vocabulary, classify_signals
from servaudit.quality import QualityVocabulary, score_reply, stock_facts
from tests.corpus import run, samples, score, table


def confusion_matrix(rows: list[str], cells: dict[tuple[str, str], int]) -> str:
    width = max(len(r) for r in rows) + 2
    head = "true \\ predicted".ljust(width) + "".join(r[:10].rjust(11) for r in rows)
    lines = [head]
    for true in rows:
        lines.append(true.ljust(width) + "".join(str(cells.get((true, p), 0)).rjust(11) for p in rows))
    return "\n".join(lines)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    vocabulary, quality = Vocabulary.load(), QualityVocabulary.load()
    results = run(vocabulary)
    scores = score(results)
    labels = sorted({s.label for s, _ in results} | {c.label for _, c in results})
    print(f"corpus: {len(results)} messages in {len(labels)} classes\n")
    print(confusion_matrix(labels, dict(scores.confusion)))
    print()
    print(table(scores))
    wrong = [(s.name, c.label) for s, c in results if s.label != c.label]
    for name, predicted in wrong:
        print(f"misclassified: {name} -> {predicted}")

    raws = [(s.path.read_bytes(), s.seconds) for s in samples()]
    facts = stock_facts("tarifwechsel")
    started = time.perf_counter()
    for _ in range(rounds):
        for raw, seconds in raws:
            signals = Signals(mail.parse(raw), vocabulary, seconds)
            result = classify_signals(signals)
            score_reply(signals, result.label, "Anna Schmidt", "de", facts, quality)
    elapsed = time.perf_counter() - started
    count = rounds * len(raws)
    print(f"\nparse + classify + quality: {count} messages in {elapsed:.2f} s = {count / elapsed:.0f} msg/s")


if __name__ == "__main__":
    main()
