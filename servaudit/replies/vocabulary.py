"""The reply vocabulary: phrases and header names that tell what a message is, loaded from probes/.

Phrases are data (probes/vocabulary/replies.toml), matched case-insensitively
in folded text. A list is compiled twice: one alternation of all its phrases,
which answers "does any phrase occur" in one pass (most messages match none),
and one pattern per phrase, used only to name which phrases occurred.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from servaudit.resources import find, load_toml

VOCABULARY_FILE = "vocabulary/replies.toml"


def fold(text: str) -> str:
    """Lower case, whitespace folded to single spaces: how phrases are matched."""
    return " ".join(text.lower().split())


def _pattern(phrase: str) -> str:
    """A vocabulary phrase as a pattern: '*' spans a few words of one sentence, '^' anchors at the start."""
    anchored = phrase.startswith("^")
    text = phrase.removeprefix("^").lower()
    pattern = r"[^.!?\n]{0,60}?".join(re.escape(part.strip()) for part in text.split("*"))
    # Whole words at the edges so "sale" does not fire inside "wholesale".
    if text[:1].isalnum():
        pattern = r"(?<![\w])" + pattern
    if text[-1:].isalnum():
        pattern += r"(?![\w])"
    return ("^" if anchored else "") + pattern


@dataclass(frozen=True)
class Phrases:
    """A list of vocabulary phrases, compiled once."""

    phrases: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)
    any_of: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, phrases: tuple[str, ...]) -> Phrases:
        parts = tuple(_pattern(p) for p in phrases)
        combined = re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None
        return cls(phrases, tuple(re.compile(p) for p in parts), combined)

    def hits(self, text: str) -> list[str]:
        if self.any_of is None or self.any_of.search(text) is None:
            return []
        return [
            phrase
            for phrase, pattern in zip(self.phrases, self.patterns, strict=True)
            if pattern.search(text)
        ]

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and self.any_of is not None and self.any_of.search(text) is not None


@dataclass(frozen=True)
class Vocabulary:
    automation_headers: tuple[str, ...]
    marketing_headers: tuple[str, ...]
    loop_headers: tuple[str, ...]
    bounce_senders: tuple[str, ...]
    bounce_subjects: Phrases
    bounce_body: Phrases
    automatic_subjects: Phrases
    auto_subjects: Phrases
    auto_body: Phrases
    ack_subjects: Phrases
    ack_receipt: Phrases
    ack_body: Phrases
    relayed_answer: Phrases
    deflection_body: Phrases
    refusal_body: Phrases
    channel_info: Phrases
    channels: Phrases
    requests: Phrases
    marketing_subjects: Phrases
    marketing_body: Phrases
    noreply_senders: tuple[str, ...]
    courtesy: Phrases
    template_lines: Phrases
    closings: tuple[str, ...]
    fingerprint: str = ""
    """A short hash of the vocabulary file: part of the classifier's version."""

    @classmethod
    def load(cls, audit_folder: Path | None = None) -> Vocabulary:
        data = load_toml(VOCABULARY_FILE, audit_folder)
        digest = hashlib.sha256(find(VOCABULARY_FILE, "probes", audit_folder).read_bytes()).hexdigest()

        def words(section: str, key: str) -> tuple[str, ...]:
            return tuple(str(w).lower() for w in data.get(section, {}).get(key, ()))

        def phrases(section: str, key: str) -> Phrases:
            return Phrases.of(words(section, key))

        return cls(
            automation_headers=tuple(data.get("headers", {}).get("automation", ())),
            marketing_headers=tuple(data.get("headers", {}).get("marketing", ())),
            loop_headers=tuple(data.get("headers", {}).get("loop", ())),
            bounce_senders=words("bounce", "senders"),
            bounce_subjects=phrases("bounce", "subjects"),
            bounce_body=phrases("bounce", "body"),
            automatic_subjects=phrases("auto_reply", "automatic_subjects"),
            auto_subjects=phrases("auto_reply", "subjects"),
            auto_body=phrases("auto_reply", "body"),
            ack_subjects=phrases("acknowledgement", "subjects"),
            ack_receipt=phrases("acknowledgement", "receipt"),
            ack_body=phrases("acknowledgement", "body"),
            relayed_answer=phrases("relayed_answer", "body"),
            deflection_body=phrases("deflection", "body"),
            refusal_body=phrases("deflection", "refusal"),
            channel_info=phrases("deflection", "channel_info"),
            channels=phrases("deflection", "channels"),
            requests=phrases("deflection", "requests"),
            marketing_subjects=phrases("marketing", "subjects"),
            marketing_body=phrases("marketing", "body"),
            noreply_senders=words("noreply", "senders"),
            courtesy=phrases("courtesy", "body"),
            template_lines=phrases("template", "lines"),
            closings=words("signature", "closings"),
            fingerprint=digest[:12],
        )


def is_noreply(address: str, vocabulary: Vocabulary) -> bool:
    local = address.partition("@")[0].lower().replace("-", "").replace("_", "")
    return any(word.replace("-", "").replace("_", "") in local for word in vocabulary.noreply_senders)
