"""simple_params answers as Message._get_params_preserve (compat32) does, or not at all.

Compared on every Content-Type and Content-Disposition of the corpus and on generated values made
of the pieces that steer Message's reading: ";", "=", quotes, backslashes, "*" (RFC 2231 names),
angle brackets, blanks of every kind, 8-bit bytes.
"""

from __future__ import annotations

import random
from email import message_from_bytes
from email.message import Message
from typing import Any

from servaudit.header_params import simple_params
from servaudit.indexed_message import IndexedMessage
from tests.corpus import samples


class _AsStored(Message):
    """A Message whose header is the string stored (compat32 gives a str with 8-bit bytes back as
    a Header object, which IndexedMessage leaves to Message)."""

    def get(self, name: str, failobj: Any = None) -> Any:
        for key, value in self._headers:  # type: ignore[attr-defined]
            if key.lower() == name.lower():
                return value
        return failobj


def _stdlib(value: str) -> list[tuple[str, str]]:
    message = _AsStored()
    message.set_raw("Content-Type", value)
    found: list[tuple[str, str]] = message._get_params_preserve(None, "content-type")  # type: ignore[attr-defined]
    return found


def _same(value: str) -> bool:
    """True where simple_params answered (and then as Message does)."""
    simple = simple_params(value)
    if simple is None:
        return False
    assert simple == _stdlib(value), value
    return True


def _corpus_values() -> list[str]:
    values = []
    for sample in samples():
        for part in message_from_bytes(sample.path.read_bytes()).walk():
            for name, value in part.raw_items():
                if name.lower() in ("content-type", "content-disposition"):
                    values.append(str(value))
    return values


def test_the_corpus_headers_read_as_message_reads_them() -> None:
    values = _corpus_values()
    answered = sum(_same(value) for value in values)
    assert answered > 0.9 * len(values)  # the shortcut is taken for most headers


# fmt: off
_PIECES = (
    "text/plain", "multipart/mixed", "Multipart/Alternative", "attachment", "inline", ";", ";", ";",
    "=", "=", " ", "  ", "\t", "\r\n ", "\x1c", "\xa0", '"', '"', "\\", '\\"', "*", "*0", "*1*",
    "charset", "CharSet", "boundary", "filename", "name", "utf-8", "''", "%C3%A4", "<", ">", "<x>",
    "a", "B", "-", "_", ".", "?", "ä", "\udcff", "(c)",
)
# fmt: on


def test_generated_values_read_as_message_reads_them() -> None:
    rng = random.Random(20261207)
    answered = 0
    for _ in range(30000):
        value = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 12)))
        answered += _same(value)
    assert answered > 5000  # enough of them were simple to test the shortcut


def test_an_indexed_message_gives_the_parameters_message_gives() -> None:
    rng = random.Random(16)
    for value in [*_corpus_values(), *("".join(rng.choices(_PIECES, k=8)) for _ in range(2000))]:
        raw = "Content-Type: " + value.replace("\r\n", "") + "\nContent-Disposition: " + value + "\n\nx"
        encoded = raw.encode("utf-8", "surrogateescape")
        plain, indexed = message_from_bytes(encoded), message_from_bytes(encoded, IndexedMessage)
        for header in ("content-type", "content-disposition", "x-absent"):
            assert indexed.get_params(header=header) == plain.get_params(header=header)
            assert indexed.get_params(header=header, unquote=False) == plain.get_params(
                header=header, unquote=False
            )
        assert indexed.get_boundary() == plain.get_boundary()
        assert indexed.get_content_charset() == plain.get_content_charset()
        assert indexed.get_filename() == plain.get_filename()
