"""The labelled reply corpus, and how the classifier is scored on it: per class, per system, held out.

Two parts:

- ``tests/corpus/<label>/<name>.eml``: the folder name is the true class.
  Postfix and Exim bounces were written by those MTAs (tools/), ``sandbox-*``
  by servaudit's own sandbox, the rest by hand. ``sandbox-seconds.toml``
  gives the sandbox's replies their delay after the inquiry; the sandbox
  compresses time, so they are judged with the demo's ``machine_seconds``.
- ``tests/corpus/real/<system>/``: messages sent by real third-party software
  (helpdesks, MTAs, vacation responders, list managers, mail clients) run on
  loopback by the scripts in tools/real/. Each folder's ``manifest.toml``
  names the software and version and gives every message its true class,
  language, measured delay and the inquiry it answers. A human answer's
  delay there is a script's, not a person's, so it is withheld: the
  classifier sees no timing for those.

Leave-one-system-out: the vocabulary was tuned by people who read some of
these messages. ``held_out`` scores each system with every phrase and header
name removed that matches that system's messages and no other system's, so
a system is judged as if its own wording had never been added: how the
classifier meets a helpdesk nobody has seen.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from servaudit import message as mail
from servaudit.labels import MACHINE_SENT
from servaudit.replies.classify import Classification, Phrases, Vocabulary, classify
from servaudit.replies.vocabulary import fold

CORPUS = Path(__file__).resolve().parent
REAL = CORPUS / "real"
SANDBOX_MACHINE_SECONDS = 5.0
"""The demo audit's machine_seconds: the sandbox's staff answer within seconds."""


@dataclass(frozen=True)
class Sample:
    path: Path
    label: str
    seconds: float | None
    system: str
    language: str = "de"
    sent: tuple[str, ...] = ()
    fast_seconds: float = 60.0

    @property
    def name(self) -> str:
        return str(self.path.relative_to(CORPUS))


def _system_of(path: Path) -> str:
    stem = path.stem
    for prefix, system in (("sandbox-", "servaudit sandbox"), ("postfix-", "Postfix"), ("exim-", "Exim")):
        if stem.startswith(prefix):
            return system
    return "hand-written"


def _hand_samples() -> list[Sample]:
    seconds = tomllib.loads((CORPUS / "sandbox-seconds.toml").read_text(encoding="utf-8"))["seconds"]
    found = []
    for path in sorted(CORPUS.glob("*/*.eml")):
        system = _system_of(path)
        language = "en" if "-en" in path.stem or path.stem.endswith("en") else "de"
        fast = SANDBOX_MACHINE_SECONDS if system == "servaudit sandbox" else 60.0
        key = f"{path.parent.name}/{path.name}"
        found.append(Sample(path, path.parent.name, seconds.get(key), system, language, (), fast))
    return found


def manifests() -> list[tuple[Path, dict]]:  # type: ignore[type-arg]
    return [
        (path.parent, tomllib.loads(path.read_text(encoding="utf-8")))
        for path in sorted(REAL.glob("*/manifest.toml"))
    ]


def _real_samples() -> list[Sample]:
    found = []
    for folder, manifest in manifests():
        for row in manifest.get("message", []):
            label = str(row["label"])
            seconds = row.get("seconds")
            found.append(
                Sample(
                    folder / str(row["file"]),
                    label,
                    None if label in ("human", "deflection") or seconds is None else float(seconds),
                    folder.name,
                    str(row.get("language", "de")),
                    tuple(str(row.get(k, "")) for k in ("inquiry_subject", "inquiry_text")),
                )
            )
    return found


def samples(real: bool = True) -> list[Sample]:
    return _hand_samples() + (_real_samples() if real else [])


def classify_sample(sample: Sample, vocabulary: Vocabulary) -> Classification:
    message = mail.parse(sample.path.read_bytes())
    return classify(message, vocabulary, sample.seconds, sample.sent, sample.language, sample.fast_seconds)


def run(
    vocabulary: Vocabulary | None = None, only: Iterable[Sample] | None = None
) -> list[tuple[Sample, Classification]]:
    vocabulary = vocabulary or Vocabulary.load()
    chosen = samples() if only is None else list(only)
    return [(s, classify_sample(s, vocabulary)) for s in chosen]


@dataclass(frozen=True)
class Scores:
    accuracy: float
    per_class: dict[str, tuple[float, float, int]]
    """label -> (precision, recall, support)."""
    confusion: Counter[tuple[str, str]]
    """(true, predicted) -> count."""
    machine_as_human: tuple[int, int]
    """(machine-sent messages labelled human, machine-sent messages)."""


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
    machine = [(s, c) for s, c in results if s.label in MACHINE_SENT]
    as_human = sum(c.label == "human" for _, c in machine)
    return Scores(correct / max(1, len(results)), per_class, confusion, (as_human, len(machine)))


def table(scores: Scores) -> str:
    lines = [f"{'class':<16}{'precision':>10}{'recall':>8}{'n':>5}"]
    for label, (precision, recall, n) in scores.per_class.items():
        lines.append(f"{label:<16}{precision:>10.2f}{recall:>8.2f}{n:>5}")
    as_human, machine = scores.machine_as_human
    lines.append(f"machine-sent labelled human: {as_human} of {machine}")
    lines.append(f"overall accuracy {scores.accuracy:.3f}")
    return "\n".join(lines)


def by_system(results: list[tuple[Sample, Classification]]) -> dict[str, Scores]:
    groups: dict[str, list[tuple[Sample, Classification]]] = defaultdict(list)
    for sample, result in results:
        groups[sample.system].append((sample, result))
    return {system: score(rows) for system, rows in sorted(groups.items())}


def by_language(results: list[tuple[Sample, Classification]]) -> dict[str, Scores]:
    groups: dict[str, list[tuple[Sample, Classification]]] = defaultdict(list)
    for sample, result in results:
        groups[sample.language].append((sample, result))
    return {language: score(rows) for language, rows in sorted(groups.items())}


# -- leave one system out -------------------------------------------------------


def _searchable(sample: Sample) -> tuple[str, set[str]]:
    message = mail.parse(sample.path.read_bytes())
    text = fold(mail.header(message, "Subject") + "\n" + mail.body_text(message))
    return text, {name.lower() for name in message}


def without_system(vocabulary: Vocabulary, system: str, corpus: list[Sample]) -> Vocabulary:
    """``vocabulary`` without the phrases and header names only ``system``'s messages contain."""
    texts = [(s.system, *_searchable(s)) for s in corpus]

    def only_there(matches: Iterable[str]) -> bool:
        systems = set(matches)
        return systems == {system}

    changes: dict[str, object] = {}
    for field in dataclasses.fields(vocabulary):
        value = getattr(vocabulary, field.name)
        if isinstance(value, Phrases):
            kept = tuple(
                phrase
                for phrase, pattern in zip(value.phrases, value.patterns, strict=True)
                if not only_there(sys_ for sys_, text, _ in texts if pattern.search(text))
            )
            changes[field.name] = Phrases.of(kept)
        elif field.name.endswith("_headers"):
            changes[field.name] = tuple(
                name
                for name in value
                if not only_there(sys_ for sys_, _, names in texts if name.lower() in names)
            )
    return dataclasses.replace(vocabulary, **changes)  # type: ignore[arg-type]


def held_out(vocabulary: Vocabulary | None = None) -> dict[str, Scores]:
    """Each real system scored with the vocabulary it could not have shaped."""
    vocabulary = vocabulary or Vocabulary.load()
    corpus = samples()
    results = {}
    for system in sorted({s.system for s in corpus if s.path.is_relative_to(REAL)}):
        reduced = without_system(vocabulary, system, corpus)
        results[system] = score(run(reduced, [s for s in corpus if s.system == system]))
    return results
