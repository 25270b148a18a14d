"""Where mail-parser-reply's signature and disclaimer patterns can match, told before they search.

The library searches its signature pattern (four alternatives, tried at every character) and its
disclaimer pattern through every reply it splits; most replies hold no disclaimer, and a signature
can only start on a few lines. Both shortcuts below give what the pattern itself gives (the same
match, the same list), and only for the patterns they were written for: the library's German and
English patterns of the installed version, recognised by their text. Another version's patterns
are searched as they are.

Lines are read lower-cased, so a text with a character that case-insensitive matching pairs with
an ASCII letter but ``str.lower`` does not turn into it (ſ, K, ı, İ) is searched by the pattern
itself too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from types import CodeType

from servaudit.message import FOLDS_TO_ASCII

SIGNATURE_PATTERN = "c1a9b2b79fc375a5"
"""sha256 (first 16 hex digits) of the signature pattern for German and English the shortcut is for."""
SIGNATURE_STARTS = (
    "-", "_", " ",  # "-- ", "__", "- Name", an underscore rule after empty lines
    "gesendet von", "sent from my", "get outlook for", "mit freundlichen grüßen",
    "beste gr", "besten gr", "liebe gr", "viele gr", "grüß", "grüss", "grueß", "gruess", "gruß", "gruss",
    "best regards", "kind regards", "thanks,", "thank you,", "best,", "all the best", "regards,",
)  # fmt: skip
"""What a line (its quote marks '>' removed) starts with, lower-cased, where one of the signature
pattern's alternatives can match: a line starting otherwise starts no signature."""

HEADER_PATTERN = "974fae75d8bcfbdd"
"""sha256 (first 16 hex digits) of the quote-header pattern for German and English."""
HEADER_STARTS = (
    "am", "on", "-----",
    "von:", "gesendet:", "an:", "betreff:", "datum:", "cc:", "organisation:",
    "from:", "sent:", "to:", "subject:", "date:", "organization:",
)  # fmt: skip
"""What a line starts with (lower-cased, its quote marks '>' and leading '*' and spaces removed)
where a quote header can begin: "Am … schrieb …:", "On … wrote:", "-----Original Message-----", or
the first of an Outlook-style block of "Von:"/"From:" lines."""

DISCLAIMERS_PATTERN = "b300b14e49e3de9e"
"""sha256 (first 16 hex digits) of the disclaimer pattern the shortcut is for."""
DISCLAIMER_WORDS = (
    "hinweis:", "achtung:", "caution:", "disclaimer", "warning:", "confidential", "notice:", "note:",
    "information:",
)  # fmt: skip
"""A word each alternative of the disclaimer pattern needs (lower case); every match needs 'mail' too."""


_SIGNATURE_START = "(?>(?:> ?)*)(?:" + "|".join(map(re.escape, SIGNATURE_STARTS)) + ")"
_SIGNATURE_LINE = re.compile("^" + _SIGNATURE_START, re.M)
"""A line (of lower-cased text) that starts with one of ``SIGNATURE_STARTS`` once its quote marks are
removed ('>', each with the space after it, greedily and never given back: the group is atomic)."""
_HEADER_START = "(?>(?:> ?)*)[* ]*(?:" + "|".join(map(re.escape, HEADER_STARTS)) + ")"
_HEADER_LINE = re.compile("^" + _HEADER_START, re.M)
"""A line (of lower-cased text) that starts with one of ``HEADER_STARTS`` once its quote marks and
the '*' and spaces after them are removed (none of the starts begins with '*' or a space)."""
_LINES = {
    pattern: (re.compile(start), re.compile("\n" + start))
    for pattern, start in ((_SIGNATURE_LINE, _SIGNATURE_START), (_HEADER_LINE, _HEADER_START))
}
"""Each line pattern's start as (matched at the text's start, searched after a newline)."""


def line_starts(pattern: re.Pattern[str], text: str) -> Iterator[int]:
    """Where ``pattern`` (``_SIGNATURE_LINE`` or ``_HEADER_LINE``) matches in ``text``, as its
    ``finditer`` gives the starts, found by looking for newlines. In MULTILINE mode '^' stands at the
    text's start and after each newline only, and a pattern opening with it gives the engine nothing
    to skip to: it tries every character. Looked for as a newline followed by the rest of the
    pattern, it skips from newline to newline. No match holds a newline (quote marks, '*', spaces and
    the starts hold none) or is empty, so ``finditer`` tries every line start and matches at most
    once in each line: the starts are the same."""
    first, after_newline = _LINES[pattern]
    if first.match(text):
        yield 0
    for found in after_newline.finditer(text):
        yield found.start() + 1


_SIGNATURE_TAIL = "(.|\\s)*)"
"""How the signature pattern ends: whatever follows its start, to the end of the text (each
character is either no newline, ``.``, or one, ``\\s``): the match is the text from its start on."""


