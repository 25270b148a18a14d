"""Plain English formats of a duration and a moment, for what a command prints for a person in
English or for a machine (`status`, the report's CSV): on the floor, so that a command printing
them does not load the report and its template engine."""

from __future__ import annotations

from datetime import datetime

from servaudit.i18n import Locale

ENGLISH = Locale("en")


def duration(seconds: float | None) -> str:
    """'2 h 5 min', '45 s', '3 d 4 h'; '–' for no value (English; see Locale for German)."""
    return ENGLISH.duration(seconds)


def moment(value: datetime | None) -> str:
    return "–" if value is None else value.astimezone().strftime("%Y-%m-%d %H:%M:%S")
