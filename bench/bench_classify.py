"""Benchmark: the classifier on the labelled corpus (tests/corpus/): confusion matrix, per-class
precision and recall, the same per source system and language, each real system held out
(leave-one-system-out, see tests/corpus/__init__.py), and messages per second for
classification plus quality scoring. The README's classification figures are its output.

Run: python bench/bench_classify.py [ROUNDS]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from servaudit import message as mail
from servaudit.replies.classify import Signals, Vocabulary, classify_signals
from servaudit.replies.quality import QualityVocabulary, score_reply, stock_facts
from tests.corpus import by_language, by_system, held_out, run, samples, score, table


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

    raws = [(s.path.read_bytes(), s.seconds, s.sent) for s in samples()]
    facts = stock_facts("tarifwechsel")
    started = time.perf_counter()
    for _ in range(rounds):
        for raw, seconds, sent in raws:
            signals = Signals(mail.parse(raw), vocabulary, seconds, sent)
            result = classify_signals(signals)
            score_reply(signals, result.label, "Anna Schmidt", "de", facts, quality)
    elapsed = time.perf_counter() - started
    count = rounds * len(raws)
    print(f"\nparse + classify + quality: {count} messages in {elapsed:.2f} s = {count / elapsed:.0f} msg/s")
    huge = (("5 MB on one line", "x" * 5_000_000), ("5 MB of sentences", "Ja, das geht. " * 370_000))
    for name, body in huge:
        raw = f"From: a@shop.example\r\nSubject: AW: Frage\r\n\r\n{body}".encode()
        started = time.perf_counter()
        signals = Signals(mail.parse(raw), vocabulary, 3600.0)
        result = classify_signals(signals)
        score_reply(signals, result.label, "Anna Schmidt", "de", facts, quality)
        print(f"{name}: parse + classify + quality in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
