"""A long text part's decoded text read in pieces from its start, never all of it at once.

``part.get_payload(decode=True).decode(charset, errors="replace")`` (servaudit.message reads a
part so) holds a 5 MB payload three times over: bytes, decoded bytes, text. Judging reads only a
start of a reply (the classifier 50,000 characters, the HTML text extraction until it has enough,
the hygiene findings 1,000,000 characters of HTML), so a long payload is decoded here piece by
piece, each piece from the next stretch of the payload, and the pieces put together are exactly
what the whole decoding gives (tests/test_message_head.py holds them to it over generated
payloads, charsets, transfer encodings and broken input).

It mirrors ``email.message.Message.get_payload(decode=True)`` (compat32): the payload string is
made bytes as it makes them (ASCII; with surrogate-escaped bytes, those bytes; otherwise
raw-unicode-escape; decided by the whole payload, read without a copy), then
- quoted-printable is decoded by ``quopri.decodestring``, which reads nothing past a line break:
  stretches that end after one decode to the pieces of the whole;
- base64 is decoded as ``email._encoded_words.decode_b`` decodes it (lines joined; where it
  decodes at all, what it gives is the non-strict decoding with "==" added): stretches of whole
  quads decode to the pieces of the whole, and the last stretch is decoded with the padding; a
  payload with anything but base64 digits and line breaks before its last 64 characters, or one
  decode_b gives back undecoded, is not read in pieces;
- any other transfer encoding is the bytes themselves, cut anywhere (uuencode is not read in
  pieces).
The bytes are decoded by the charset's incremental decoder, which keeps a character cut in two
for the next piece; only charsets whose incremental decoding is their decoding (_CODECS) are read
in pieces, others whole. What get_payload notes of a base64 payload's defects (on the part's
``defects``, which nothing in servaudit reads) is not noted.
"""

from __future__ import annotations

import binascii
import codecs
import quopri
import re
from collections.abc import Iterator
from email.message import Message

PIECE = 65_536
"""Characters of the payload decoded at a time (a quoted-printable stretch ends at a line break)."""
READ_IN_PIECES = 65_536
"""Payloads of at most this many characters are decoded whole, as before: it costs no more."""
_CODECS = re.compile(
    r"utf-8|utf-8-sig|utf-16-[bl]e|utf-32-[bl]e|ascii|latin-1|iso8859-\d+|cp\d+|mac-[\w-]+"
    r"|koi8-\w+|shift_jis(_?\w+)?|euc_\w+|gb2312|gbk|gb18030|big5(hkscs)?|johab"
)
"""Codecs (``codecs.lookup(..).name``) read in pieces: their incremental decoder gives, piece by
piece, what they give at once (tests/test_message_head.py tries each on broken input). Not so,
hence read whole: utf-16 and utf-32 with a byte-order mark (the incremental decoder refuses a
stream without one, bytes.decode reads it as little-endian), the iso2022 family (on some broken
escape sequences the incremental decoder raises "pending buffer overflow"), punycode and idna
(which decode whole labels or strings), utf-7, the escape codecs, any codec not named here."""
_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_ESCAPED_BYTE = re.compile("[^\x00-\x7f\udc80-\udcff]")
_UU = frozenset({"x-uuencode", "uuencode", "uue", "x-uue"})
_BASE64_LINES = re.compile(r"[A-Za-z0-9+/\r\n]*")
_BASE64_TAIL = 64
"""The end of a base64 payload where padding and whatever follows it may stand."""


class _Plan:
    """How one part's payload is decoded in pieces."""

    __slots__ = ("clean_end", "codec", "payload", "to_bytes", "to_bytes_errors", "transfer")

    def __init__(
        self, payload: str, transfer: str, to_bytes: str, errors: str, codec: codecs.CodecInfo
    ) -> None:
        self.payload = payload
        self.transfer = transfer
        self.to_bytes = to_bytes
        self.to_bytes_errors = errors
        self.codec = codec
        self.clean_end = len(payload)
        """Where base64 digits and line breaks end: stretches are cut before it."""


def decoded_pieces(part: Message) -> Iterator[str] | None:
    """The decoded text of a long part in pieces (``"".join`` of them is all of it); None where
    it is read whole: not longer than READ_IN_PIECES, or not readable in pieces (see above), or
    where get_payload would raise."""
    plan = _plan(part)
    return None if plan is None else _pieces(plan)


