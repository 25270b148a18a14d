"""An address header naming one address (``Name <local@domain>``) as the standard library's header
registry shows it (``str(email.policy.default.header_fetch_parse(name, value))``), without the
registry's address parser.

Senders write their name with 8-bit bytes or encoded words ("Sabine =?utf-8?q?Kr=C3=BCger?="); the
registry then parses the whole address list into objects to show "Sabine Krüger <…>". For one
address whose name is words (atoms with no special character, or whole encoded words that decode
without a defect) and whose address is a plain dot-atom, the registry shows the words decoded and
joined by single spaces, quoted where a decoded word holds a special character, then the address
in angle brackets, with escaped 8-bit bytes read as UTF-8. Anything else answers None and is left
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
_ONE_NAMED = re.compile(
    # words of printable ASCII (no special, no whitespace) or escaped 8-bit bytes, then the address
    r"[ \t]*((?:[!#-'*+\-/-9=?A-Z^-~\udc80-\udcff]+[ \t]+)+)"
    rf"<({_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>[ \t]*"
)
_SPECIALS = frozenset('()<>@,:;."[]\\')
"""email._header_value_parser.SPECIALS: a display name holding one is shown quoted."""
_PLAIN_DECODED = re.compile(r"\S+(?: \S+)*")


def one_named_address(value: str) -> str | None:
    """What the registry shows for an address header of this raw value; None where unsure."""
    match = _ONE_NAMED.fullmatch(_LINE_BREAKS.sub("", value))
    if match is None:
        return None
    words = match.group(1).split()
    for position, word in enumerate(words):
        if "=?" in word:
            decoded = encoded_word(word)
            # Whitespace inside a decoded word is shown otherwise; such a word is left to the registry.
            if decoded is None or _PLAIN_DECODED.fullmatch(decoded) is None:
                return None
            words[position] = decoded
    display = " ".join(words)
    if not _SPECIALS.isdisjoint(display):
        display = '"{}"'.format(display.replace("\\", "\\\\").replace('"', r"\""))
    return sanitize(f"{display} <{match.group(2)}>")
