"""The labelled reply corpus: tests/corpus/<label>/<name>.eml, the folder name is the true class.

``sandbox-seconds.toml`` gives some files the seconds between inquiry and reply,
which the classifier takes as timing evidence. tools/ holds the scripts that
wrote the files (a real Postfix and Exim for the MTA bounces, the sandbox's own
code, hand-written texts); see tools/write_corpus.py.

Files named h-* were written after the vocabulary had been settled, as a check
on overfitting: on first sight the classifier got 8 of those 12 right. The
vocabulary was then widened with general phrasings (no message's own wording),
and they now count as part of the corpus like every other file.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from servaudit import message as mail
from servaudit.classify import Classification, Vocabulary, classify

CORPUS = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Sample:
    path: Path
    label: str
    seconds: float | None

    @property
    def name(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"


def samples() -> list[Sample]:
    seconds = tomllib.loads((CORPUS / "sandbox-seconds.toml").read_text(encoding="utf-8"))["seconds"]
    return [
        Sample(path, path.parent.name, seconds.get(f"{path.parent.name}/{path.name}"))
        for path in sorted(CORPUS.glob("*/*.eml"))
    ]


def run(vocabulary: Vocabulary | None = None) -> list[tuple[Sample, Classification]]:
    vocabulary = vocabulary or Vocabulary.load()
    return [(s, classify(mail.parse(s.path.read_bytes()), vocabulary, s.seconds)) for s in samples()]


@dataclass(frozen=True)
class Scores:
    accuracy: float
    per_class: dict[str, tuple[float, float, int]]
    """label -> (precision, recall, support)."""
    confusion: Counter[tuple[str, str]]
    """(true, predicted) -> count."""


def score(results: list[tuple[Sample, Classification]]) -> Scores:
    confusion: Counter[tuple[str, str]] = Counter((s.label, c.label) for s, c in results)
    labels = sorted({s.label for s, _ in results} | {c.label for _, c in results})
    per_class = {}
    for label in labels:
        true_positive = confusion[(label, label)]
        predicted = sum(n for (_, p), n in confusion.items() if p == label)
        actual = sum(n for (t, _), n in confusion.items() if t == label)
        per_class[label] = (
            true_positive / predicted if predicted else 0.0,
            true_positive / actual if actual else 0.0,
            actual,
        )
    correct = sum(n for (t, p), n in confusion.items() if t == p)
    return Scores(correct / max(1, len(results)), per_class, confusion)


def table(scores: Scores) -> str:
    lines = [f"{'class':<16}{'precision':>10}{'recall':>8}{'n':>5}"]
    for label, (precision, recall, n) in scores.per_class.items():
        lines.append(f"{label:<16}{precision:>10.2f}{recall:>8.2f}{n:>5}")
    lines.append(f"overall accuracy {scores.accuracy:.3f}")
    return "\n".join(lines)
