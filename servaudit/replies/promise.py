"""The reply time an acknowledgement or auto-reply promises, read into a structured promise.

"innerhalb von 48 Stunden", "within 2 business days", "in der Regel binnen 24 Stunden",
"within one working day", "am nächsten Werktag", "spätestens am 12.12." become a
``servaudit.judgement.Promise``: hours or days, on the calendar or the business clock, or a
deadline date. Whether the promise was kept is measured later (servaudit/measure/findings.py)
against the first human answer; here only the text is read, once, when the message is judged.
The acknowledgement vocabulary's ``response_time`` phrases say *that* a time is stated; this
module says *which*. A stated time it cannot read is no promise (never a guessed one).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from servaudit.judgement import Promise

NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "ten": 10, "twelve": 12, "fourteen": 14,
    "ein": 1, "eine": 1, "einem": 1, "einer": 1, "eines": 1, "zwei": 2, "drei": 3, "vier": 4,
    "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "zehn": 10, "zwölf": 12, "vierzehn": 14,
}  # fmt: skip
"""Number words a promise is written with (German and English)."""

_NUMBER = r"(\d{1,3}|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r")"
_LEAD = (
    r"(?:within the next|within|in the next|in under|innerhalb der nächsten|innerhalb(?: von)?|binnen"
    r"|in den nächsten|spätestens (?:nach|innerhalb(?: von)?|binnen))"
)
_BUSINESS = r"(?:business|working|werk|arbeits|geschäfts)"
# unit → (hours per unit or None, days per unit or None, business?)
_UNITS: tuple[tuple[str, float | None, int | None, bool], ...] = (
    (rf"(?:{_BUSINESS}[ -]?(?:stunden|hours?))", 1.0, None, True),
    (r"(?:business|working) days?|werktag(?:e|en|es)?|arbeitstag(?:e|en|es)?", None, 1, True),
    (r"hours?|stunden|std\.?|h\b", 1.0, None, False),
    (r"minutes?|minuten|min\.?", 1 / 60, None, False),
    (r"days?|tag(?:e|en|es)?", None, 1, False),
    (r"weeks?|woche(?:n)?", None, 7, False),
)
_DURATION = re.compile(
    rf"(?<!\w){_LEAD}\s+(?:(?:the|den|der|einem|einer)\s+)?{_NUMBER}\s*-?\s*("
    + "|".join(f"(?:{u[0]})" for u in _UNITS)
    + r")(?!\w)"
)
_NEXT_DAY = re.compile(
    r"(?<!\w)(?:(?:am|bis zum|by the end of the|within the)\s+)?(?:next|nächsten)\s+"
    r"(business day|working day|werktag|arbeitstag)(?!\w)"
)
_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "mär": 3, "apr": 4, "may": 5, "mai": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "okt": 10, "nov": 11, "dec": 12, "dez": 12,
}  # fmt: skip
_DEADLINE_LEAD = r"(?:spätestens(?: am| bis(?: zum)?)?|bis(?: spätestens)?(?: zum| am)|no later than|by)"
_NUMERIC_DATE = re.compile(
    rf"(?<!\w){_DEADLINE_LEAD}\s+(?:\w+,?\s+)?(\d{{1,2}})\.\s?(\d{{1,2}})\.(?:\s?(\d{{4}}|\d{{2}})(?!\d))?"
)
_NAMED_DATE = re.compile(
    rf"(?<!\w){_DEADLINE_LEAD}\s+(?:\w+,?\s+)?(?:(\d{{1,2}})(?:st|nd|rd|th|\.)?\s+"
    r"([a-zäöü]{3})[a-zäöü]*|([a-z]{3})[a-z]*\s+(\d{1,2})(?:st|nd|rd|th)?)(?:,?\s+(\d{4}))?(?!\w)"
)


def _number(word: str) -> int | None:
    return int(word) if word.isdigit() else NUMBERS.get(word)


_LEADS = ("within", "in the next", "in under", "innerhalb", "binnen", "in den nächsten", "spätestens")
"""A word of each alternative of _LEAD: a text with none of them states no duration (the pattern is
not searched through every reply for nothing)."""


def _duration(text: str) -> Promise | None:
    durations = _DURATION.finditer(text) if any(lead in text for lead in _LEADS) else ()
    for found in durations:
        amount = _number(found.group(1))
        if not amount:
            continue
        unit = found.group(2)
        for pattern, hours, days, business in _UNITS:
            if re.fullmatch(pattern, unit):
                phrase = found.group(0)
                if days is not None:
                    return Promise(phrase=phrase, days=amount * days, business=business)
                assert hours is not None
                return Promise(phrase=phrase, hours=amount * hours, business=business)
    found_next = _NEXT_DAY.search(text) if "next" in text or "nächsten" in text else None
    if found_next:
        return Promise(phrase=found_next.group(0), days=1, business=True)
    return None


def _year(day: int, month: int, year: str | None, written: date) -> date | None:
    """The promised date; without a year, the first such date on or after the day it was written."""
    try:
        if year:
            full = int(year) + (2000 if len(year) == 2 else 0)
            return date(full, month, day)
        candidate = date(written.year, month, day)
        return candidate if candidate >= written else date(written.year + 1, month, day)
    except ValueError:
        return None


def _told(written: date | Callable[[], date]) -> date:
    return written() if callable(written) else written


_DEADLINE_LEADS = ("spätestens", "bis", "no later than", "by")
"""A word of each alternative of _DEADLINE_LEAD: a text with none of them states no deadline."""


def _deadline(text: str, written: date | Callable[[], date]) -> Promise | None:
    if not any(lead in text for lead in _DEADLINE_LEADS):
        return None
    found = _NUMERIC_DATE.search(text)
    if found:
        when = _year(int(found.group(1)), int(found.group(2)), found.group(3), _told(written))
        if when:
            return Promise(phrase=found.group(0), deadline=when.isoformat())
    for named in _NAMED_DATE.finditer(text):
        day_text, month_text, month_first, day_first, year = named.groups()
        month = _MONTHS.get((month_text or month_first or "")[:3])
        day = day_text or day_first
        if month and day:
            when = _year(int(day), month, year, _told(written))
            if when:
                return Promise(phrase=named.group(0), deadline=when.isoformat())
    return None


def read_promise(text: str, written: date | Callable[[], date]) -> Promise | None:
    """The promise in a reply's folded text (lower case), written on ``written`` (its Date, for dates
    without a year; or what tells it, asked only for such a date); None when it states no reply time
    servaudit can read."""
    return _duration(text) or _deadline(text, written)
