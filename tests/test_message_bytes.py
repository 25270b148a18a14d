"""message_bytes.as_bytes writes what Message.as_bytes writes, byte for byte (or fails as it fails).

Compared on the corpus, on mutated corpus messages (the hostile replies' mutations: junk headers,
odd charsets, deep nesting, cut messages, bare carriage returns), on generated MIME structures,
and header by header on generated values around the line length, with every character that
str.splitlines breaks at, with 8-bit bytes, and under a policy without a line length (as the
generator writes a multipart/signed part).
"""

from __future__ import annotations

import random
from email import message_from_bytes
from email._policybase import compat32
from email.message import Message

from servaudit import message as mail
from servaudit.message_bytes import _POLICY, as_bytes
from tests.corpus import samples
from tests.test_hostile_replies import mutate
from tests.test_message_parser import _generated


def _written(write: object, message: Message) -> object:
    try:
        return write(message)  # type: ignore[operator]
    except Exception as error:  # as_bytes fails on some broken headers: it must fail alike
        return type(error)


def _same(raw: bytes) -> None:
    for message in (mail.parse(raw), message_from_bytes(raw)):
        expected = _written(Message.as_bytes, message)
        assert _written(as_bytes, message) == expected, raw
        assert _written(Message.as_bytes, message) == expected  # and left the message as it was


def test_the_corpus_is_written_as_as_bytes_writes_it() -> None:
    for sample in samples():
        _same(sample.path.read_bytes())


def test_mutated_and_generated_messages_are_written_alike() -> None:
    rng = random.Random(11)
    seeds = [sample.path.read_bytes() for sample in samples()]
    for _ in range(300):
        raw = rng.choice(seeds)
        for _ in range(rng.randint(1, 3)):
            raw = mutate(raw, rng.choice, lambda: rng.randbytes(rng.randint(0, 60)))
        _same(raw)
    for raw in _generated(800, seed=5):
        _same(raw)
    signed = b'Content-Type: multipart/signed; boundary="s"\n\n--s\nX-Long: ' + b"w " * 60 + b"\n\nx\n--s--\n"
    _same(signed)


_PIECES = (
    "a", "bc", " ", "\t", "  ", ",", ";", ":", "x: y", "=?utf-8?q?x?=", "(", ")", '"', "-", "x" * 10,
    "\x1f", "\x7f", "\x00",
    "\r", "\n", "\r\n ", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\udcff", "ä",
)  # fmt: skip


def test_a_header_is_folded_as_compat32_folds_it() -> None:
    rng = random.Random(78)
    unlimited = _POLICY.clone(max_line_length=0)
    reference_unlimited = compat32.clone(max_line_length=0)
    for _ in range(12000):
        name = rng.choice(["Subject", "X", "Received", "X-Very-Long-Header-Name-Here", ""])
        pieces = _PIECES if rng.random() < 0.5 else _PIECES[:18]  # half without line breaks or 8-bit
        value = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        for fast, reference in ((_POLICY, compat32), (unlimited, reference_unlimited)):
            try:
                expected: object = reference.fold_binary(name, value)
            except Exception as error:
                expected = type(error)
            try:
                folded: object = fast.fold_binary(name, value)
            except Exception as error:
                folded = type(error)
            assert folded == expected, (name, value)
