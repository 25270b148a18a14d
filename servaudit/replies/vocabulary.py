"""The reply vocabulary: phrases and header names that tell what a message is, loaded from probes/.

Phrases are data (probes/vocabulary/replies.toml), matched case-insensitively
in folded text. Every phrase is a pattern, but its words are literal: a phrase can
only occur where each of its literal parts (the text between its '*') occurs. One
Aho–Corasick scan of a text (servaudit/replies/lexicon.py) names the literals of all
vocabularies that stand in it; a list then only compares sets, and a phrase's pattern
runs only for a phrase whose literals are all present, which for most messages and
most phrases is none.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from servaudit.replies.lexicon import LEXICON
from servaudit.resources import find, load_toml

VOCABULARY_FILE = "vocabulary/replies.toml"


def fold(text: str) -> str:
    """Lower case, whitespace folded to single spaces: how phrases are matched."""
    return " ".join(text.lower().split())


def _literals(phrase: str) -> tuple[str, ...]:
    """The parts of a phrase that must stand in a text, as they are, for its pattern to match."""
    return tuple(part.strip() for part in phrase.removeprefix("^").lower().split("*") if part.strip())


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


def _search_pattern(phrase: str) -> str:
    """``_pattern(phrase)`` as it is searched: the same matches, its first literal written first.

    A pattern that opens with a look-behind gives the regular-expression engine no literal to look
    for, so a search tries it at every character of the text (40 µs over a 1,000-character reply);
    opening with the literal, the engine skips to where it stands. The look-behind moves behind the
    literal and reaches back over it: where the literal has just matched, "no word character and
    then the literal" ends there exactly when no word character stands before the literal (or
    nothing does, at the text's start), which is what the look-behind in front asks."""
    source = _pattern(phrase)
    lead = r"(?<![\w])"
    if not source.startswith(lead):  # anchored ('^' is found at once), or no word edge in front
        return source
    rest = source.removeprefix(lead)
    first = re.escape(phrase.lower().split("*")[0].strip())
    if not first or not rest.startswith(first):
        return source
    return first + r"(?<![\w]" + first + ")" + rest[len(first) :]


@lru_cache(maxsize=8192)
def _compiled(source: str) -> re.Pattern[str]:
    return re.compile(source)


