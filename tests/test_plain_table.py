"""servaudit/plain_table.py beside tabulate: every table it lays out is tabulate's, byte for byte."""

from __future__ import annotations

from typing import Any

import wcwidth
from hypothesis import given, settings
from hypothesis import strategies as st
from tabulate import tabulate

from servaudit.plain_table import NARROW, plain_table


def test_every_narrow_character_is_one_column_wide_for_tabulate() -> None:
    assert all(wcwidth.wcswidth(character) == 1 for character in NARROW)


def test_a_status_like_table_is_tabulates() -> None:
    headers = ["Anfrage", "Unternehmen", "Kanal", "Status", "gesendet", "Antworten", "zuletzt"]
    rows = [
        ["acme.email.delivery.w1", "acme", "E-Mail", "geplant", "–", 0, ""],
        ["nordwind.form.tarif.w2", "nordwind", "Formular", "abgelehnt (cap)", "11.01.2027 10:00", 12, ""],
    ]
    assert plain_table(rows, headers) == tabulate(rows, headers=headers)
    assert plain_table([tuple(row) for row in rows], tuple(headers)) == tabulate(rows, headers=headers)


def test_what_tabulate_reads_otherwise_is_left_to_it() -> None:
    for odd in ("12", "1,000", "1e3", "nan", "inf", "True", " x", "x ", "a\nb", "日本", "e\u0301", "\x1b[1m"):
        assert plain_table([["x", odd]], ["a", "b"]) is None, odd
    assert plain_table([[1, "x"], ["y", 2]], ["a", "b"]) is None  # a column of numbers and texts
    assert plain_table([[True]], ["a"]) is None
    assert plain_table([[1.5]], ["a"]) is None
    assert plain_table([], ["a"]) is None
    assert plain_table([["x"]], []) is None
    assert plain_table([["x", "y"]], ["a"]) is None


TEXTS = st.text(alphabet=st.sampled_from(sorted(NARROW)), max_size=12)
CELLS = st.one_of(
    TEXTS,
    st.sampled_from(["", "–", "12", "1,5", "-3", "True", "nan", " pad", "Straße", "x.y.w1", "3 h 5 min"]),
    st.integers(-(10**6), 10**12),
)


@settings(max_examples=400, deadline=None)
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(
    st.lists(TEXTS, min_size=n, max_size=n),
    st.lists(st.lists(CELLS, min_size=n, max_size=n), min_size=1, max_size=6),
)))  # fmt: skip
def test_a_table_laid_out_plainly_is_tabulates(table: tuple[list[str], list[list[Any]]]) -> None:
    headers, rows = table
    plain = plain_table(rows, headers)
    if plain is not None:
        assert plain == tabulate(rows, headers=headers)