NORMALIZE_CODE = "d9205d13993f8126"
"""sha256 (first 16 hex digits) of what the library's ``EmailMessage._normalize_text`` is made of
(``code_fingerprint``) with the separator pattern it uses: the method ``normalized`` repeats."""
_SEPARATOR_AFTER_TEXT = re.compile("\n\n ?[_-]{32}")
"""What each match of the library's ``([^\n])\n{2,} ?[_-]{32,}`` holds: where it stands nowhere, the
substitution changes nothing, and it is not run (it tries its pattern at every character)."""


def fingerprint(pattern: re.Pattern[str]) -> str:
    return hashlib.sha256(f"{pattern.flags}:{pattern.pattern}".encode()).hexdigest()[:16]


def code_fingerprint(function: Callable[..., object], *values: str) -> str:
    """sha256 (first 16 hex digits) of the strings and names a function's code (its comprehensions
    included) is made of, and of ``values``: another version of the function will differ."""
    parts: set[str] = set(values)
    codes = [function.__code__]
    while codes:
        code = codes.pop()
        parts.update(code.co_names)
        for constant in code.co_consts:
            if isinstance(constant, CodeType):
                codes.append(constant)
            elif isinstance(constant, str):
                parts.add(constant)
    return hashlib.sha256(repr(sorted(parts)).encode()).hexdigest()[:16]


def normalized(text: str, separator: str) -> str:
    """What mail-parser-reply's ``_normalize_text`` (the one ``NORMALIZE_CODE`` names) makes of
    ``text``, its ``re.sub`` run only where it can change something. ``separator``: the library's
    OUTLOOK_MAIL_SEPARATOR."""
    text = "\n".join([line.strip() for line in text.replace("\r\n", "\n").split("\n")])
    if _SEPARATOR_AFTER_TEXT.search(text) is None:
        return text
    # The library passes re.MULTILINE (8) as the count: eight substitutions at most.
    return re.sub(f"([^\n]){separator}", "\\1\n", text, count=8)


def _folds(text: str) -> bool:
    return not text.isascii() and any(c in text for c in FOLDS_TO_ASCII)


def signature(pattern: re.Pattern[str], known: bool, text: str, lower: str | None = None) -> str:
    """``pattern.search(text).group()`` ('' without a match), searched from where a match can start.

    ``known``: ``pattern`` is the one ``SIGNATURE_PATTERN`` names. Each of its alternatives starts
    at a line start, after the whitespace before it at most (``\\s*^``) or at the newlines before an
    underscore rule; the line (after '>' quote marks) starts with one of ``SIGNATURE_STARTS``. So no
    match starts before the whitespace that precedes the first such line. Its match runs to the end
    of the text (``_SIGNATURE_TAIL``): only its start is searched, the pattern without that tail (which
    reads the rest of the text character by character). ``lower``: ``text.lower()``, where the
    caller has it (lower-casing keeps each character's place: ``_folds`` sends 'İ' to the pattern).
    """
    if not known or _folds(text):
        found = pattern.search(text)
        return found.group() if found else ""
    start = next(line_starts(_SIGNATURE_LINE, text.lower() if lower is None else lower), None)
    if start is None:
        return ""
    while start > 0 and text[start - 1].isspace():
        start -= 1
    found = _signature_start(pattern).search(text, start)  # '^', '\A' and look-behinds see the whole text
    return text[found.start() :] if found else ""


@lru_cache(maxsize=4)
def _signature_start(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The known signature pattern without its tail: where a match starts, it matches (the tail
    matches any rest of the text), so both find the same start."""
    source = pattern.pattern
    if not source.endswith(_SIGNATURE_TAIL):
        return pattern
    return re.compile(source[: -len(_SIGNATURE_TAIL)] + ")", pattern.flags)


def headers(
    pattern: re.Pattern[str], known: bool, text: str, lower: str | None = None
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for the quote-header pattern (``known``: the one ``HEADER_PATTERN``
    names), each match tried only where one can start: at a line that starts as a header can
    (``_HEADER_LINE``) or at the newline before it. Each of the pattern's alternatives starts at a
    line start, or at the newline before a line (the Outlook block, ``(?:^|\n|\n(?:> ?)*)``), and
    that line starts with one of ``HEADER_STARTS``. A long reply
    whose lines start no header is not walked character by character; one whose "Am"/"On" line
    is no header is walked only to its next such line. ``lower``: ``text.lower()``, where the
    caller has it.
    """
    if not known or _folds(text):
        yield from pattern.finditer(text)
        return
    position = 0  # where the next match may start: the end of the last one
    for start in line_starts(_HEADER_LINE, text.lower() if lower is None else lower):
        for at in (start - 1, start) if start else (start,):
            if at >= position:
                found = pattern.match(text, at)  # '^' still matches only at a line start
                if found is not None:
                    yield found
                    position = found.end()


def disclaimers(pattern: re.Pattern[str], known: bool, text: str, lower: str | None = None) -> list[str]:
    """``pattern.findall(text)``, not searched where none of its words stand. ``lower``:
    ``text.lower()``, where the caller has it."""
    if known and not _folds(text):
        lower = text.lower() if lower is None else lower
        if "mail" not in lower or not any(word in lower for word in DISCLAIMER_WORDS):
            return []
    return pattern.findall(text)
