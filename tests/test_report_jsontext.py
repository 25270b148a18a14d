"""report.json's fast writer writes byte for byte what json.dump(indent=2, ensure_ascii=False)
writes: floats in every magnitude (orjson spells some of them otherwise), keys and strings that look
like numbers, empty and nested containers at every level, and what only json can write (keys that
are not strings, integers past 64 bits) or neither can (a datetime: the same error as json's)."""

from __future__ import annotations

import json
import random
import struct
from collections import Counter, OrderedDict
from datetime import UTC, datetime
from enum import IntEnum
from pathlib import Path
from typing import Any

import pytest

from servaudit.report import jsontext
from servaudit.report.folder import write_json


class Level(IntEnum):
    HIGH = 3


def standard(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def written(tmp_path: Path, data: Any) -> bytes:
    target = tmp_path / f"report-{len(list(tmp_path.iterdir()))}.json"
    write_json(target, data)
    return target.read_bytes()


def floats(count: int) -> list[float]:
    rng = random.Random(16)
    values: list[float] = [1e-05, 1e16, 1e22, -1.5e-07, 0.0001, 0.00012, 1e15, 9.999e15, 5e-324, -0.0, 0.1]
    while len(values) < count:
        bits = struct.unpack("d", rng.randbytes(8))[0]
        if bits == bits and abs(bits) != float("inf"):
            values.append(bits)
        values.append(rng.random() * 10 ** rng.randint(-12, 20))
        values.append(round(rng.random() * 10 ** rng.randint(-8, 18), rng.randint(0, 6)))
    return values


def test_floats_of_every_magnitude_are_written_as_their_repr(tmp_path: Path) -> None:
    values = floats(30_000)
    data = {
        "summary": {"p": values[:100], "share": 0.00001, "n": 12},
        "companies": {f"c{i}": {"figure": v, "list": [v, {"x": v}]} for i, v in enumerate(values)},
        "inquiries": [{"seconds": v} for v in values[:1000]] + [values[5], [values[0], []]],
    }
    assert written(tmp_path, data) == standard(data)


def test_strings_and_keys_that_look_like_numbers_are_left_as_they_are(tmp_path: Path) -> None:
    data = {
        "v1.00001": 5,
        "companies": {
            'a": 1e5': 2.0,
            "x": ["1e-05", "0.00001", "line\nbreak: 1e5", "ü\u2028\x7f\x1f</script>", 1e-05],
            "y": {"3e4": 1e-5, "\\": '\\"', "": None, "t": True, "f": False},
        },
        "empty": {"d": {}, "l": [], "t": ()},
        "top_empty_dict": {},
        "top_empty_list": [],
        "tuple": (1, (2.5, 1e300), "z"),
    }
    assert written(tmp_path, data) == standard(data)
    assert written(tmp_path, [data, data]) == standard([data, data])
    assert written(tmp_path, 1e-05) == standard(1e-05)


def test_what_only_json_writes_is_written_by_json(tmp_path: Path) -> None:
    for data in (
        {"companies": {1: "int key", 2.5: "float key", None: "none", False: "bool"}},
        {"companies": {"deep": {"deeper": {7: "int key inside"}}}},
        {"big": 2**70, "small": -(2**70)},
        {"counter": Counter(a=2), "ordered": OrderedDict(b=1), "enum": Level.HIGH, "plain": 1.0},
    ):
        assert written(tmp_path, data) == standard(data)


def test_what_json_refuses_is_refused_the_same_way(tmp_path: Path) -> None:
    data = {"companies": {"c": {"when": datetime(2026, 12, 7, tzinfo=UTC)}}}
    with pytest.raises(TypeError, match="not JSON serializable"):
        json.dumps(data)
    with pytest.raises(TypeError, match="not JSON serializable"):
        write_json(tmp_path / "report.json", data)
    with pytest.raises(jsontext.Refused):
        list(jsontext.pieces(data))
