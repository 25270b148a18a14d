"""A terminal table of short texts and whole numbers, laid out as tabulate's "simple" format does.

Importing tabulate costs `servaudit status` about a sixth of its start-up (issue 16, goal 6): the
package looks its own version up in the installed distributions and loads wcwidth's tables. Most of
the CLI's tables need none of that: one line per row, texts of characters one column wide, whole
numbers. ``plain_table`` lays such a table out byte for byte as ``tabulate(rows, headers=headers)``
would, and answers None for anything else (a text tabulate would read as a number or a truth value,
a character of another width, a line break, spaces around a text, a column mixing numbers and
texts, no rows), which the caller then hands to tabulate. tests/test_plain_table.py holds the two
side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

NARROW = frozenset(
    [chr(c) for c in range(0x20, 0x7F)]
    + [chr(c) for c in range(0xA1, 0x180) if chr(c).isprintable()]
    + list("–—‘’‚“”„…€")
)
"""Characters one column wide in a terminal (and for wcwidth, which tabulate measures with): ASCII,
Latin-1 and Latin Extended-A letters and signs, dashes, quotes, the ellipsis and the euro sign."""
GAP = "  "
"""Between two columns; a header is at least this much wider than its text."""


def plain_table(rows: Any, headers: Any) -> str | None:
    """``rows`` under ``headers`` as tabulate's simple format lays them out, or None: use tabulate."""
    if not (isinstance(headers, (list, tuple)) and headers and all(_narrow(h) for h in headers)):
        return None
    if not (isinstance(rows, (list, tuple)) and rows):
        return None
    if not all(isinstance(row, (list, tuple)) and len(row) == len(headers) for row in rows):
        return None
    cells: list[list[str]] = []
    right: list[bool] = []
    for column in zip(*rows, strict=True):
        if all(type(value) is int for value in column):
            cells.append([str(value) for value in column])
            right.append(True)  # tabulate's "decimal" alignment of whole numbers: flush right
        elif all(type(value) is str and (value == "" or _word(value)) for value in column):
            cells.append(list(column))
            right.append(False)
        else:
            return None
    widths = [
        max(len(header) + len(GAP), *map(len, texts)) for header, texts in zip(headers, cells, strict=True)
    ]
    lines = [_line(headers, widths, right), GAP.join("-" * width for width in widths)]
    lines += [_line(row, widths, right) for row in zip(*cells, strict=True)]
    return "\n".join(lines)


def _line(texts: Sequence[str], widths: list[int], right: list[bool]) -> str:
    padded = (
        text.rjust(width) if flush_right else text.ljust(width)
        for text, width, flush_right in zip(texts, widths, right, strict=True)
    )
    return GAP.join(padded).rstrip()


def _narrow(text: Any) -> bool:
    return type(text) is str and all(character in NARROW for character in text)


def _word(text: str) -> bool:
    """A text tabulate keeps as text, as it is: no spaces around it, nothing it reads as a number
    (it tries float() and thousands separators) or as a truth value."""
    if not _narrow(text) or text != text.strip() or text in ("True", "False"):
        return False
    try:
        float(text.replace(",", ""))
    except ValueError:
        return True
    return False
