"""``plain_addresses`` gives the addresses ``getaddresses`` reads, or nothing.

Compared on every address header of the corpus (as ``message.header`` gives it) and on seeded
lists of addresses, names, quoted names, comments, groups, routes and odd characters.
"""

from __future__ import annotations

import random
from email.utils import getaddresses

from servaudit import message as mail
from servaudit.address_list import plain_addresses
from tests.corpus import samples

_ADDRESS_HEADERS = ("From", "To", "Cc", "Reply-To", "Sender", "Return-Path", "Delivered-To")


def _same_or_unsure(value: str) -> bool:
    """True where ``plain_addresses`` answered (and then with what getaddresses reads)."""
    plain = plain_addresses(value)
    if plain is None:
        return False
    assert plain == [addr for _, addr in getaddresses([value]) if "@" in addr], value
    return True


def test_every_corpus_address_header_reads_as_getaddresses_reads_it() -> None:
    answered = 0
    for sample in samples():
        message = mail.parse(sample.path.read_bytes())
        for name in _ADDRESS_HEADERS:
            answered += _same_or_unsure(mail.header(message, name))
    assert answered > 800


def _address_list(rng: random.Random) -> str:
    """Half of them with odd pieces too."""
    locals_ = ["a", "anna.schmidt", "x+tag", "o'neil", "A=B?c"]
    domains = ["b.example", "mail-1.example", "x"]
    words = ["Anna", "Dr.", "Müller", '"Doe, John"', "'s", "=?utf-8?q?x?=", '"x, y <a@b>"', '""', "."]
    seps = [", ", ",", " , ", " ,"]
    ats = ["@"]
    brackets = ([" <", "<"], [">"])
    if rng.random() < 0.5:
        ats += [" @ ", ""]
        brackets = ([" <", "<", " < "], [">", " >", ""])
        locals_ += ["a..b", ".a", "a.", '"q u"', "Ä", "a\\b", "=?x?="]
        domains += ["b.", "[1.2.3.4]", "ü.example", "b..c", ""]
        words += ['"a\\"b"', "(c)", "a:b", "x@y", ";", "<", ">", "\\", "[", "]", "", "\u00a0"]
        seps += [",,", " "]
    items = []
    for _ in range(rng.randint(1, 3)):
        address = rng.choice(locals_) + rng.choice(ats) + rng.choice(domains)
        if rng.random() < 0.6:
            name = " ".join(rng.choice(words) for _ in range(rng.randint(0, 3)))
            address = name + rng.choice(brackets[0]) + address + rng.choice(brackets[1])
        items.append(address)
    joined = items[0]
    for item in items[1:]:
        joined += rng.choice(seps) + item
    return " ".join(joined.split())  # as message.header folds it


def test_generated_address_lists_read_as_getaddresses_reads_them() -> None:
    rng = random.Random(16)
    answered = sum(_same_or_unsure(_address_list(rng)) for _ in range(6000))
    assert answered > 1500
