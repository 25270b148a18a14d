"""report.json's text: exactly what ``json.dump(data, indent=2, ensure_ascii=False)`` writes, made by
orjson in C, one company or inquiry at a time.

The standard library encodes indented JSON in Python only (its C encoder has no indentation):
1.2 s of a 500-company report, in the process everyone waits for. orjson writes the same text
with two differences this module takes back: a float whose repr is in exponent form (``1e-05``,
``1e+16``) orjson writes as ``0.00001`` or ``1e16``, so each such number is written as its repr;
and it refuses what the standard library would write differently or refuse too (keys that are not
strings, integers past 64 bits, types it would encode where json raises): then the caller falls
back to json.dump. (NaN and infinity, which json writes as invalid JSON, orjson writes as null.)
The top two levels are assembled here, so no more than one company's or one inquiry's text is in
memory at once, as with json.dump writing piece by piece.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson

OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
"""Indented as json's indent=2; dataclasses and datetimes, which json refuses, go to ``refuse``.
(Subclasses of dict, list, str and int both write as their base type.)"""
SPLIT_DEPTH = 2
"""Levels assembled here: report.json's top-level keys, then each company and each inquiry."""

CANDIDATE = re.compile(rb"[0-9](?:e[-0-9]|\.0000)")
"""Where orjson may have written a float unlike its repr (a cheap scan: rarely found)."""
NUMBER_LINE = re.compile(rb' *(?:"(?:[^"\\]|\\.)*": )?(-?[0-9]+(?:\.[0-9]+)?(?:e-?[0-9]+)?),?')
"""A line whose value is a number (strings cannot hold a line break, so a line is one value)."""


class Refused(Exception):
    """Something orjson would encode unlike json: the caller uses json.dump instead."""


def refuse(value: Any) -> Any:
    raise Refused(type(value).__name__)


def pieces(value: Any, depth: int = 0) -> Iterator[bytes]:
    """The text of ``value`` at ``depth`` levels of indentation, in pieces; raises Refused."""
    if depth < SPLIT_DEPTH and type(value) is dict and value:
        indent = b"\n" + b"  " * (depth + 1)
        for number, (key, item) in enumerate(value.items()):
            if type(key) is not str:
                raise Refused("a key that is not a string")
            yield (b",", b"{")[number == 0] + indent + encode(key, 0) + b": "
            yield from pieces(item, depth + 1)
        yield b"\n" + b"  " * depth + b"}"
    elif depth < SPLIT_DEPTH and type(value) in (list, tuple) and value:
        indent = b"\n" + b"  " * (depth + 1)
        for number, item in enumerate(value):
            yield (b",", b"[")[number == 0] + indent
            yield from pieces(item, depth + 1)
        yield b"\n" + b"  " * depth + b"]"
    else:
        yield encode(value, depth)


def encode(value: Any, depth: int) -> bytes:
    try:
        text = orjson.dumps(value, default=refuse, option=OPTIONS)
    except (orjson.JSONEncodeError, Refused) as exc:
        raise Refused(str(exc)) from None
    if CANDIDATE.search(text):
        text = as_repr(text)
    return text.replace(b"\n", b"\n" + b"  " * depth) if depth else text


def as_repr(text: bytes) -> bytes:
    """Each number orjson wrote in other digits than the float's repr, written as its repr."""
    out, done = [], 0
    for found in CANDIDATE.finditer(text):
        start = text.rfind(b"\n", 0, found.start()) + 1
        if start < done:
            continue  # another candidate on a line already looked at
        end = text.find(b"\n", found.end())
        end = len(text) if end < 0 else end
        line = NUMBER_LINE.fullmatch(text, start, end)
        if line is not None and line.start(1) <= found.start() < line.end(1):
            out += [text[done : line.start(1)], repr(float(line.group(1))).encode("ascii")]
            done = line.end(1)
    return b"".join([*out, text[done:]])