@dataclass(frozen=True)
class Phrases:
    """A list of vocabulary phrases, compiled once."""

    phrases: tuple[str, ...]
    sources: tuple[str, ...] = field(default=(), compare=False, repr=False)
    """Each phrase's pattern, compiled the first time its literals stand in a text (most never do:
    compiling all of them would cost a command's start-up more than the rest of it)."""
    searched: tuple[str, ...] = field(default=(), compare=False, repr=False)
    """Each phrase's pattern as it is searched (``_search_pattern``: the same matches, found faster),
    compiled, like ``sources``, the first time its literals stand in a text."""
    literals: tuple[frozenset[int], ...] = field(default=(), compare=False, repr=False)
    """Each phrase's literal parts, by their number in the lexicon."""
    any_literal: frozenset[int] | None = field(default=None, compare=False, repr=False)
    """Every literal of the list; none in a text: no phrase can occur. None: a phrase without a
    literal part could match anywhere."""
    by_literal: dict[int, tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)
    """The phrases (their positions in the list) by one of their literals: a phrase can only occur
    in a text where that literal stands, so a text's literals name the few phrases worth a look."""
    anywhere: tuple[int, ...] = field(default=(), compare=False, repr=False)
    """The phrases without a literal part: worth a look in every text."""
    words: tuple[str, ...] = field(default=(), compare=False, repr=False)
    """Each phrase's longest literal part ('' for a phrase without one): where it does not stand, the
    phrase does not occur."""

    @classmethod
    def of(cls, phrases: tuple[str, ...]) -> Phrases:
        return _phrases(phrases)

    @property
    def patterns(self) -> tuple[re.Pattern[str], ...]:
        return tuple(_compiled(source) for source in self.sources)

    def _found(self, text: str) -> frozenset[int] | None:
        """The list's literals in ``text``; None when no phrase can occur."""
        if not self.phrases:
            return None
        found = LEXICON.found(text)
        any_literal = self.any_literal
        if any_literal is not None and any_literal.isdisjoint(found):
            return None
        return found

    def may_occur(self, text: str) -> bool:
        """False only when no phrase of the list can occur in ``text`` (or in a stretch of it)."""
        return self._found(text) is not None

    def _candidates(self, found: frozenset[int]) -> list[int]:
        """The positions, in list order, of the phrases whose literals all stand in a text with
        literals ``found``."""
        by_literal, literals, anywhere = self.by_literal, self.literals, self.anywhere
        firsts = found & by_literal.keys()
        if not firsts:
            if not anywhere:  # no phrase's first literal stands in the text
                return []
            named: set[int] = set(anywhere)
        elif len(firsts) == 1 and not anywhere:  # most texts: the phrases of one first literal
            (first,) = firsts
            return [index for index in by_literal[first] if literals[index] <= found]
        else:
            named = {index for literal in firsts for index in by_literal[literal]}
            named.update(anywhere)
        return sorted([index for index in named if literals[index] <= found])

    def in_parts(self, text: str) -> Callable[[str], bool] | None:
        """``part in self`` for parts of ``text`` (its lines, its sentences, folded), trying only the
        phrases whose literals all stand in ``text``: a phrase a part holds, ``text`` holds too, with
        its literals. None where no phrase can occur in ``text``, so in no part of it."""
        found = self._found(text)
        if found is None:
            return None
        sources, words = self.searched, self.words
        # A part is searched for a phrase only where the phrase's longest literal stands in it.
        tried = [(words[i], _compiled(sources[i]).search) for i in self._candidates(found)]
        if not tried:
            return None
        if len(tried) == 1:
            ((word, search),) = tried
            return lambda part: word in part and search(part) is not None
        return lambda part: any(word in part and search(part) for word, search in tried)

    def hits(self, text: str) -> list[str]:
        found = self._found(text)
        if found is None:
            return []
        phrases, sources = self.phrases, self.searched
        return [phrases[i] for i in self._candidates(found) if _compiled(sources[i]).search(text)]

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        return self.holds(text, LEXICON.found(text))

    def holds(self, text: str, found: frozenset[int]) -> bool:
        """``text in self`` for a text whose literals (``LEXICON.found(text)``) are ``found``: a
        caller that asks several lists about one text looks its literals up once."""
        any_literal = self.any_literal
        if not self.phrases or (any_literal is not None and any_literal.isdisjoint(found)):
            return False
        sources = self.searched
        return any(_compiled(sources[i]).search(text) for i in self._candidates(found))


@lru_cache(maxsize=1024)
def _phrases(phrases: tuple[str, ...]) -> Phrases:
    """The same list is compiled once (a scenario's facts, a vocabulary loaded per audit)."""
    sources = tuple(_pattern(p) for p in phrases)
    searched = tuple(_search_pattern(p) for p in phrases)
    parts = tuple(_literals(p) for p in phrases)
    literals = tuple(LEXICON.ids(part) for part in parts)
    usable = all(parts)
    any_literal = frozenset().union(*literals) if usable else None
    by_literal: dict[int, list[int]] = {}
    for index, part in enumerate(parts):
        if part:  # indexed by its first literal, which must stand wherever the phrase does
            (first,) = LEXICON.ids(part[:1])
            by_literal.setdefault(first, []).append(index)
    anywhere = tuple(index for index, part in enumerate(parts) if not part)
    words = tuple(max(part, key=len, default="") for part in parts)
    by_first = {k: tuple(v) for k, v in by_literal.items()}
    return Phrases(phrases, sources, searched, literals, any_literal, by_first, anywhere, words)


_UNIONS: dict[tuple[int, ...], tuple[tuple[Phrases, ...], Phrases]] = {}
"""Unions made, by the identities of their lists (kept with them, so no identity is reused)."""


def union(lists: tuple[Phrases, ...]) -> Phrases:
    """All phrases of ``lists`` as one list, made once for the same lists: a text is in it where it is
    in one of them, and one look at a text's literals serves them all."""
    key = tuple(map(id, lists))
    known = _UNIONS.get(key)
    if known is None:
        if len(_UNIONS) >= 64:  # a few unions are asked for, over vocabularies a process keeps
            _UNIONS.clear()
        known = _UNIONS[key] = (lists, Phrases.of(tuple(p for f in lists for p in f.phrases)))
    return known[1]


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
    return any(word in local for word in _bare(vocabulary.noreply_senders))


@lru_cache(maxsize=8)
def _bare(words: tuple[str, ...]) -> tuple[str, ...]:
    """The words without '-' and '_', made once per vocabulary, not for every address."""
    return tuple(word.replace("-", "").replace("_", "") for word in words)
