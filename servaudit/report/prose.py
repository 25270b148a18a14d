"""What the judges wrote in English, shown in the report's language: a render-time translation table.

Classification reasons, quality rules, chat verdicts, delivery details, evidence captions and
reachability notes are stored (judged once) as English sentences built from a handful of fixed
forms. Each form is a message of the catalogues' ``[prose]`` section: the English message *is*
the form the judge writes (``"a written answer: {p_what}"``), so it is read back as a pattern,
and the same key in the report's language gives the sentence to show. Placeholders say what
their part is: ``{p_…}`` prose again (translated the same way), ``{n_…}`` a number (formatted
for the locale), ``{d_…}`` digits (or a status chain, 303 → 200), ``{h_…}`` a header name,
``{w_…}`` one word and ``{s_…}`` an evidence signal's id (from the ``[signal]`` section),
``{a_…}`` an agent's own words (a signature, an opening line, a chat display name): read, never
shown, in their place the catalogue's ``prose.agent_words`` (agents' names stay in the evidence,
never in a report's tables: ESOMAR/MSPA), anything else data shown as it is (a quoted phrase, an
address, a URL).

A stored text no form matches is shown as it is in English and, in any other language, as the
catalogue's ``prose.other``: a report never mixes two languages. The stored judgement is not
touched; a consultant's English CLI output (``servaudit inspect``) keeps the original sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from servaudit.i18n import Locale, load_catalogue

SECTION = "prose."
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_GROUPS = {
    "n_": r"-?\d+(?:\.\d+)?",
    "d_": r"[\d.?]+(?: → [\d?]+)*",  # also a status and its redirects' (HTTP 303 → 200)
    "h_": r"[A-Z][A-Za-z0-9-]*",
    "s_": r"[a-z][a-z-]*",
    "w_": r"[\w-]+",
}
"""What a placeholder of each kind matches; any other placeholder matches any text."""


@dataclass(frozen=True)
class Form:
    key: str
    parts: tuple[str | re.Pattern[str], ...]
    """Fixed text and, between, the placeholders as (name, what it matches)."""
    names: tuple[str, ...]
    pattern: re.Pattern[str]
    """The whole form, for a quick no (every part of it tried only when this matches)."""
    weight: int
    """Characters of fixed text: the more a form fixes, the more specific it is."""

    def splits(self, text: str) -> Iterator[dict[str, str]]:
        """Every way the text fills the placeholders (a nested "(…)" can end a group in two places)."""
        yield from self._splits(text, 0, 0, {})

    def _splits(
        self, text: str, index: int, position: int, found: dict[str, str]
    ) -> Iterator[dict[str, str]]:
        if index == len(self.parts):
            if position == len(text):
                yield dict(found)
            return
        part = self.parts[index]
        if isinstance(part, str):
            if text.startswith(part, position):
                yield from self._splits(text, index + 1, position + len(part), found)
            return
        name = self.names[index]
        following = self.parts[index + 1] if index + 1 < len(self.parts) else None
        if following is None:
            ends: list[int] = [len(text)]
        elif isinstance(following, str):
            ends = _occurrences(text, following, position + 1)
        else:  # two placeholders side by side: any split
            ends = list(range(position + 1, len(text)))
        for end in ends:
            if part.fullmatch(text, position, end):
                found[name] = text[position:end]
                yield from self._splits(text, index + 1, end, found)
                del found[name]


def _occurrences(text: str, literal: str, start: int) -> list[int]:
    found = []
    at = text.find(literal, start)
    while at >= 0:
        found.append(at)
        at = text.find(literal, at + 1)
    return found


def _form(key: str, text: str) -> Form:
    parts: list[str | re.Pattern[str]] = []
    names: list[str] = []
    regex: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        literal = text[position : match.start()]
        if literal:
            parts.append(literal)
            names.append("")
            regex.append(re.escape(literal))
        name = match.group(1)
        matches = _GROUPS.get(name[:2], ".+")
        parts.append(re.compile(matches, re.S))
        names.append(name)
        regex.append(f"(?:{matches})")
        position = match.end()
    if text[position:]:
        parts.append(text[position:])
        names.append("")
        regex.append(re.escape(text[position:]))
    fixed = sum(len(p) for p in parts if isinstance(p, str))
    return Form(key, tuple(parts), tuple(names), re.compile("".join(regex), re.S), fixed)


@lru_cache(maxsize=1)
def forms() -> tuple[Form, ...]:
    """The shipped English forms, most specific first (an audit's own catalogue changes what is
    shown, never what is recognised)."""
    english = load_catalogue("en")
    found = [
        _form(key, text)
        for key, text in english.items()
        if key.startswith(SECTION) and key != SECTION + "other"
    ]
    return tuple(sorted(found, key=lambda f: -f.weight))


class Prose:
    """Translates stored English sentences for one locale; remembers each (pages repeat them)."""

    def __init__(self, locale: Locale) -> None:
        self.locale = locale
        self._done: dict[str, str] = {}

    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        try:
            return self._done[text]
        except KeyError:
            shown = self._translate(text)
            if shown is None:
                shown = text if self.locale.language == "en" else self.locale.t("prose.other")
            self._done[text] = shown
            return shown

    def known(self, text: str) -> bool:
        """Whether a form reads the text (else it shows as ``prose.other`` outside English)."""
        return self._translate(text) is not None

    def many(self, texts: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        return tuple(self(text) for text in texts)

    def _translate(self, text: str, depth: int = 0) -> str | None:
        if depth > 6:
            return None
        text = text.strip()
        for form in forms():
            if form.pattern.fullmatch(text) is None:
                continue
            for groups in form.splits(text):
                values = self._values(groups, depth)
                if values is not None:
                    return self.locale.t(form.key, **values)
        # A list of sentences ("a; b; c" or "a, b"): each part on its own.
        for separator in ("; ", ", "):
            if separator in text:
                parts = [self._translate(part, depth + 1) for part in text.split(separator)]
                if all(part is not None for part in parts):
                    return separator.join(part for part in parts if part is not None)
        return None

    def _values(self, groups: dict[str, str], depth: int) -> dict[str, str] | None:
        values = {}
        for name, value in groups.items():
            if name.startswith("p_"):
                shown = self._translate(value, depth + 1)
                if shown is None:
                    return None
                values[name] = shown
            elif name.startswith("s_"):
                if f"signal.{value}" not in self.locale.messages:
                    return None
                values[name] = self.locale.t(f"signal.{value}")
            elif name.startswith("a_"):
                values[name] = self.locale.t("prose.agent_words")
            elif name.startswith("n_"):
                digits = len(value.partition(".")[2])
                values[name] = self.locale.number(float(value), digits)
            else:
                values[name] = value
        return values
