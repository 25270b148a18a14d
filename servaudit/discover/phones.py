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
"""Numbers remembered as read per process at most (a site repeats its numbers on every page)."""
_known: dict[str, Phone | None] = {}
"""A match's raw string → what it reads as: the matcher's number is parse(raw string, HOME_REGION)
with the raw input cleared, so the Phone made of it depends on the raw string alone."""


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


def phones_in_text(text: str) -> list[Phone]:
    if "0" not in text and "+" not in text:
        # Only dialled numbers are taken (_DIALLED: a match starting with "+" or "0"), so a text
        # without either has none; phonenumbers' matcher was a tenth of discovery's CPU for such pages.
        return []
    found = []
    for match in phonenumbers.PhoneNumberMatcher(text, HOME_REGION, leniency=phonenumbers.Leniency.VALID):
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
    return found
