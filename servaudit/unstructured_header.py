"""An unstructured header's value (Subject, Auto-Submitted, X-…) as the standard library's header
registry shows it (``str(email.policy.default.header_fetch_parse(name, value))``), without building
the registry's header class and parse tree for it.

The registry removes line breaks, then reads the value as words between spaces and tabs: an RFC 2047
encoded word is shown decoded, the whitespace between two encoded words is dropped, everything else
stays as it is, and escaped 8-bit bytes are decoded as UTF-8 at the end. ``unstructured`` does that
where the value is one it can be sure of: with encoded words, only printable ASCII, each encoded word
a whole word that decodes without a defect (``email._encoded_words.decode``, the registry's own
decoder). Anything else answers None and is left to the registry. tests/test_unstructured_header.py
compares both on every header of the corpus and on generated encoded and odd headers.
"""

from __future__ import annotations

import re
from email import _encoded_words  # type: ignore[attr-defined]  # the registry's own decoder

TYPED = frozenset(
    {"date", "resent-date", "orig-date", "mime-version", "message-id"}
    | {"sender", "resent-sender", "from", "resent-from", "reply-to"}
    | {"to", "resent-to", "cc", "resent-cc", "bcc", "resent-bcc"}
    | {"content-type", "content-disposition", "content-transfer-encoding"}
)
"""Lower-case names the registry parses with a header class of their own; every other name is
unstructured (email.headerregistry._default_header_map)."""

_LINE_BREAKS = re.compile(r"\n|\r")
_PRINTABLE = re.compile(r"[\x20-\x7e\t]*")
_WHITESPACE = re.compile(r"([ \t]+)")
_ENCODED_WORD = re.compile(
    # charset (no language), q or b, then text that holds no "?" and does not start with a "=" that
    # is no escape (the registry splits such a word elsewhere).
    r"=\?[A-Za-z0-9_.:+-]+\?[QqBb]\?(?!=(?![0-9A-Fa-f]{2}))[^?\s]+\?="
)


def unstructured(value: str) -> str | None:
    """What the registry shows for an unstructured header of this raw value; None where unsure."""
    text = _LINE_BREAKS.sub("", value)
    if "=?" not in text:
        # No encoded word: the registry's parse tree gives the text back as it is.
        return sanitize(text)
    if _PRINTABLE.fullmatch(text) is None:
        return None
    words = _WHITESPACE.split(text)  # words at even positions, whitespace runs between them
    shown: list[str] = []
    encoded_before = False
    for position, word in enumerate(words):
        if position % 2:
            shown.append(word)
            continue
        if not word:
            continue
        if word.startswith("=?"):
            decoded = encoded_word(word)
            if decoded is None:
                return None
            if encoded_before and position >= 2:
                shown[-1] = ""  # whitespace between two encoded words is not shown
            shown.append(decoded)
            encoded_before = True
            continue
        if "=?" in word:
            return None  # an encoded word inside a word: the registry splits it off
        shown.append(word)
        encoded_before = False
    return "".join(shown)


def encoded_word(word: str) -> str | None:
    """A whole word that is an encoded word, decoded as the registry decodes it; None where the
    registry would not take it as one, or would note a defect in it (a bad charset or padding)."""
    if _ENCODED_WORD.fullmatch(word) is None:
        return None
    try:
        decoded, _charset, _language, defects = _encoded_words.decode(word)
    except Exception:  # whatever the registry makes of it, it is not this simple case
        return None
    if defects or _has_surrogates(decoded):
        return None
    return str(decoded)


def _has_surrogates(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return False


def sanitize(text: str) -> str:
    """Escaped 8-bit bytes read as UTF-8, as the registry shows them (email.utils._sanitize)."""
    if not _has_surrogates(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
