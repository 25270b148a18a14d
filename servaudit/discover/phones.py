"""Phone numbers in pages, parsed by `phonenumbers` and classified the way German callers pay for them."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import unquote

import phonenumbers
from phonenumbers import PhoneNumberType

HOME_REGION = "DE"
FREE, SHARED_COST, PREMIUM, GEOGRAPHIC, MOBILE = "free", "shared-cost", "premium", "geographic", "mobile"
INTERNATIONAL, PERSONAL, OTHER = "international", "personal", "other"

_TYPES = {
    PhoneNumberType.TOLL_FREE: FREE,  # 0800
    PhoneNumberType.SHARED_COST: SHARED_COST,  # 0180x
    PhoneNumberType.PREMIUM_RATE: PREMIUM,  # 0900
    PhoneNumberType.FIXED_LINE: GEOGRAPHIC,
    PhoneNumberType.MOBILE: MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: GEOGRAPHIC,
    PhoneNumberType.PERSONAL_NUMBER: PERSONAL,  # 0700
}
# In running text only what looks dialled is taken: a number starting with + or 0, so that order,
# register or tax numbers on an imprint page are not read as phone numbers.
_DIALLED = re.compile(r"^\(?(\+|00|0)")


@dataclass(frozen=True)
class Phone:
    e164: str
    display: str
    """For reading: national format for German numbers, international for others."""
    type: str
    """free | shared-cost | premium | geographic | mobile | personal | international | other."""


KNOWN_MAX = 4096
"""Numbers and lines remembered as read per process at most (a site repeats them on every page)."""
LINE_MAX = 500
"""Longer lines are not remembered (a footer's line is short; a page without breaks is one long line)."""
MAX_TRIES = 65535
"""Failed tries phonenumbers' matcher spends on one text before it gives up (its own default)."""
_DIGIT = re.compile(r"\d")
"""A digit as the matcher's candidate pattern reads one (Unicode decimal digits)."""
_known: dict[str, Phone | None] = {}
"""A match's raw string → what it reads as: the matcher's number is parse(raw string, HOME_REGION)
with the raw input cleared, so the Phone made of it depends on the raw string alone."""
_lines: dict[str, tuple[tuple[Phone, ...], int]] = {}
"""A line → its dialled numbers and the failed tries the matcher spent on it, when no budget bound it."""


def classify(number: phonenumbers.PhoneNumber) -> str:
    if phonenumbers.region_code_for_number(number) != HOME_REGION:
        return INTERNATIONAL
    return _TYPES.get(phonenumbers.number_type(number), OTHER)


def _phone(number: phonenumbers.PhoneNumber) -> Phone | None:
    if not phonenumbers.is_valid_number(number):
        return None
    german = phonenumbers.region_code_for_number(number) == HOME_REGION
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL if german else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return Phone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        display=phonenumbers.format_number(number, style),
        type=classify(number),
    )


@functools.lru_cache(maxsize=KNOWN_MAX)
def parse_phone(text: str) -> Phone | None:
    """One number as written (a tel: link's target or a page's text), or None when it is no valid number."""
    text = unquote(text).strip()
    try:
        return _phone(phonenumbers.parse(text, HOME_REGION))
    except phonenumbers.NumberParseException:
        return None


def phones_in_text(text: str, max_tries: int = MAX_TRIES) -> list[Phone]:
    """The dialled numbers in a text, as phonenumbers' matcher finds them in the whole text, read line
    by line so that a line seen before (a site's footer, shown on every page) is not matched again.

    Line by line is the same as the whole text: the matcher's candidate pattern matches no line break
    (nor does its look at the characters around a candidate find anything in one), and its budget of
    failed tries (``max_tries``, shared by the whole text) is passed on from line to line."""
    if "0" not in text and "+" not in text:
        # Only dialled numbers are taken (_DIALLED: a match starting with "+" or "0"), so a text
        # without either has none; phonenumbers' matcher was a tenth of discovery's CPU for such pages.
        return []
    found: list[Phone] = []
    left = max_tries
    for line in text.split("\n"):
        if left <= 0:
            break  # the whole text's matcher stops for good once its tries are spent
        if not _DIGIT.search(line):
            continue  # every candidate has a digit: no tries spent, nothing found
        known = _lines.get(line)
        if known is None or known[1] >= left:
            known = _match_line(line, left)
            if known[1] < left and len(line) <= LINE_MAX:  # the budget did not bind: any budget finds this
                if len(_lines) >= KNOWN_MAX:
                    _lines.clear()
                _lines[line] = known
        found += known[0]
        left -= known[1]
    return found


def _match_line(line: str, max_tries: int) -> tuple[tuple[Phone, ...], int]:
    """The dialled numbers in one line and the matcher's failed tries spent on it."""
    matcher = phonenumbers.PhoneNumberMatcher(line, HOME_REGION, phonenumbers.Leniency.VALID, max_tries)
    found = []
    for match in matcher:
        raw = match.raw_string
        if not _DIALLED.match(raw):
            continue
        if raw in _known:
            phone = _known[raw]
        else:
            phone = _phone(match.number)  # formatting and typing it was half the cost of a page's number
            if len(_known) >= KNOWN_MAX:
                _known.clear()
            _known[raw] = phone
        if phone is not None:
            found.append(phone)
    return tuple(found), max_tries - matcher._max_tries
