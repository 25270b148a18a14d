"""Reading only the start of a long reply gives what reading all of it gives.

servaudit.message decodes a part's payload from its start (``decoded_head``), feeds an HTML part
to the text extractor as far as it reads (``body_text``), and finds a reply's excerpt in a window
of its text (``new_text_head``), so that a 5 MB reply is never decoded whole while it is judged.
Each is held here to the whole computation it replaces, over generated payloads, charsets,
transfer encodings and broken input; the sizes that decide how much is read (slack, window,
chunk, limits) are made small so that generated messages of a few hundred bytes are cut.
"""

from __future__ import annotations

import base64
import codecs
import encodings.aliases
import quopri
import re
from email.message import Message
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servaudit import message as mail
from servaudit import part_text
from servaudit.replies import hygiene

CHARSETS = [
    None,
    "utf-8",
    "UTF-8",
    "latin-1",
    "utf-16",
    "utf-16-le",
    "iso-2022-jp",
    "shift_jis",
    "cp1252",
    "x-unknown",
    "utf-7",
    "punycode",
    "idna",
    "rot13",
    "us-ascii",
    "koi8-r",
    "gb18030",
]
ENCODINGS = [
    "quoted-printable",
    "Quoted-Printable",
    "8bit",
    "7bit",
    "binary",
    "",
    "base64",
    "x-uuencode",
    "bogus",
]
TOKENS = [
    b"a",
    b"Ab",
    b" ",
    b"\t",
    b"\n",
    b"\r\n",
    b"\r",
    b"=",
    b"=0A",
    b"=0D",
    b"=C3=BC",
    b"=E2=82",
    b"=AC",
    b"=\n",
    b"=\r\n",
    b"=\r",
    b"=\r x\n",
    b"=Z",
    b"=4",
    b"==",
    b"=20\n",
    b"\xc3\xbc",
    b"\xe2\x82\xac",
    b"\xff",
    b"\x80",
    b"\xf0\x9f\x98\x80",
    b"\x1b$B",
    b"\x1b(B",
    b"$B",
    b"\xff\xfe",
    b"a\x00",
    b"\x00a",
    b"\x00",
    b"\x1b$)C",
    b"+AGE-",
    b"+",
    b"-",
    b"xn--",
    b"\x8e",
    b"\x81\x40",
    b"From: x\n",
    b"wrote:\n",
    b"> q\n",
]
T = TypeVar("T")
PIECES = st.integers(1, 64)
"""Characters of the payload decoded at a time (part_text.PIECE), made small."""
_settings = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _raw(body: bytes, charset: str | None, encoding: str, content_type: str = "text/plain") -> bytes:
    head = f"From: a@b.example\r\nContent-Type: {content_type}"
    head += f"; charset={charset}\r\n" if charset else "\r\n"
    head += f"Content-Transfer-Encoding: {encoding}\r\n" if encoding else ""
    return head.encode() + b"\r\n" + body


def _part(raw: bytes) -> Message:
    message = mail.parse(raw)
    return next(part for part in message.walk() if not part.is_multipart())


def _long(pieces: st.SearchStrategy[list[T]]) -> st.SearchStrategy[list[T]]:
    """A start, a middle repeated up to 40 times, an end: generated lists are short, a start is cut
    only from a payload longer than what is asked for."""
    return st.tuples(pieces, pieces, st.integers(0, 40), pieces).map(lambda p: p[0] + p[1] * p[2] + p[3])


bodies = _long(st.lists(st.sampled_from(TOKENS), max_size=40)).map(b"".join)


def _read_in_pieces_as_whole(raw: bytes, slack: int, piece: int, chars: int) -> None:
    """A part's start and its pieces, read with these sizes, are the whole decoding's."""
    whole = mail._decoded_payload(_part(raw))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(part_text, "READ_IN_PIECES", slack)
        patch.setattr(part_text, "PIECE", piece)
        found = part_text.decoded_head(_part(raw), chars)
        pieces = part_text.decoded_pieces(_part(raw))
    if found is not None:
        text, complete = found
        assert text == whole if complete else (len(text) >= chars and whole.startswith(text))
    assert pieces is None or "".join(pieces) == whole


