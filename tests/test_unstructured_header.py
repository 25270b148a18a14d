"""``unstructured`` answers what the header registry shows, or nothing.

Compared with ``str(email.policy.default.header_fetch_parse(name, value))`` on every header of the
corpus and on seeded headers made of encoded words (q and b, several charsets, bad padding, bad
characters, unknown charsets, languages, escapes first), plain words, words with an encoded word
inside, 8-bit bytes, control characters and folded lines.
"""

from __future__ import annotations

import base64
import random
from email import headerregistry, policy

from servaudit import message as mail
from servaudit.unstructured_header import _LINE_BREAKS, TYPED, unstructured
from tests.corpus import samples


def _registry(name: str, value: str) -> str:
    return str(policy.default.header_fetch_parse(name, value))


def _same_or_unsure(value: str) -> bool:
    """True where ``unstructured`` answered (and then as the registry does)."""
    found = unstructured(value)
    if found is None:
        return False
    assert found == _registry("Subject", value), value
    assert found == _registry("X-Anything", value), value
    return True


def test_the_typed_names_are_those_the_registry_parses_otherwise() -> None:
    unstructured_classes = (headerregistry.UnstructuredHeader, headerregistry.UniqueUnstructuredHeader)
    registered = headerregistry._default_header_map.items()  # type: ignore[attr-defined]
    typed = {name for name, cls in registered if cls not in unstructured_classes}
    assert typed == TYPED


def test_every_corpus_header_reads_as_the_registry_reads_it() -> None:
    answered = 0
    for sample in samples():
        for part in mail.parse(sample.path.read_bytes()).walk():
            for name, value in part.raw_items():
                if name.lower() not in TYPED:
                    answered += _same_or_unsure(value)
    assert answered > 1000


def _encoded_word(rng: random.Random, odd: bool) -> str:
    text = rng.choice(["Grüße", "Bestätigung:", "a b", "", "x_y", "Ünïcödé ", "=", "?", "\t", "Ω", "é" * 30])
    charsets = ["utf-8", "UTF-8", "iso-8859-1", "latin-1", "us-ascii", "windows-1252"]
    charset = rng.choice([*charsets, "nope", "utf-8*de", "utf-16", "hex"] if odd else charsets)
    try:
        data = text.encode(charset.partition("*")[0])
    except (LookupError, UnicodeError):
        data = text.encode("utf-8")
    if rng.random() < 0.5:
        encoded = base64.b64encode(data).decode()
        if odd and rng.random() < 0.2:
            encoded = encoded.rstrip("=") or "@"
        kind = rng.choice("bB")
    else:
        plain = [chr(c) if chr(c).isascii() and chr(c).isalnum() else None for c in data]
        encoded = "".join(c or f"={data[i]:02{rng.choice('Xx')}}" for i, c in enumerate(plain))
        encoded = encoded.replace("=20", rng.choice(["_", "=20"]))
        if odd and rng.random() < 0.1:
            encoded = rng.choice(["=zz", "=4", "=", "?"]) + encoded
        kind = rng.choice("qQ")
    return f"=?{charset}?{kind}?{encoded}?="


def _header(rng: random.Random) -> str:
    """Half of them with odd words too."""
    pieces = [" ", "  ", "\t", "\r\n ", "\n\t", "\r\n\t"]
    words = ["Re:", "AW:", "Ihre", "Anfrage", "(c)", '"q"', "x=y", "?"]
    odd = rng.random() < 0.5
    if odd:
        words += ["=?", "?=", "a=?b", "=?utf-8?q?x?=y", "\x00", "\x0b", "\x1c", "\udcc3\udcbc", "ok\udcff"]
        words += ["", "=?utf-8?b?", "=?utf-8?q?a?= b"]
    out = []
    for _ in range(rng.randint(0, 6)):
        out.append(_encoded_word(rng, odd) if rng.random() < 0.5 else rng.choice(words))
        out.append(rng.choice(pieces) if rng.random() < 0.85 else "")
    return "".join(out)


def test_generated_encoded_and_odd_headers_read_as_the_registry_reads_them() -> None:
    rng = random.Random(16)
    answered = [value for value in (_header(rng) for _ in range(5000)) if _same_or_unsure(value)]
    assert sum("=?" in _LINE_BREAKS.sub("", value) for value in answered) > 1000