def decoded_head(part: Message, chars: int) -> tuple[str, bool] | None:
    """(text, whole): at least ``chars`` characters of a long part's decoded text (or all of it,
    shorter), and whether it is all of it; None where it is read whole (as decoded_pieces)."""
    pieces = decoded_pieces(part)
    if pieces is None:
        return None
    read: list[str] = []
    count = 0
    for piece in pieces:
        read.append(piece)
        count += len(piece)
        if count >= chars:
            return "".join(read), False
    return "".join(read), True


def _plan(part: Message) -> _Plan | None:
    payload = getattr(part, "_payload", None)
    if not isinstance(payload, str) or len(payload) <= READ_IN_PIECES:
        return None
    try:
        transfer = str(part.get("content-transfer-encoding", "")).lower()
        charset = part.get_content_charset() or "utf-8"
    except Exception:  # what the whole decoding makes of it is the caller's
        return None
    if transfer in _UU:
        return None
    try:
        codec = codecs.lookup(charset)
    except LookupError:  # bytes.decode fails on it, and the whole decoding reads UTF-8
        codec = codecs.lookup("utf-8")
    except Exception:  # a name the codec registry cannot even look up (a NUL in it)
        return None
    if not getattr(codec, "_is_text_encoding", True):  # bytes.decode refuses it too (rot13, hex)
        codec = codecs.lookup("utf-8")
    if _CODECS.fullmatch(codec.name) is None:
        return None
    if payload.isascii():
        to_bytes, errors = "ascii", "strict"
    elif _SURROGATE.search(payload) is not None:
        if _NOT_ESCAPED_BYTE.search(payload) is not None:
            return None  # get_payload raises on it
        to_bytes, errors = "ascii", "surrogateescape"
    else:
        to_bytes, errors = "raw-unicode-escape", "strict"
    plan = _Plan(payload, transfer, to_bytes, errors, codec)
    if transfer == "base64":
        clean_end = _base64_clean_end(plan)
        if clean_end is None:
            return None
        plan.clean_end = clean_end
    return plan


def _base64_clean_end(plan: _Plan) -> int | None:
    """Before the last _BASE64_TAIL characters, where all before them are base64 digits and line
    breaks (nothing skipped, no padding: decoding stops nowhere before). None where that is not
    so, or where ``decode_b`` gives the encoded text back (its digits leave one over a multiple of
    four and no padding ends them): what the tail makes of the decoding depends only on the
    count of digits before it modulo four, so the tail is decoded after that many digits, as
    decode_b's last attempt decodes it (non-strict, "==" added), and must not fail."""
    payload = plan.payload
    ends = max(len(payload) - _BASE64_TAIL, 0)
    if _BASE64_LINES.fullmatch(payload, 0, ends) is None:
        return None
    digits = ends - payload.count("\n", 0, ends) - payload.count("\r", 0, ends)
    tail = payload[ends:].encode(plan.to_bytes, plan.to_bytes_errors).translate(None, b"\r\n")
    try:
        binascii.a2b_base64(b"A" * (digits % 4) + tail + b"==")
    except binascii.Error:
        return None
    return ends


def _pieces(plan: _Plan) -> Iterator[str]:
    payload = plan.payload
    decoder = plan.codec.incrementaldecoder(errors="replace")
    quoted_printable, base64 = plan.transfer == "quoted-printable", plan.transfer == "base64"
    left = b""
    """Base64 digits of a quad the last stretch ended in."""
    start = 0
    while start < len(payload):
        end = start + PIECE
        if quoted_printable:
            end = payload.find("\n", end) + 1 or len(payload)  # after a line break
        if end >= plan.clean_end:
            end = len(payload)
        last = end == len(payload)
        data = payload[start:end].encode(plan.to_bytes, plan.to_bytes_errors)
        if quoted_printable:
            data = quopri.decodestring(data)
        elif base64:
            # decode_b's lines joined (b"".join(splitlines()): every "\r" and "\n" out).
            data = left + data.translate(None, b"\r\n")
            if last:
                data = binascii.a2b_base64(data + b"==")
            else:
                quads = len(data) - len(data) % 4
                data, left = binascii.a2b_base64(data[:quads]), data[quads:]
        yield decoder.decode(data, last)
        start = end
