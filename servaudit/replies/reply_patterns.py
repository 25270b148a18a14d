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


def fingerprint(pattern: re.Pattern[str]) -> str:
    return hashlib.sha256(f"{pattern.flags}:{pattern.pattern}".encode()).hexdigest()[:16]


def _folds(text: str) -> bool:
    return not text.isascii() and any(c in text for c in FOLDS_TO_ASCII)


def signature(pattern: re.Pattern[str], known: bool, text: str) -> str:
    """``pattern.search(text).group()`` ('' without a match), searched from where a match can start.

    ``known``: ``pattern`` is the one ``SIGNATURE_PATTERN`` names. Each of its alternatives starts
    at a line start, after the whitespace before it at most (``\\s*^``) or at the newlines before an
    underscore rule; the line (after '>' quote marks) starts with one of ``SIGNATURE_STARTS``. So no
    match starts before the whitespace that precedes the first such line.
    """
    if not known or _folds(text):
        found = pattern.search(text)
        return found.group() if found else ""
    start = 0
    for line in text.split("\n"):
        content = _unquoted(line)
        if content.lower().startswith(SIGNATURE_STARTS) or line.lower().startswith(SIGNATURE_STARTS):
            break
        start += len(line) + 1
    else:
        return ""
    while start > 0 and text[start - 1].isspace():
        start -= 1
    found = pattern.search(text, start)  # '^', '\A' and look-behinds still see the whole text
    return found.group() if found else ""


def _unquoted(line: str) -> str:
    """A line without its leading quote marks (the patterns' ``(?:> ?)*``)."""
    while line.startswith(">"):
        line = line[2:] if line[1:2] == " " else line[1:]
    return line


def header_search_start(known: bool, text: str) -> int | None:
    """Where the quote-header pattern (``known``: the one ``HEADER_PATTERN`` names) can first match
    in ``text``; None where it cannot match at all.

    Each of its alternatives starts at a line start, or at the newline before a line (the Outlook
    block, ``(?:^|\n|\n(?:> ?)*)``), and that line starts with one of ``HEADER_STARTS``: the pattern,
    tried at every character of a long reply (most lines start no header), is searched from the
    newline before the first such line.
    """
    if not known or _folds(text):
        return 0
    start = 0
    for line in text.split("\n"):
        if _unquoted(line).lstrip("* ").lower().startswith(HEADER_STARTS):
            return max(start - 1, 0)
        start += len(line) + 1
    return None


def disclaimers(pattern: re.Pattern[str], known: bool, text: str) -> list[str]:
    """``pattern.findall(text)``, not searched where none of its words stand."""
    if known and not _folds(text):
        lower = text.lower()
        if "mail" not in lower or not any(word in lower for word in DISCLAIMER_WORDS):
            return []
    return pattern.findall(text)
