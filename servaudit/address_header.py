"""An address header naming one address (``Name <local@domain>``) as the standard library's header
registry shows it (``str(email.policy.default.header_fetch_parse(name, value))``), without the
registry's address parser.

Senders write their name with 8-bit bytes or encoded words ("Sabine =?utf-8?q?Kr=C3=BCger?="); the
registry then parses the whole address list into objects to show "Sabine Krüger <…>". For one
address whose name is words (atoms with no special character, or whole encoded words that decode
without a defect) and whose address is a plain dot-atom, the registry shows the words decoded and
joined by single spaces, quoted where a decoded word holds a special character, then the address
in angle brackets, with escaped 8-bit bytes read as UTF-8. Simple comments ("(Support)") are not
shown, quoted names ("Jana Keller via RT") show their words, and "address (comment)" shows the
address alone. Anything else answers None and is left
to the registry. tests/test_address_header.py compares both on the corpus and generated headers.
"""

from __future__ import annotations

import re

from servaudit.unstructured_header import encoded_word, sanitize

NAMES = frozenset(
    {"from", "to", "cc", "bcc", "reply-to", "sender"}
    | {"resent-from", "resent-to", "resent-cc", "resent-bcc", "resent-sender"}
)
"""Lower-case names of the headers the registry reads as addresses."""

_LINE_BREAKS = re.compile(r"\n|\r")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDRESS = rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_COMMENT = r"\([ !-'*-\[\]-~]*\)"
"""A comment of printable ASCII, not nested, without a backslash: the registry does not show it."""
_WORD = r"[!#-'*+\-/-9=?A-Z^-~\udc80-\udcff]+"
"""Printable ASCII but specials and whitespace, or escaped 8-bit bytes."""
_QUOTED = r'"(?!.*=\?)[!#-\[\]-~\udc80-\udcff]+(?: [!#-\[\]-~\udc80-\udcff]+)*"'
"""A quoted name: no encoded word (the registry decodes those inside quotes too), no escapes,
single spaces only between its words."""
_ONE_NAMED = re.compile(
    rf"[ \t]*((?:(?:{_WORD}|{_COMMENT}|{_QUOTED})[ \t]+)+)<({_ADDRESS})>(?:[ \t]+{_COMMENT})?[ \t]*"
)
_ADDRESS_AND_COMMENT = re.compile(rf"[ \t]*({_ADDRESS})[ \t]+{_COMMENT}[ \t]*")
_PHRASE_TOKENS = re.compile(rf"{_COMMENT}|{_QUOTED}|\S+")
_SPECIALS = frozenset('()<>@,:;."[]\\')
"""email._header_value_parser.SPECIALS: a display name holding one is shown quoted."""
_PLAIN_DECODED = re.compile(r"\S+(?: \S+)*")


def one_named_address(value: str) -> str | None:
    """What the registry shows for an address header of this raw value; None where unsure."""
    value = _LINE_BREAKS.sub("", value)
    match = _ADDRESS_AND_COMMENT.fullmatch(value)
    if match is not None:
        return match.group(1)  # "address (name)": the registry shows the address alone
    match = _ONE_NAMED.fullmatch(value)
    if match is None:
        return None
    words = [word for word in _PHRASE_TOKENS.findall(match.group(1)) if not word.startswith("(")]
    if not words:
        return None
    for position, word in enumerate(words):
        if word.startswith('"'):
            words[position] = word[1:-1]  # a quoted name shows its words
        elif "=?" in word:
            decoded = encoded_word(word)
            # Whitespace inside a decoded word is shown otherwise; such a word is left to the registry.
            if decoded is None or _PLAIN_DECODED.fullmatch(decoded) is None:
                return None
            words[position] = decoded
    display = " ".join(words)
    if not _SPECIALS.isdisjoint(display):
        display = '"{}"'.format(display.replace("\\", "\\\\").replace('"', r"\""))
    return sanitize(f"{display} <{match.group(2)}>")
