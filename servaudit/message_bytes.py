"""A message's bytes as ``Message.as_bytes`` writes them under the compat32 policy, without folding
the headers that need no folding.

``as_bytes`` sends every header through ``email.header.Header``'s folding algorithm, which splits
the value at its blanks and joins the pieces again; for a bounce's twenty headers that costs more
than the detectors that read the bytes afterwards (servaudit.replies.bounce). A value of ASCII
without line breaks (nor the other characters ``str.splitlines`` breaks at) that fits in the
policy's line length comes out of that algorithm as it went in: "Name: value" and the policy's
line break. Every other header, and everything else the generator writes, is the standard
library's. tests/test_message_bytes.py compares both on the corpus, on mutated and generated
messages, and on generated header values.
"""

from __future__ import annotations

import re
from email._policybase import Compat32, compat32
from email.message import Message

_BREAKS = re.compile("[\r\n\v\f\x1c-\x1e]")
"""Where ``str.splitlines`` breaks an ASCII value (Header.encode folds at its lines)."""
_UNLIMITED = 1_000_000
"""Header.encode's line length where the policy sets none (0 or None)."""


class _UnfoldedCompat32(Compat32):
    """compat32, with a header that folding leaves as it is written without folding it."""

    def fold_binary(self, name: str, value: str) -> bytes:
        if (
            type(value) is str  # not a Header object
            and value.isascii()
            and len(name) + 2 + len(value) <= (self.max_line_length or _UNLIMITED)
            and _BREAKS.search(value) is None
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_POLICY = _UnfoldedCompat32()


def as_bytes(message: Message) -> bytes:
    """``message.as_bytes()``."""
    if message.policy is not compat32:  # another policy folds otherwise: written as it asks
        return message.as_bytes()
    return message.as_bytes(policy=_POLICY)
