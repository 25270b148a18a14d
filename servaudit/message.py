"""Reading received mail defensively: headers decoded, text extracted, nothing trusted.

Replies are hostile input: broken MIME, unknown charsets, headers that do
not parse. Every accessor here returns a plain string (possibly empty)
rather than raising, so one bad message never stops a collect.
"""

from __future__ import annotations

import binascii
import codecs
import quopri
import re
from collections.abc import Callable
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from html.parser import HTMLParser

from servaudit.address_header import NAMES, one_named_address
from servaudit.address_list import plain_addresses
from servaudit.indexed_message import IndexedMessage
from servaudit.message_parser import TooDeep, parse_whole
from servaudit.unstructured_header import TYPED, unstructured

MESSAGE_ID = re.compile(r"<[^<>\s]+@[^<>\s]+>")


class _Kept:
    """What is kept with a message ``parse`` made (read, never changed), in its ``kept`` attribute
    (IndexedMessage.kept): asked for on every header read, an attribute costs less than a look-up
    in a weak dictionary."""

    __slots__ = ("addresses", "body", "body_whole", "headers", "with_body")

    def __init__(self, with_body: bool) -> None:
        self.headers: dict[str, str] = {}
        """Decoded headers by lower-case name: a header is read several times."""
        self.addresses: dict[tuple[str, ...], tuple[str, ...]] = {}
        """The addresses read from those headers: the sender is asked for by the store, the
        classifier and the findings."""
        self.body: str | None = None
        """The message's text as far as it was read: classification, quality and the report's
        reading all read it, and decoding (HTML above all) is done once. Only its start is read
        where only its start is asked for (``body_text``'s ``limit``): a 5 MB reply is judged by
        its first 50,000 characters, and decoding all of it would hold several copies of it."""
        self.body_whole = False
        """``body`` is the whole text (not only its start)."""
        self.with_body = with_body
        """False for ``parse_headers``'s messages, whose text is not kept."""


def _kept(message: Message) -> _Kept | None:
    kept = getattr(message, "kept", None)
    return kept if kept.__class__ is _Kept else None


def parse(raw: bytes) -> Message:
    """The message's structure; absurdly deep MIME nesting (the parser recurses) keeps headers only.

    Parsed with the compat32 policy, whose headers are the strings as received: the default
    policy's header registry parses a header into objects on every access (``get``,
    ``get_content_type``), which cost more than everything else a classification does.
    ``header`` decodes the few headers that are read, and only those that need it.
    """
    try:
        # The compat32 policy, the parsers' default; each part finds its headers by name in an index.
        # The feed parser's result, made with the whole message in hand (servaudit.message_parser).
        message = parse_whole(raw, IndexedMessage)
    except TooDeep:
        try:
            message = message_from_bytes(raw, IndexedMessage)
        except RecursionError:
            message = BytesHeaderParser(IndexedMessage).parsebytes(raw)
    # A message parsed here is read, never changed: its decoded headers and text are kept.
    message.kept = _Kept(with_body=True)  # type: ignore[attr-defined]  # IndexedMessage.kept
    return message


def parse_plain(raw: bytes) -> Message:
    """``email.message_from_bytes(raw)``: a plain ``Message`` (compat32), as a library that reads
    messages its own way expects it (flufl.bounce), made by the whole-message parser."""
    try:
        return parse_whole(raw, Message)
    except TooDeep:
        return message_from_bytes(raw)


def parse_headers(raw: bytes) -> Message:
    """The message's headers only, read as ``parse`` reads them; the body is not read at all (the
    header parser would still split all of it into lines). Whatever the line endings, the first
    empty line starts at the first of these pairs, and the headers end there at the latest."""
    ends = [found for found in (raw.find(b"\n\n"), raw.find(b"\r\r"), raw.find(b"\n\r")) if found >= 0]
    message = BytesHeaderParser(IndexedMessage).parsebytes(raw[: min(ends) + 2] if ends else raw)
    message.kept = _Kept(with_body=False)  # type: ignore[attr-defined]  # IndexedMessage.kept
    return message


