"""Which phrase literals stand in a text, for every vocabulary at once, in one pass.

Every literal part of every phrase (the text between a phrase's '*') is a word of one
Aho–Corasick automaton (pyahocorasick, in C). One scan of a text names every literal that
stands in it, overlapping ones included, for all phrase lists together: the classifier, the
quality scorer and the acknowledgement reader ask a dozen lists about the same folded text,
and each list then only compares sets. The scan of a text is remembered for the last texts
asked about, so a message's text is scanned once however many lists read it.

A per-list regular-expression alternation cannot replace this: it reports one alternative
per position, not every literal that starts there, and ``literal in text`` for each literal
of each phrase (what this replaces) scans the text once per literal.
"""

from __future__ import annotations

import threading
from operator import itemgetter

import ahocorasick

REMEMBERED = 256
"""Texts whose scan is kept: a message's subject, text, sentences and lines, a few messages back."""
REMEMBERED_CHARS = 250_000
"""Characters of those texts at most: the texts are kept alive as keys, so a few long ones
(a 50,000-character body) must not hold collect's memory."""


class Lexicon:
    """The literals of every phrase list made so far, numbered, with one automaton over them.

    Registering happens while vocabularies load; a thread that scans meanwhile never keeps a
    scan made with an automaton that lacks a literal registered since (the generation tells)."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()
        self._generation = 0
        self._built: tuple[ahocorasick.Automaton, int] | None = None
        self._scans: dict[str, frozenset[int]] = {}
        self._chars = 0

    def ids(self, literals: tuple[str, ...]) -> frozenset[int]:
        """The numbers of ``literals``, registering the new ones (the automaton is rebuilt on next use)."""
        with self._lock:
            new = [literal for literal in dict.fromkeys(literals) if literal not in self._ids]
            if new:
                for literal in new:
                    self._ids[literal] = len(self._ids)
                self._scans = {}
                self._generation += 1
                self._built = None
            return frozenset(self._ids[literal] for literal in literals)

    def _current(self) -> tuple[ahocorasick.Automaton, int]:
        built = self._built
        if built is not None:
            return built
        with self._lock:
            if self._built is None:
                automaton = ahocorasick.Automaton()
                for literal, number in self._ids.items():
                    automaton.add_word(literal, number)
                automaton.make_automaton()
                self._built = (automaton, self._generation)
            return self._built

    def found(self, text: str) -> frozenset[int]:
        """The numbers of the literals that stand in ``text``."""
        known = self._scans.get(text)
        if known is not None:
            return known
        automaton, generation = self._current()
        empty = not text or automaton.kind == ahocorasick.EMPTY
        found = frozenset() if empty else frozenset(map(itemgetter(1), automaton.iter(text)))
        scans = self._scans
        if generation == self._generation:
            if len(scans) >= REMEMBERED or self._chars > REMEMBERED_CHARS:
                scans.clear()
                self._chars = 0
            scans[text] = found
            self._chars += len(text)
        return found


LEXICON = Lexicon()
"""The one lexicon of the process: every Phrases registers its literals here."""
