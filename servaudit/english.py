"""Plain English formats of a duration and a moment, for what a command prints for a person in
English or for a machine (`status`, the report's CSV): on the floor, so that a command printing
them does not load the report and its template engine."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from servaudit.i18n import MISSING, Locale


@cache
def english() -> Locale:
    """The English locale, made at its first use: its catalogue costs some 7 ms to read, and a
    `status` of inquiries nobody answered yet (every duration missing) needs none."""
    return Locale("en")


def __getattr__(name: str) -> Locale:
    # ENGLISH, the English locale, as the report imports it: made when first asked for.
    if name == "ENGLISH":
        return english()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def duration(seconds: float | None) -> str:
    """'2 h 5 min', '45 s', '3 d 4 h'; '–' for no value (English; see Locale for German)."""
    return MISSING if seconds is None else english().duration(seconds)


def moment(value: datetime | None) -> str:
    return "–" if value is None else value.astimezone().strftime("%Y-%m-%d %H:%M:%S")