@_settings
@given(
    bodies,
    st.sampled_from(CHARSETS),
    st.sampled_from(ENCODINGS),
    st.integers(0, 40),
    st.integers(1, 120),
    PIECES,
)
def test_a_decoded_start_is_the_start_of_the_whole_decoding(
    body: bytes, charset: str | None, encoding: str, slack: int, chars: int, piece: int
) -> None:
    raw = _raw(body, charset, encoding)
    _read_in_pieces_as_whole(raw, slack, piece, chars)


ALPHABETS = ["a\n\r=", "aü€😀\n\r=", "a\n\r=\x00\udc80\udcff", "aü\n\r=\udc80", "a\n=\ud800"]
"""ASCII; past ASCII; escaped bytes; escaped bytes and more (get_payload raises); a lone surrogate."""


@_settings
@given(
    st.sampled_from(ALPHABETS)
    .flatmap(lambda alphabet: _long(st.lists(st.sampled_from(alphabet), max_size=20)))
    .map("".join),
    st.sampled_from(CHARSETS),
    st.sampled_from(ENCODINGS),
    st.integers(1, 100),
    PIECES,
)
def test_a_payload_set_in_code_is_read_as_get_payload_reads_it(
    payload: str, charset: str | None, encoding: str, chars: int, piece: int
) -> None:
    """Payload strings a parse never makes (characters past ASCII, surrogates that are no
    escaped byte): made bytes as ``get_payload`` makes them, or left to it where it raises."""
    part = Message()
    part["Content-Type"] = f"text/plain; charset={charset}" if charset else "text/plain"
    if encoding:
        part["Content-Transfer-Encoding"] = encoding
    part.set_payload(payload)
    try:
        whole: str | None = mail._decoded_payload(part) if part.get_payload(decode=True) is not None else None
    except Exception:
        whole = None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(part_text, "READ_IN_PIECES", 0)
        patch.setattr(part_text, "PIECE", piece)
        found = part_text.decoded_head(part, chars)
        pieces = part_text.decoded_pieces(part)
    if found is not None:
        assert whole is not None and whole.startswith(found[0]) and (len(found[0]) >= chars or found[1])
        assert pieces is not None and "".join(pieces) == whole


def _base64_lines(data: bytes, width: int, newline: bytes) -> bytes:
    coded = base64.b64encode(data)
    return newline.join(coded[i : i + width] for i in range(0, len(coded), width)) + newline


@_settings
@given(
    _long(st.lists(st.sampled_from(TOKENS), max_size=20)).map(b"".join),
    st.sampled_from(["utf-8", "latin-1", "utf-16", "iso-2022-jp", "x-unknown", None]),
    st.sampled_from([4, 60, 76, 77]),
    st.sampled_from([b"\n", b"\r\n", b"\r"]),
    st.integers(0, 6),
    st.sampled_from([b"", b"=", b"==", b"===", b"A", b"AB", b"ABC", b"!", b" ", b"=A", b"\n\n", b"A=B"]),
    st.integers(1, 120),
    st.integers(0, 40),
    PIECES,
)
def test_a_base64_start_is_the_start_of_the_whole_decoding(
    data: bytes,
    charset: str | None,
    width: int,
    newline: bytes,
    cut: int,
    end: bytes,
    chars: int,
    slack: int,
    piece: int,
) -> None:
    """Base64 as mailers write it, its end cut, padded, unpadded or spoilt: get_payload's decode_b
    decodes all of it, none of it (one digit over a multiple of four), or skips what is no digit."""
    coded = _base64_lines(data, width, newline)
    coded = coded.rstrip(b"=\r\n")[: len(coded) - cut] + end if cut else coded + end
    raw = _raw(coded, charset, "base64")
    _read_in_pieces_as_whole(raw, slack, piece, chars)


