"""The whole-message parser makes the message the standard library's feed parser makes.

Compared object by object (headers as stored, payloads, preambles, epilogues, default types,
defects in their order, classes) on the corpus, on its messages cut and with their line breaks
changed, and on seeded MIME structures built to reach every branch of the feed parser: nested and
reused boundaries, boundaries that are prefixes of others, missing start and close boundaries,
digests, delivery-status blocks, message/rfc822 parts, broken headers, "From " lines, bare
carriage returns, 8-bit bytes. Each of these twice: with a small body decoded as it is read, as
most mail's are, and with every body read as a span of the message and decoded when the parse ends
and every preamble read in one piece, as large ones are (``SPAN_FROM``, ``PREAMBLE_LINES``).
"""

from __future__ import annotations

import random
import tracemalloc
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import pytest

from servaudit import message as mail
from servaudit import message_lines, message_parser
from servaudit.indexed_message import IndexedMessage
from servaudit.message_parser import MAX_DEPTH, TooDeep, parse_whole
from tests.corpus import samples


@pytest.fixture(params=["small bodies decoded as read", "every body a span"])
def span_from(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Both ways a body is taken: the small one, and the large one's for every body (a span) and
    every preamble (read in one piece from its first line)."""
    if request.param == "every body a span":
        monkeypatch.setattr(message_lines, "SPAN_FROM", -1)
        monkeypatch.setattr(message_parser, "PREAMBLE_LINES", 1)
    yield


def _shape(message: Message) -> object:
    """Everything a parsed message holds, comparable with ==."""
    state = dict(vars(message))
    for kept in ("_index", "_content_type", "_params", "kept"):  # IndexedMessage's caches
        state.pop(kept, None)
    payload = state.pop("_payload", None)
    defects = state.pop("defects", [])
    assert state.pop("policy") is message.policy
    return (
        type(message),
        sorted(state.items(), key=repr),
        [_shape(part) for part in payload] if isinstance(payload, list) else payload,
        [(type(defect), defect.args, getattr(defect, "line", None)) for defect in defects],
    )


def _same_as_feedparser(raw: bytes) -> None:
    expected = message_from_bytes(raw, IndexedMessage)
    assert _shape(parse_whole(raw, IndexedMessage)) == _shape(expected), raw


_LINE_BREAKS = ("\n", "\r\n", "\r")


def _mime(rng: random.Random, depth: int, boundaries: list[str]) -> str:
    """A seeded message text: headers (sometimes broken), then a body for its content type."""
    nl = rng.choice(_LINE_BREAKS) if rng.random() < 0.9 else ""
    kinds = ["text/plain", "text/html", "multipart/mixed", "multipart/alternative", "multipart/digest"]
    kinds += ["multipart/report", "message/rfc822", "message/delivery-status", "text/rfc822-headers"]
    kind = rng.choice(kinds) if depth < 4 else "text/plain"
    lines = []
    if rng.random() < 0.05:
        lines.append("From someone@example.org Mon Dec  7 10:00:00 2026" + nl)
    for _ in range(rng.randint(0, 3)):
        lines.append(rng.choice(["Subject: hi", "X-A: b", "Received: x", "From: a@b.example"]) + nl)
        if rng.random() < 0.2:
            lines.append(rng.choice([" folded", "\tfolded"]) + nl)
    oddities = [" leading continuation", ": no name", "From inside", "No colon here", "From tail"]
    oddities.append("\xe4: 8bit")
    if rng.random() < 0.15:
        lines.insert(rng.randint(0, len(lines)), rng.choice(oddities) + nl)
    boundary = ""
    if kind.startswith("multipart/") and rng.random() < 0.95:
        choices = ["b", "bb", "b-1", "=_x", " sp", "", *boundaries]
        boundary = rng.choice(choices)
        quoted = rng.choice(['"%s"', "%s"]) % boundary
        lines.append(f"Content-Type: {kind}; boundary={quoted}" + nl)
        if rng.random() < 0.1:
            lines.append("Content-Transfer-Encoding: " + rng.choice(["base64", "7bit", "Binary"]) + nl)
    elif rng.random() < 0.9:
        lines.append(f"Content-Type: {kind}" + rng.choice(["", "; charset=utf-8"]) + nl)
    if rng.random() < 0.92:
        lines.append(nl or "\n")
    body = _body(rng, kind, boundary, depth, [*boundaries, boundary], nl or "\n")
    return "".join(lines) + body


def _body(rng: random.Random, kind: str, boundary: str, depth: int, boundaries: list[str], nl: str) -> str:
    text_lines = ["text", "", "-- ", "--", "> quoted", "From here", "a: b", " x", "\xfc8bit", "\r", "."]
    text_lines += ["--" + b + rng.choice(["", "--", "  ", " junk", "--  "]) for b in boundaries]

    def text(count: int) -> str:
        breaks = [nl] * 6 + list(_LINE_BREAKS)
        return "".join(rng.choice(text_lines) + rng.choice(breaks) for _ in range(count))

    if kind.startswith("multipart/"):
        out = [text(rng.randint(0, 2))]
        for _ in range(rng.randint(0, 3)):
            out.append("--" + boundary + rng.choice(["", "", "  ", "\t"]) + nl)
            if rng.random() < 0.1:
                out.append("--" + boundary + nl)  # a doubled boundary makes no part
            out.append(_mime(rng, depth + 1, boundaries))
            out.append(rng.choice([nl, "", nl + nl]))
        if rng.random() < 0.85:
            out.append("--" + boundary + "--" + rng.choice(["", " ", nl, nl + nl, "\r\n"]))
        out.append(text(rng.randint(0, 2)))
        return "".join(out)
    if kind == "message/rfc822":
        return _mime(rng, depth + 1, boundaries)
    if kind == "message/delivery-status":
        blocks = [f"Reporting-MTA: dns; x{nl}", f"Action: failed{nl}Status: 5.0.0{nl}", text(1)]
        chosen = rng.sample(blocks, rng.randint(0, 3))
        return rng.choice([nl, nl + nl, ""]).join(chosen) + text(rng.randint(0, 1))
    return text(rng.randint(0, 5))


def _generated(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [_mime(rng, 0, []).encode("utf-8", "surrogateescape") for _ in range(count)]


@pytest.mark.usefixtures("span_from")
def test_the_corpus_parses_as_the_feed_parser_parses_it() -> None:
    for sample in samples():
        raw = sample.path.read_bytes()
        _same_as_feedparser(raw)
        text = raw.decode("latin-1")
        for line_break in _LINE_BREAKS:
            _same_as_feedparser(text.replace("\r\n", "\n").replace("\n", line_break).encode("latin-1"))
        rng = random.Random(len(raw))
        _same_as_feedparser(raw[: rng.randint(0, len(raw))])


@pytest.mark.usefixtures("span_from")
def test_generated_mime_structures_parse_as_the_feed_parser_parses_them() -> None:
    for raw in _generated(4000, seed=16):
        _same_as_feedparser(raw)


def test_a_plain_message_is_the_one_message_from_bytes_makes() -> None:
    """What flufl.bounce is given (servaudit.message.parse_plain): Message, not IndexedMessage."""
    raws = [sample.path.read_bytes() for sample in samples()] + _generated(1000, seed=61)
    for raw in raws:
        assert _shape(mail.parse_plain(raw)) == _shape(message_from_bytes(raw)), raw
    levels = b"".join(b"Content-Type: message/rfc822\n\n" for _ in range(MAX_DEPTH + 1))
    assert _shape(mail.parse_plain(levels + b"x")) == _shape(message_from_bytes(levels + b"x"))


@pytest.mark.usefixtures("span_from")
def test_a_message_longer_than_the_feed_parsers_chunks_parses_alike() -> None:
    """The stdlib reads 8192 characters at a time; a line break split between two reads is one."""
    for cut in range(8185, 8195):
        body = "x" * cut + "\r\n--b\r\nContent-Type: text/plain\r\n\r\nsecond\r\n--b--\r\n"
        raw = ("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n" + body).encode()
        _same_as_feedparser(raw)
        _same_as_feedparser(("Subject: " + "y" * cut + "\r\n\r\nbody\r").encode())


def test_deeper_nesting_is_left_to_the_standard_library() -> None:
    levels = b"".join(b"Content-Type: message/rfc822\n\n" for _ in range(MAX_DEPTH + 1))
    nested = levels + b"Subject: deep\n\nx"
    with pytest.raises(TooDeep):
        parse_whole(nested, IndexedMessage)
    assert _shape(mail.parse(nested)) == _shape(message_from_bytes(nested, IndexedMessage))


def test_the_line_break_at_the_end_is_the_one_nlcre_eol_finds() -> None:
    from email.feedparser import NLCRE_eol  # type: ignore[attr-defined]

    from servaudit.message_lines import eol_length

    rng = random.Random(3)
    for _ in range(20000):
        pieces = ["\r", "\n", "\r\n", "a", " ", "\x85", "\u2028"]
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        match = NLCRE_eol.search(text)
        assert eol_length(text) == (len(match.group(0)) if match else 0), repr(text)


def test_a_boundary_line_is_matched_as_the_feed_parsers_pattern_matches_it() -> None:
    import re

    from servaudit.message_parser import _BoundaryLine

    rng = random.Random(46)
    boundaries = ["b", "=_x", "a.b*(c)", " sp", "", "-", "--", "\udcff"]
    pieces = ["--", "-", " ", "\t", "\r", "\n", "\r\n", "x", "b", "."]
    for _ in range(30000):
        boundary = rng.choice(boundaries)
        start = "--" + boundary if rng.random() < 0.5 else ""  # half of them start as a boundary line
        line = start + "".join(rng.choice([*pieces, "--" + boundary]) for _ in range(rng.randint(0, 5)))
        pattern = re.compile(
            "(?P<sep>" + re.escape("--" + boundary) + r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
        )
        expected = pattern.match(line)
        found = _BoundaryLine(boundary).match(line)
        if expected is None:
            assert found is None, (boundary, line)
        else:
            assert found == (expected.group("end") is not None, expected.group("linesep")), (boundary, line)


def _peak_of_parse(raw: bytes) -> tuple[int, int]:
    """What parsing allocates above the caller's bytes: (peak, kept) bytes, traced by tracemalloc."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        message = parse_whole(raw, IndexedMessage)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message is not None
    return peak - before, kept - before


def _large(body_lines: list[bytes], line_break: bytes) -> list[tuple[str, bytes]]:
    """Large messages: one text body; an attachment in a multipart (whose part loses the line
    break before the close boundary); a large preamble; a multipart whose boundary never comes
    (all of it the preamble, then the payload); the first two with 8-bit bytes in a header or part."""
    body = line_break.join(body_lines) + line_break
    headers = line_break.join([b"From: a@b.example", b"Subject: gr\xc3\xbc\xc3\x9fe", b"", b""])
    text = headers + body
    multipart = line_break.join(
        [
            b'Content-Type: multipart/mixed; boundary="b"',
            b"",
            b"--b",
            b'Content-Type: text/plain; charset="utf-8"',
            b"",
            b"Viele Gr\xc3\xbc\xc3\x9fe",
            b"--b",
            b"Content-Type: application/pdf",
            b"Content-Transfer-Encoding: base64",
            b"",
            body + b"--b--",
            b"",
        ]
    )
    preamble = line_break.join(
        [b'Content-Type: multipart/mixed; boundary="b"', b"", body + b"--b", b"", b"--b--"]
    )
    no_boundary = line_break.join([b'Content-Type: multipart/mixed; boundary="b"', b"", body])
    return [("text", text), ("attachment", multipart), ("preamble", preamble), ("no boundary", no_boundary)]


def test_a_large_body_is_decoded_once_and_nothing_else_of_the_message_is_held() -> None:
    """The feed parser (and this parser before) decoded all of the message, cut each body from it
    and cut the last part's again: four times a large attachment at the peak. Now the peak above
    the caller's bytes is the text the message keeps (one character a byte) and little more."""
    rng = random.Random(16)
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    lines = [bytes(rng.choices(alphabet, k=76)) for _ in range(40_000)]  # 3 MB of base64
    for line_break in (b"\n", b"\r\n"):
        for shape, raw in _large(lines, line_break):
            assert _shape(parse_whole(raw, IndexedMessage)) == _shape(message_from_bytes(raw, IndexedMessage))
            peak, kept = _peak_of_parse(raw)
            # The payloads (one character a byte: the body is ASCII) and the message's objects.
            assert kept < len(raw) + 65536, (shape, line_break, kept / len(raw))
            assert peak < 1.05 * len(raw), (shape, line_break, peak / len(raw))


def test_a_span_loses_the_line_breaks_a_text_loses() -> None:
    """A body read as a span of the message loses the line break at its end (before a boundary)
    and at its start (an epilogue's after the close boundary) as its text loses them."""
    from email.feedparser import NLCRE_bol  # type: ignore[attr-defined]

    from servaudit.message_lines import Lines, Span, eol_length

    rng = random.Random(7)
    for _ in range(20000):
        pieces = [b"\r", b"\n", b"\r\n", b"a", b" ", b"\xe4"]
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
        start = rng.randint(0, len(data))
        end = rng.randint(start, len(data))
        text = data[start:end].decode("ascii", "surrogateescape")
        lines = Lines(data)
        eol = eol_length(text)
        assert lines.text_of(lines.without_last_break(Span(start, end))) == text[: len(text) - eol]
        bol = NLCRE_bol.match(text)
        without = text[len(bol.group(0)) :] if bol else text
        assert lines.text_of(lines.without_first_break(Span(start, end))) == without
        assert lines.without_last_break(text) == text[: len(text) - eol]
        assert lines.without_first_break(text) == without
