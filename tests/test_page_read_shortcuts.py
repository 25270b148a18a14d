"""The shortcuts discovery reads pages with find exactly what the plain way finds: each is held to the
plain computation it replaces over generated input (hypothesis), not over a few examples."""

from __future__ import annotations

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from servaudit.discover import phones
from servaudit.discover.phones import HOME_REGION, MAX_TRIES, Phone, phones_in_text

PHONE_PIECES = (
    "0800 1234567", "+49 30 1234567", "(030) 123 45 67", "0180 5 123456", "01805 123456", "0049 89 123456",
    "030/1234567", "+1 650 253 0000", "0900 1 234567", "12/10/2020", "2012-01-02 08", ":30", " ext. 12",
    " x 5", "123-456", "211-227 (2003)", "Tel.:", "Fax", "abc", "€", "%", "-", " - ", ".", "/", "\n", " ",
    "\u00a0", "\u2013", "٣", "Mo–Fr 8–20 Uhr", "info@site0003.example", "site0000",
)  # fmt: skip


def whole_text(text: str, max_tries: int) -> list[Phone]:
    """phones_in_text as it was: phonenumbers' matcher over the whole text at once, every number read anew."""
    if "0" not in text and "+" not in text:
        return []
    found = []
    matcher = phonenumbers.PhoneNumberMatcher(text, HOME_REGION, phonenumbers.Leniency.VALID, max_tries)
    for match in matcher:
        if phones._DIALLED.match(match.raw_string):
            phone = phones._phone(match.number)
            if phone is not None:
                found.append(phone)
    return found


texts = st.lists(
    st.one_of(st.sampled_from(PHONE_PIECES), st.text(alphabet="0123456789 +-/().\nx€%a:", max_size=14)),
    max_size=14,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(texts, st.one_of(st.just(MAX_TRIES), st.integers(1, 6)))
def test_phones_line_by_line_are_the_whole_texts(text: str, max_tries: int) -> None:
    # The lines (and numbers) remembered from earlier examples are used here as they would be on a
    # site's next page, also under a smaller budget of failed tries than they were first read with.
    assert phones_in_text(text, max_tries) == whole_text(text, max_tries)


NOISE = "1-1 " * 3
"""Each "1-1" is a failed try of the matcher's (a few, in fact): enough of them and its budget runs out."""


def test_a_remembered_line_spends_its_tries_again() -> None:
    text = f"{NOISE}\n{NOISE}\nTel. 0800 1234567"
    phones_in_text(NOISE)  # remembered with the tries it took
    assert [p.e164 for p in whole_text(text, MAX_TRIES)] == ["+498001234567"]
    assert whole_text(text, 6) == phones_in_text(text, 6) == []
    assert [p.e164 for p in phones_in_text(text)] == ["+498001234567"]


def test_a_remembered_line_is_read_again_when_fewer_tries_are_left() -> None:
    line = f"{NOISE}Tel. 0800 1234567"
    assert [p.e164 for p in phones_in_text(line)] == ["+498001234567"]  # remembered with its tries
    assert whole_text(line, 3) == phones_in_text(line, 3) == []


def test_a_line_cut_short_by_the_budget_is_not_remembered() -> None:
    line = f"{NOISE}Tel. 0800 1234568"
    assert phones_in_text(line, 3) == []  # the budget ran out before the number
    assert [p.e164 for p in phones_in_text(line)] == ["+498001234568"]