_ADDRESS_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "sender", "reply-to"}
    | {"resent-from", "resent-to", "resent-cc", "resent-sender"}
)
_STRUCTURED = frozenset({"date", "resent-date", "orig-date", "mime-version"})
_PLAIN = re.compile(r"[\x20-\x7e\t\r\n]*")


def _decode(name: str, value: str) -> str:
    """A raw header value as the default policy's header registry shows it, parsed only when needed.

    Plain ASCII without encoded words reads the same raw and parsed, except an address list with
    quotes or comments and the structured headers, which the registry renders anew.
    """
    lower = name.lower()
    simple = "=?" not in value and _PLAIN.fullmatch(value) is not None and lower not in _STRUCTURED
    if simple and lower.startswith("content-"):
        simple = False
    if simple and lower in _ADDRESS_HEADERS and ('"' in value or "(" in value or "\\" in value):
        simple = False
    if simple:
        return value
    # The registry's answer, where it can be had without it.
    if lower in NAMES:  # address headers (all of them typed)
        decoded = one_named_address(value)
    elif lower not in TYPED:
        decoded = unstructured(value)
    else:
        decoded = None
    if decoded is not None:
        return decoded
    from email import policy  # its header registry costs start-up; most messages never need it

    return str(policy.default.header_fetch_parse(name, value))


def header(message: Message, name: str) -> str:
    """A header's decoded value ('' when absent or undecodable), whitespace folded."""
    kept = _kept(message)
    if kept is None:  # a message built in code may still change: decoded afresh
        return _header(message, name)
    decoded = kept.headers
    key = name.lower()
    if key not in decoded:
        decoded[key] = _header(message, name)
    return decoded[key]


def _header(message: Message, name: str) -> str:
    value = _raw_header(message, name)
    if value is None:
        return ""
    try:
        text = _decode(name, value)
    except Exception:  # a malformed header makes the header registry's parser fail: take it as it came
        text = value
    return " ".join(text.split())


def _raw_header(message: Message, name: str) -> str | None:
    if isinstance(message, IndexedMessage):
        found = message.first(name)
        return None if found is None else str(found[1])
    wanted = name.lower()
    try:
        for key, value in message.raw_items():
            if key.lower() == wanted:
                return str(value)
    except Exception:  # pragma: no cover - raw_items reads stored strings and does not parse
        return None
    return None


def date(message: Message) -> datetime:
    """The Date header's moment, read from the header as received (the header registry would parse
    it, render it anew, and the caller parse that again); ValueError, TypeError or IndexError where
    it has none or one that does not parse, as ``parsedate_to_datetime`` of ``header(.., "Date")``."""
    value = _raw_header(message, "Date")
    # The registry removes line breaks before it parses; parsing is by whitespace-separated tokens.
    return parsedate_to_datetime(value.replace("\r", "").replace("\n", "") if value is not None else "")


def addresses(message: Message, *names: str) -> list[str]:
    """Lower-cased e-mail addresses found in the given headers."""
    kept = _kept(message)
    if kept is None:  # a message built in code may still change: read afresh
        return _addresses(message, names)
    known = kept.addresses
    if names not in known:
        known[names] = tuple(_addresses(message, names))
    return list(known[names])