def test_a_long_plain_payload_is_read_from_its_start() -> None:
    """The shapes long replies come in are cut, not decoded whole."""
    text = "Guten Tag, Ihr Zähler läuft. €\n" * 20_000
    for charset, encoding in [
        ("utf-8", "base64"),
        ("utf-8", "quoted-printable"),
        ("utf-8", "8bit"),
        ("latin-1", "8bit"),
        (None, "7bit"),
    ]:
        coded = text.encode(charset or "ascii", errors="replace")
        if encoding == "quoted-printable":
            coded = quopri.encodestring(coded)
        elif encoding == "base64":
            coded = _base64_lines(coded, 76, b"\r\n")
        part = _part(_raw(coded, charset, encoding))
        found = part_text.decoded_head(part, 50_000)
        assert found is not None, (charset, encoding)
        assert len(found[0]) <= 2 * part_text.PIECE  # a piece or two, not all
        assert mail._decoded_payload(part).startswith(found[0])


line_lists = st.lists(
    st.sampled_from(
        [
            "Ja, das geht.",
            "",
            " ",
            "\t",
            "> zitiert",
            " > auch",
            "From: Jana <j@x>",
            "from:",
            "FROM:",
            "von: x",
            "Von:",
            "--",
            "-- ",
            "---",
            "original message",
            "-- Original Message --",
            "ursprüngliche nachricht",
            "----- Ursprüngliche Nachricht -----",
            "Am Montag schrieb Jana:",
            "Jana wrote:",
            "he wrote: no",
            "wrote",
            "ſchrieb",
            "orıginal meſſage",
            "Fromage",
            "\x0b",
            "a\rb",
            "\u2028",
            "x" * 40,
            "İ",
            "Ja, das geht. " * 20,
            "> " + "x" * 300,
            "  " + "y" * 260 + " wrote:",
            "z" * 150 + " schrieb Jana am Montag, " + "z" * 100,
            "a\rb " * 100,
            "a\u2028> b " * 60,
            "From: " + "z" * 300,
            "-" * 300,
            " " * 300,
        ]
    ),
    max_size=20,
)
lines = _long(line_lists).map("\n".join)


@_settings
@given(
    lines,
    st.integers(1, 60),
    st.integers(1, 200),
    st.integers(0, 40),
    PIECES,
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(["8bit", "quoted-printable", "base64"]),
)
def test_the_excerpt_read_from_a_window_is_the_whole_texts(
    body: str, chars: int, window: int, slack: int, piece: int, newline: str, encoding: str
) -> None:
    """The excerpt of a text read in pieces, in windows, against ``new_text`` of all of it."""
    coded = body.replace("\n", newline).encode()
    if encoding == "quoted-printable":
        coded = quopri.encodestring(coded)
    elif encoding == "base64":
        coded = _base64_lines(coded, 76, b"\n")
    raw = _raw(coded, "utf-8", encoding)
    whole = mail.body_text(mail.parse(raw))
    expected = (mail.new_text(whole) or whole)[:chars]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mail, "EXCERPT_WINDOW", window)
        patch.setattr(part_text, "READ_IN_PIECES", slack)
        patch.setattr(part_text, "PIECE", piece)
        assert mail.new_text_head(mail.parse(raw), chars) == expected


@_settings
@given(lines, st.integers(1, 200), st.integers(0, 40), PIECES)
def test_a_bounded_body_text_is_the_start_of_the_whole(body: str, limit: int, slack: int, piece: int) -> None:
    raw = _raw(body.replace("\n", "\r\n").encode(), "utf-8", "quoted-printable")
    whole = mail.body_text(mail.parse(raw))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(part_text, "READ_IN_PIECES", slack)
        patch.setattr(part_text, "PIECE", piece)
        message = mail.parse(raw)
        assert mail.body_text(message, limit) == whole[:limit]
        assert mail.body_text(message) == whole  # asked for all of it later: read anew, all of it


html_lists = st.lists(
    st.sampled_from(
        [
            "<p>",
            "</p>",
            "Ja, das",
            " geht.",
            "<br>",
            "<script>",
            "</script>",
            "x",
            "<a href='http://t.example/?utm_source=1'>",
            "</a>",
            "<img src='http://p.example/1.gif' width=1 height=1>",
            "<!--",
            "-->",
            "&amp;",
            "&#",
            "<",
            ">",
            "\n",
            "\r\n",
            "ü",
            "<![CDATA[",
            "<title>",
            "</title>",
            "<div",
            " class='a'>",
            "<a title='a>b' href='http://x.example/?gclid=2'>",
            "<img",
            "<a",
            "<IMG SRC=http://q.example/p.png>",
        ]
    ),
    max_size=30,
)
html_pieces = _long(html_lists).map("".join)


