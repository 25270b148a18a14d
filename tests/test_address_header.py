"""``one_named_address`` answers what the header registry shows for an address header, or nothing.

Compared with ``str(email.policy.default.header_fetch_parse("From", value))`` on every address
header of the corpus and on seeded headers: names of atoms, 8-bit bytes and encoded words (whose
decoded text may hold specials, quotes, backslashes, whitespace), odd words, groups, several
addresses, quoted and unusual addresses, folded lines.
"""

from __future__ import annotations

import random
from email import policy

from servaudit import message as mail
from servaudit.address_header import NAMES, one_named_address
from tests.corpus import samples


def _same_or_unsure(value: str) -> bool:
    shown = one_named_address(value)
    if shown is None:
        return False
    for name in ("From", "To", "Reply-To"):
        assert shown == str(policy.default.header_fetch_parse(name, value)), value
    return True


def test_the_names_are_the_registrys_address_headers() -> None:
    from email import headerregistry

    registered = headerregistry._default_header_map.items()  # type: ignore[attr-defined]
    assert {name for name, cls in registered if issubclass(cls, headerregistry.AddressHeader)} == NAMES


def test_every_corpus_address_header_reads_as_the_registry_reads_it() -> None:
    answered = 0
    for sample in samples():
        for part in mail.parse(sample.path.read_bytes()).walk():
            for name, value in part.raw_items():
                if name.lower() in NAMES:
                    answered += _same_or_unsure(value)
    assert answered > 50


def _header(rng: random.Random) -> str:
    """Half of them with odd words, charsets, addresses and tails too."""
    odd = rng.random() < 0.5
    texts = ["Krüger", "Müller, Anna", 'a"b', "a\\b", "x y", " lead", "tab\tin", "(c)", "Ω", "a.b", "  "]
    charsets = ["utf-8", "iso-8859-1"] + (["nope", "utf-16"] if odd else [])
    words = ["Anna", "Sabine", "M\udcc3\udcb6bel", "Y\udcc4\udcb1lmaz", "O'Neil", "(Support)", "(a, b: c)"]
    addresses = ["a@b.example", "anna.schmidt@x-y.example", "a@b"]
    tails = ["", " (Mail Delivery System)"]
    comments = ["(Mail Delivery System)", "(x)", "()", '(a "b")', "(a, b; <c>)"]
    words += ['"Jana Keller via RT"', '"Doe, J."', '"M\udcc3\udcb6bel (x)"', '"a@b"']
    if odd:
        words += ["Dr.", '"Q"', "a,b", "\x01", "\udcff", "", "a@b", "<x>", "x=?y", "=?", "?="]
        words += ["(x (y))", "(\\))", '"=?utf-8?q?x?="', '""', '"two  spaces"', '" lead"', '"tab\tin"']
        words += ['"a\\"b"', '"Ω"', '"x\ty"']
        addresses += ['"q"@b', "a@[1.2.3.4]", "a@b."]
        tails += [" ", ", c@d", "(c)"]
        comments += ["(x (y))", "(\\))", "(M\udcc3\udcb6bel)", "(=?utf-8?q?a?=)", "(", "(a) (b)"]
    if rng.random() < 0.2:  # an address, then a comment
        space = rng.choice([" ", "\t", "\r\n "] + (["", "  x "] if odd else []))
        comment = space + rng.choice(comments) + rng.choice(tails[:2])
        return rng.choice(["", " "]) + rng.choice(addresses) + comment
    out = []
    for _ in range(rng.randint(0, 4)):
        if rng.random() < 0.4:
            text = rng.choice(texts)
            charset = rng.choice(charsets)
            try:
                data = text.encode(charset)
            except (LookupError, UnicodeError):
                data = text.encode("utf-8")
            encoded = "".join(chr(c) if chr(c).isascii() and chr(c).isalnum() else f"={c:02X}" for c in data)
            out.append(f"=?{charset}?q?{encoded}?=")
        else:
            out.append(rng.choice(words))
        out.append(rng.choice([" ", "  ", "\t", "\r\n ", "\n\t"]))
    opening = rng.choice(["<", "< "]) if odd else "<"
    address = opening + rng.choice(addresses) + ">" + rng.choice(tails)
    return rng.choice(["", " ", "\n "]) + "".join(out) + address


def test_generated_address_headers_read_as_the_registry_reads_them() -> None:
    rng = random.Random(16)
    answered = sum(_same_or_unsure(_header(rng)) for _ in range(4000))
    assert answered > 1000