def _addresses(message: Message, names: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for name in names:
        value = header(message, name)
        if value:
            plain = plain_addresses(value)  # most lists, without getaddresses' walk through them
            if plain is not None:
                found.extend(addr.lower() for addr in plain)
            else:
                found.extend(addr.lower() for _, addr in getaddresses([value]) if "@" in addr)
    return found


def sender(message: Message) -> str:
    found = addresses(message, "From")
    return found[0] if found else ""


def referenced_ids(message: Message) -> list[str]:
    """Message-IDs this message says it answers (In-Reply-To, References)."""
    text = header(message, "In-Reply-To") + " " + header(message, "References")
    return MESSAGE_ID.findall(text)


def embedded_original_ids(message: Message) -> list[str]:
    """Message-IDs of an original message quoted inside a bounce (message/rfc822, text/rfc822-headers)."""
    ids = []
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                ids.extend(MESSAGE_ID.findall(header(inner, "Message-ID")))
        elif content_type == "text/rfc822-headers":
            text = _decoded_payload(part)
            for line in re.findall(r"(?im)^message-id:\s*(.+)$", text):
                ids.extend(MESSAGE_ID.findall(line))
    return ids


def body_text(message: Message, limit: int | None = None) -> str:
    """The message's readable text: the first text/plain part, else text/html reduced to text.
    ``limit``: only its first ``limit`` characters are wanted (``body_text(m)[:limit]``), and only
    as much of the part as gives them is decoded."""
    if limit is None:
        return body_text_head(message, None)[0]
    text, _whole = body_text_head(message, limit)
    return text[:limit]


def body_text_head(message: Message, chars: int | None) -> tuple[str, bool]:
    """(text, whole): the start of ``body_text(message)``, at least ``chars`` characters of it (all
    of it for None), and whether that is all of it."""
    kept = _kept(message)
    if kept is None or not kept.with_body:  # built in code, not by ``parse``: it may still change
        return _body_text(message, None)
    text = kept.body
    if text is None or not (kept.body_whole or (chars is not None and len(text) >= chars)):
        text, kept.body_whole = _body_text(message, chars)
        kept.body = text
    return text, kept.body_whole


def _body_text(message: Message, chars: int | None) -> tuple[str, bool]:
    # The first text/plain part wins over any HTML, so the walk ends there, and an HTML part is
    # decoded only when no plain part follows it (decoding reads nothing back: it never raises).
    html_part = None
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        content_type = part.get_content_type()
        if content_type == "text/plain":
            return _plain_text(_PartText(part), chars)
        if content_type == "text/html" and html_part is None:
            html_part = part
    # HTML is reduced to a bounded text (HTML_TEXT_LIMIT): that is all of the body text.
    text = _html_text(_PartText(html_part).head) if html_part is not None else ""
    return text.replace("\r\n", "\n"), True


def _plain_text(source: _PartText, chars: int | None) -> tuple[str, bool]:
    """(text, whole): at least ``chars`` characters of a plain part's text, line breaks made "\n"."""
    wanted = chars
    while True:
        text, whole = source.head(wanted)
        if not whole:
            # A line break cut between its "\r" and "\n" is one the whole text replaces.
            text = text[:-1] if text.endswith("\r") else text
        text = text.replace("\r\n", "\n")
        if whole or chars is None or wanted is None or len(text) >= chars:
            return text, whole
        wanted *= 2  # "\r\n" made "\n" left it shorter than asked for


def _decoded_payload(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
        charset = part.get_content_charset() or "utf-8"
    except Exception:  # a broken Content-Type or transfer encoding: nothing readable
        return ""
    if not isinstance(payload, bytes):
        return ""
    try:
        return payload.decode(charset, errors="replace")
    except (LookupError, UnicodeError, ValueError):
        # A charset Python does not know, or a codec that is no text encoding and ignores
        # errors="replace" (idna, punycode): read it as UTF-8.
        return payload.decode("utf-8", errors="replace")


class _PartText:
    """A part's decoded text (``_decoded_payload``) read from its start: as much as is asked for.

    A 5 MB reply is judged by its start, and ``get_payload(decode=True)`` followed by ``decode``
    holds the payload three times over (bytes, decoded bytes, text). A start of the payload gives
    the same start of the text where nothing before a cut depends on what follows it."""

    def __init__(self, part: Message) -> None:
        self.part = part

    def head(self, chars: int | None) -> tuple[str, bool]:
        """(text, whole): at least ``chars`` characters of the decoded text (all of it for None, or
        where a start cannot be read alone), and whether that is all of it."""
        if chars is not None:
            found = decoded_head(self.part, chars)
            if found is not None:
                return found
        return _decoded_payload(self.part), True


_HEAD_MARGIN = 16
"""Characters dropped from the end of a decoded start: a character cut in two (a multi-byte
sequence, a shift sequence of a stateful encoding) decodes there to replacement characters."""
_HEAD_SLACK = 4096
_HEAD_CODECS = re.compile(
    r"utf-8|utf-8-sig|utf-16(-[bl]e)?|utf-32(-[bl]e)?|ascii|latin-1|iso8859-\d+|cp\d+|mac-[\w-]+"
    r"|koi8-\w+|iso2022_jp(_\w+)?|iso2022_kr|shift_jis(_?\w+)?|euc_\w+|gb2312|gbk|gb18030|big5(hkscs)?|johab"
)
"""Codecs (``codecs.lookup(..).name``) whose decoding of a start of the bytes is that start of the
decoding of all of them, up to the character cut at the end. Not so, hence read whole: punycode
and idna (which decode whole labels or strings), utf-7 (whose shifted runs are base64), the
escape codecs, and whatever codec is not named here."""
_SURROGATE = re.compile("[\ud800-\udfff]")
_NOT_ESCAPED_BYTE = re.compile("[^\x00-\x7f\udc80-\udcff]")
_UU = frozenset({"x-uuencode", "uuencode", "uue", "x-uue"})
_BASE64_LINES = re.compile(r"[A-Za-z0-9+/\r\n]*")
_BASE64_TAIL = 64
"""The end of a base64 payload where padding and whatever follows it may stand."""


def _base64_clean_end(payload: str, to_bytes: str, errors: str) -> int | None:
    """Where a base64 payload's start can be cut up to: before its last _BASE64_TAIL characters,
    where all before them are base64 digits and line breaks (no padding, nothing skipped). None
    where that is not so, or where ``email._encoded_words.decode_b`` (get_payload's decoding)
    decodes none of it and returns the encoded text itself: its digits leave one over a multiple
    of four and no padding ends them. Decoding stops at nothing before the tail, and what the
    tail makes of it depends on the count of digits before it modulo four only: the tail is
    decoded after that many digits, as decode_b's last attempt decodes it (non-strict, "==")."""
    ends = len(payload) - _BASE64_TAIL
    if _BASE64_LINES.fullmatch(payload, 0, ends) is None:
        return None
    digits = ends - payload.count("\n", 0, ends) - payload.count("\r", 0, ends)
    tail = b"".join(payload[ends:].encode(to_bytes, errors).splitlines())
    try:
        binascii.a2b_base64(b"A" * (digits % 4) + tail + b"==")
    except binascii.Error:
        return None
    return ends


def decoded_head(part: Message, chars: int) -> tuple[str, bool] | None:
    """(text, False): a start of ``_decoded_payload(part)`` of at least ``chars`` characters, read
    from a start of the payload; None where that cannot be read without decoding all of it (the
    payload is not much longer than asked for, uuencoded, base64 with more than digits and line
    breaks before its end, a charset not in _HEAD_CODECS, bytes Python's own decoding fails on).
    Also a start of what ``part.get_payload(decode=True).decode(..)`` reads, for the same reasons.

    Mirrors ``email.message.Message.get_payload(decode=True)`` (compat32): the payload string is
    made bytes as it does it (ASCII; with surrogate-escaped bytes, those bytes; otherwise
    raw-unicode-escape, decided by the whole payload), then quoted-printable is decoded
    (``quopri.decodestring``, which reads nothing past a line break: a start cut after one decodes
    to a start of the whole), base64 as _base64_clean_end says, any other transfer encoding is
    taken as it is (cut anywhere). What get_payload notes of a base64 payload's defects (on the
    part's ``defects``, which nothing here reads) is not noted."""
    payload = getattr(part, "_payload", None)
    if not isinstance(payload, str) or len(payload) <= chars + _HEAD_SLACK:
        return None
    try:
        cte = str(part.get("content-transfer-encoding", "")).lower()
        charset = part.get_content_charset() or "utf-8"
    except Exception:  # what the whole decoding makes of it is the caller's
        return None
    if cte in _UU:
        return None
    try:
        codec = codecs.lookup(charset)
        text_encoding = getattr(codec, "_is_text_encoding", True)
    except LookupError:
        codec, text_encoding = codecs.lookup("utf-8"), True
    if not text_encoding:  # bytes.decode refuses it (rot13, hex): the whole decoding reads UTF-8
        codec, charset = codecs.lookup("utf-8"), "utf-8"
    if _HEAD_CODECS.fullmatch(codec.name) is None:
        return None
    if payload.isascii():
        to_bytes, errors = "ascii", "strict"
    elif _SURROGATE.search(payload) is not None:
        if _NOT_ESCAPED_BYTE.search(payload) is not None:
            return None  # get_payload raises on it
        to_bytes, errors = "ascii", "surrogateescape"
    else:
        to_bytes, errors = "raw-unicode-escape", "strict"
    quoted_printable, base64 = cte == "quoted-printable", cte == "base64"
    ends = _base64_clean_end(payload, to_bytes, errors) if base64 else len(payload)
    if ends is None:
        return None
    # Quoted-printable is a little longer than its bytes, base64 a third longer.
    cut = (chars * 4 // 3 if base64 else chars) + chars // 8 + _HEAD_SLACK
    while True:
        end = payload.find("\n", cut) + 1 if quoted_printable else cut
        if end <= 0 or end >= ends:
            return None  # the payload ends before: decoding a start would be decoding all of it
        data = payload[:end].encode(to_bytes, errors)
        if quoted_printable:
            data = quopri.decodestring(data)
        elif base64:
            # get_payload joins the lines (b"".join(data.splitlines()): every "\r" and "\n" out)
            # and decodes; a start of whole quads decodes to a start.
            data = data.translate(None, b"\r\n")
            data = binascii.a2b_base64(data[: len(data) - len(data) % 4])
        try:
            text = data.decode(charset, errors="replace")
        except LookupError:
            text = data.decode("utf-8", errors="replace")
        del data
        if len(text) - _HEAD_MARGIN >= chars:
            return text[: len(text) - _HEAD_MARGIN], False
        # Too short (quoted-printable's escapes, multi-byte characters): a start as much longer as
        # the text came out shorter, a sixteenth more; twice as long where it gave less than half.
        if 2 * len(text) < chars:
            cut *= 2
        else:
            cut = cut * (chars + 2 * _HEAD_MARGIN) // len(text) + cut // 16


class _TextExtractor(HTMLParser):
    SKIP = frozenset({"script", "style", "head", "title"})
    BREAKS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.collected = 0
        """Characters of text collected so far."""
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)
            self.collected += len(data)


HTML_TEXT_LIMIT = 200_000
"""Characters of text an HTML part is reduced to at most: four times what the classifier reads
(servaudit.replies.signals.MAX_TEXT). A 5 MB newsletter is not parsed to its end."""
_HTML_CHUNK = 65_536


def html_to_text(html: str) -> str:
    return _html_text(lambda chars: (html, True))


def _html_text(read: Callable[[int | None], tuple[str, bool]]) -> str:
    """``html_to_text`` of an HTML text read from its start by ``read`` (``_PartText.head``): the
    same 64 KiB pieces are fed, and the HTML past the last one fed is never decoded."""
    extractor = _TextExtractor()
    html, whole = read(2 * _HTML_CHUNK)
    try:
        start = 0
        while True:
            if not whole and len(html) < start + _HTML_CHUNK:
                html, whole = read(2 * (start + _HTML_CHUNK))
                continue
            if start >= len(html):
                break
            extractor.feed(html[start : start + _HTML_CHUNK])
            if extractor.collected > HTML_TEXT_LIMIT:
                break
            start += _HTML_CHUNK
        extractor.close()
    except Exception:  # HTMLParser is lenient, but a report must never fail on a reply
        if not whole:
            html, whole = read(None)
        return re.sub(r"<[^>]*>", " ", html)
    text = "".join(extractor.parts)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


_QUOTE_HEADER = re.compile(
    r"^([^\n>]{0,200}\b(schrieb|wrote)\b[^\n]*:\s*$"
    r"|\s*-{2,}\s*(original message|ursprüngliche nachricht)\s*-{2,}"
    r"|\s*(von|from):\s.+$)",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTE_WORDS = ("schrieb", "wrote", "original message", "ursprüngliche nachricht", "von:", "from:")
"""A literal (lower case) each alternative of _QUOTE_HEADER needs."""
FOLDS_TO_ASCII = ("\u017f", "\u212a", "\u0131", "\u0130")
"""Characters that IGNORECASE matches with an ASCII letter but ``str.lower`` leaves as they are (ſ, K,
ı, İ): a text with one of them is searched with the pattern itself."""


def _quote_header(body: str) -> re.Match[str] | None:
    """``_QUOTE_HEADER.search(body)``, not searched where none of its words stand (most replies)."""
    if body.isascii() or not any(c in body for c in FOLDS_TO_ASCII):
        lower = body.lower()
        if not any(word in lower for word in _QUOTE_WORDS):
            return None
    return _QUOTE_HEADER.search(body)


def text_below_quote(body: str) -> str:
    """What a reply says below the quote it opens with (bottom-posting), '>' lines removed; '' without one."""
    match = _quote_header(body)
    if match is None:
        return ""
    rest = body[match.end() :]
    lines = [line for line in rest.splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(lines).strip()


@lru_cache(maxsize=16)
def new_text(body: str) -> str:
    """The part of a reply its author wrote now: stops at the first quote header or quoted block.
    Cached for the last few bodies: the classifier, the excerpt and the acknowledgement reading ask."""
    match = _quote_header(body)
    text = body[: match.start()] if match else body
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(lines).strip()


EXCERPT_WINDOW = 50_000
"""Characters of a reply's text read first for its excerpt (``new_text_head``): what the
classifier reads (servaudit.replies.signals.MAX_TEXT), decoded once for both."""


def new_text_head(message: Message, chars: int) -> str:
    """``(new_text(body) or body)[:chars]`` of the message's whole text (``body_text``), read from
    as little of its start as decides it: the window is doubled until it does (a text longer than
    the window is not split into lines past it, even where it was decoded whole: an HTML part's).

    In a window cut after a line break, the first quote header is the whole text's first as long
    as it starts before the window's tail of characters a quote header can continue with past the
    cut (a header's opening lines of blanks, dashes, "original message" or "From:"): every other
    match lies within its own lines, and matches the same in the window. Without such a header,
    the quote starts past that tail at the earliest, and the lines before the tail are the new
    text's first lines: enough of them give its first ``chars`` characters."""
    window = max(EXCERPT_WINDOW, chars)
    while True:
        body, whole = body_text_head(message, window + 1)
        if whole and len(body) <= window:
            return (new_text(body) or body)[:chars]
        head = body[: body.rfind("\n", 0, window) + 1]  # whole lines only
        horizon = len(head.rstrip(_quote_continuations()))
        found = _quote_header(head)
        if found is not None and found.start() <= horizon:
            text = _unquoted_lines(head[: found.start()])
            return (text or body)[:chars]
        text = _unquoted_lines(head[: head.rfind("\n", 0, horizon) + 1])
        if len(text) >= chars:
            return text[:chars]
        window *= 2


def _unquoted_lines(text: str) -> str:
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(lines).strip()


@lru_cache(maxsize=1)
def _quote_continuations() -> str:
    """Every character _QUOTE_HEADER can read in a match that began on an earlier line: any
    whitespace, "-", ":", and the letters of its multi-line alternatives' words ("original
    message", "ursprüngliche nachricht", "from", "von") in every case IGNORECASE matches (İ, ı and
    ſ too: tests/test_message_head.py derives the set from the pattern engine over all of Unicode).
    Every whitespace character lies below U+3001."""
    spaces = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
    return spaces + "-:ACEFGHILMNOPRSTUVacefghilmnoprstuvÜüİıſ"