@_settings
@given(
    html_pieces,
    st.sampled_from(["quoted-printable", "8bit"]),
    st.integers(4, 64),
    st.integers(1, 200),
    PIECES,
)
def test_html_read_in_pieces_gives_the_whole_htmls_text_and_tags(
    html: str, encoding: str, chunk: int, limit: int, piece: int
) -> None:
    coded = html.encode()
    if encoding == "quoted-printable":
        import quopri

        coded = quopri.encodestring(coded)
    raw = _raw(coded, "utf-8", encoding, "text/html")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mail, "_HTML_CHUNK", chunk)
        patch.setattr(mail, "HTML_TEXT_LIMIT", limit)
        patch.setattr(hygiene, "HTML_LIMIT", limit)
        decoded = mail._decoded_payload(_part(raw))
        expected_text = mail.html_to_text(decoded).replace("\r\n", "\n")
        parser = hygiene._Tags()
        for tag in hygiene._TAG.finditer(decoded[:limit]):
            parser.feed(tag.group(0))
        parser.close()
        patch.setattr(part_text, "READ_IN_PIECES", 0)
        patch.setattr(part_text, "PIECE", piece)
        message = mail.parse(raw)
        assert mail.body_text(message, 10) == expected_text[:10]
        assert mail.body_text(message) == expected_text
        assert hygiene.tags(message) == (parser.images, parser.links)


def test_the_quote_continuations_are_what_the_pattern_matches() -> None:
    """_quote_continuations, written out, against the pattern engine over all of Unicode."""
    letters = re.compile(r"[\s:\-originalmessageursprünglichenachtfromvon]", re.IGNORECASE)
    assert set(mail._quote_continuations()) == set(letters.findall("".join(map(chr, range(0x110000)))))


def _admitted() -> list[str]:
    names = set()
    for alias in set(encodings.aliases.aliases.values()) | {"utf_8_sig", "cp65001"}:
        try:
            name = codecs.lookup(alias).name
        except LookupError:
            continue
        if part_text._CODECS.fullmatch(name) is not None:
            names.add(name)
    return sorted(names)


CODEC_BYTES = [
    b"a", b"\n", b"\x1b$B", b"\x1b(B", b"\x1b", b"\x0e", b"\x0f", b"\x80", b"\xff", b"\xfe", b"\x81\x40",
    b"\xa4\xa2", b"\x8e", b"\x8f", b"\xc3\xbc", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\x00",
    b"\x81\x30\x81\x30", b"\xef\xbb\xbf",
]  # fmt: skip


@_settings
@given(
    st.sampled_from(_admitted()),
    st.lists(st.sampled_from(CODEC_BYTES), max_size=40).map(b"".join),
    st.lists(st.integers(1, 9), min_size=1),
)
def test_a_codec_read_in_pieces_decodes_piece_by_piece_as_at_once(
    name: str, data: bytes, cuts: list[int]
) -> None:
    decoder = codecs.lookup(name).incrementaldecoder(errors="replace")
    pieces, start, turn = [], 0, 0
    while start < len(data):
        end = min(len(data), start + cuts[turn % len(cuts)])
        pieces.append(decoder.decode(data[start:end], end == len(data)))
        start, turn = end, turn + 1
    assert "".join(pieces) == data.decode(name, errors="replace")


def test_codecs_whose_pieces_differ_are_read_whole() -> None:
    assert len(_admitted()) > 40 and "utf-8" in _admitted() and "shift_jis" in _admitted()
    for name in ("utf-16", "utf-32", "iso2022_jp", "iso2022_kr", "utf-7", "punycode", "idna"):
        assert part_text._CODECS.fullmatch(codecs.lookup(name).name) is None, name
