"""The e-mail addresses of a plain address list, as ``email.utils.getaddresses`` reads them.

``getaddresses`` walks a header character by character in Python; the sender, the recipients and
the Reply-To of every reply are read through it. Most lists are plain: addresses, or names (words,
quoted strings) followed by an address in angle brackets, separated by commas. For those the
addresses are the ones written, and ``plain_addresses`` gives them; anything else (comments,
groups, routes, quoted local parts, spaces inside the brackets, odd characters) answers None and is
left to ``getaddresses``. tests/test_address_list.py compares both on every address header of the
corpus and on generated lists.
"""

from __future__ import annotations

import re

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDRESS = rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_WORD = r'(?:[^\s()<>@,:;"\[\]\\]+|"[^"\\\r\n]*")'
"""A word of a name: an atom (dots allowed, as getaddresses reads names) or a quoted string."""
_ITEM = rf"(?:({_ADDRESS})|{_WORD}(?: {_WORD})* ?<({_ADDRESS})>)"
_FIRST = re.compile(_ITEM)
_NEXT = re.compile(" ?, ?" + _ITEM)


def plain_addresses(value: str) -> list[str] | None:
    """The addresses of a plain list, as written (``getaddresses`` gives the same); None for any
    other list. ``value`` is a header as ``message.header`` gives it: whitespace folded to single
    spaces, none at either end."""
    found: list[str] = []
    match = _FIRST.match(value)
    while match is not None:
        found.append(match.group(1) or match.group(2))
        if match.end() == len(value):
            return found
        match = _NEXT.match(value, match.end())
    return None
