"""Reading received mail defensively: headers decoded, text extracted, nothing trusted.

Replies are hostile input: broken MIME, unknown charsets, headers that do
not parse. Every accessor here returns a plain string (possibly empty)
rather than raising, so one bad message never stops a collect.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
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
from servaudit.part_text import decoded_head, decoded_pieces
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


def _body_part(message: Message) -> tuple[Message | None, bool]:
    """(part, plain): the part the text is read from, and whether it is plain text (else HTML)."""
    # The first text/plain part wins over any HTML, so the walk ends there, and an HTML part is
    # decoded only when no plain part follows it (decoding reads nothing back: it never raises).
    html_part = None
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        content_type = part.get_content_type()
        if content_type == "text/plain":
            return part, True
        if content_type == "text/html" and html_part is None:
            html_part = part
    return html_part, False


def _body_text(message: Message, chars: int | None) -> tuple[str, bool]:
    part, plain = _body_part(message)
    if part is None:
        return "", True
    if plain:
        return _plain_text(_PartText(part), chars)
    # HTML is reduced to a bounded text (HTML_TEXT_LIMIT): that is all of the body text.
    source = _PartText(part)
    text = _html_text(source.pieces(), source.whole)
    return text.replace("\r\n", "\n"), True


def body_text_pieces(message: Message) -> Iterator[str]:
    """``body_text(message)`` in pieces (joined, they are all of it): a long plain part's decoded
    in pieces (servaudit.part_text), read only as far as the pieces are; any other text in
    pieces of EXCERPT_WINDOW characters."""
    part, plain = _body_part(message)
    pieces = decoded_pieces(part) if part is not None and plain else None
    if pieces is None:
        text = body_text(message)
        yield from (text[at : at + EXCERPT_WINDOW] for at in range(0, len(text), EXCERPT_WINDOW))
        return
    held = ""
    """A piece's last "\r": with the next piece's first "\n", one line break."""
    for piece in pieces:
        piece = held + piece
        held = "\r" if piece.endswith("\r") else ""
        yield piece[: len(piece) - len(held)].replace("\r\n", "\n")
    if held:
        yield held


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
    """A part's decoded text (``_decoded_payload``) read from its start: a long one in pieces
    (servaudit.part_text), only as far as it is read."""

    def __init__(self, part: Message) -> None:
        self.part = part

    def head(self, chars: int | None) -> tuple[str, bool]:
        """(text, whole): at least ``chars`` characters of the decoded text (all of it for None, or
        where it is read whole), and whether that is all of it."""
        if chars is not None:
            found = decoded_head(self.part, chars)
            if found is not None:
                return found
        return _decoded_payload(self.part), True

    def pieces(self) -> Iterator[str]:
        """The decoded text in pieces, as read (one piece where it is read whole)."""
        pieces = decoded_pieces(self.part)
        return iter((_decoded_payload(self.part),)) if pieces is None else pieces

    def whole(self) -> str:
        return _decoded_payload(self.part)


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
    return _html_text(iter((html,)), lambda: html)


def _html_text(pieces: Iterator[str], whole: Callable[[], str]) -> str:
    """``html_to_text`` of an HTML text that comes in ``pieces`` (``_PartText.pieces``): fed in
    the same 64 KiB chunks, and the HTML past the last chunk fed is never decoded. ``whole``: all
    of the HTML, for the rare HTML the parser fails on."""
    extractor = _TextExtractor()
    waiting = ""
    """Decoded HTML not fed yet."""
    try:
        for piece in itertools.chain(pieces, (None,)):
            waiting += piece if piece is not None else ""
            while len(waiting) >= _HTML_CHUNK or (piece is None and waiting):
                extractor.feed(waiting[:_HTML_CHUNK])
                waiting = waiting[_HTML_CHUNK:]
                if extractor.collected > HTML_TEXT_LIMIT:
                    break
            if extractor.collected > HTML_TEXT_LIMIT:
                break
        extractor.close()
    except Exception:  # HTMLParser is lenient, but a report must never fail on a reply
        return re.sub(r"<[^>]*>", " ", whole())
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
    """``(new_text(body) or body)[:chars]`` of the message's whole text (``body_text``). A text
    longer than EXCERPT_WINDOW is read in pieces from its start (``body_text_pieces``) only as far
    as decides it, and never split into lines or held beyond what a piece adds to the lines not
    decided yet (a line is held whole: a text of one 5 MB line is held whole)."""
    body, whole = body_text_head(message, EXCERPT_WINDOW + 1)
    if whole and len(body) <= EXCERPT_WINDOW:
        return (new_text(body) or body)[:chars]  # the classifier's, most likely cached
    return _new_text_start(body_text_pieces(message), chars)


def _new_text_start(pieces: Iterator[str], chars: int) -> str:
    """``(new_text(text) or text)[:chars]`` of the text ``"".join(pieces)``.

    Lines are read in stretches that end after a line break. In a stretch, the first quote header
    is the text's first as long as it starts before the stretch's tail of characters a header can
    continue with past the stretch (a header's opening lines of blanks, dashes, "original
    message" or "From:"): every other match lies within its own lines and matches the same in
    the stretch, and the stretch starts where no header began before. Without such a header the
    quote starts past that tail at the earliest, so the lines before the tail are the new text's
    next lines, and the tail is read again with the next piece. ``new_text`` strips the joined
    lines: leading blank lines are dropped, and once ``chars`` characters stand after the first
    non-blank one, the rest cannot change them."""
    start = ""
    """The text's first ``chars`` characters, its excerpt where it has no new text."""
    text = ""
    """The new text's lines so far, joined, leading whitespace stripped."""
    waiting = ""
    """The text after the lines read, up to where the pieces have come."""
    pieces = iter(pieces)
    for piece in itertools.chain(pieces, (None,)):
        if piece is not None:
            start += piece[: chars - len(start)]
            waiting += piece
            lines = waiting[: waiting.rfind("\n") + 1]
            horizon = len(lines.rstrip(_quote_continuations()))
        else:
            lines, horizon = waiting, len(waiting)  # the end: nothing continues past it
        found = _quote_header(lines)
        if found is not None and found.start() <= horizon:
            text = _join_unquoted(text, lines[: found.start()])
            break
        read = lines.rfind("\n", 0, horizon) + 1 if piece is not None else len(lines)
        text = _join_unquoted(text, lines[:read])
        if piece is None or len(text.rstrip()) >= chars:
            break
        waiting = waiting[read:]
        if "\n" not in waiting and len(waiting) >= _LINE_DECIDES:
            # One long line so far (a text of one 5 MB line): its start may decide.
            decided = _long_line_start(text, waiting, chars)
            if decided is not None:
                text = decided
                break
    if text.rstrip():
        return text.rstrip()[:chars]
    for piece in pieces:  # no new text: the excerpt is the text's start, read as far as it goes
        if len(start) >= chars:
            break
        start += piece[: chars - len(start)]
    return start


_LINE_DECIDES = 256
"""Characters of a line's start that tell whether a quote header can start the line: the
header's first alternative finds its word within the line's first 200 characters."""
_HEADER_WORD_OPENING = re.compile(r"[^\n>]{0,200}\b(schrieb|wrote)\b", re.IGNORECASE)
"""How _QUOTE_HEADER's first alternative opens: no header starts a line that does not open so."""
_HEADER_LINE_OPENING = re.compile(r"-|von:|from:", re.IGNORECASE)
_SPACES = re.compile(r"\s*")
"""What follows the leading whitespace of a line its other alternatives start."""


def _long_line_start(text: str, line: str, chars: int) -> str | None:
    """The new text's lines so far (as ``text``) with the start of a long line that follows them
    (no line break in it, at least _LINE_DECIDES characters), where that decides the excerpt: no
    quote header can start the line, so all of it belongs to the new text, and the lines so far
    with its start (splitlines' other line breaks in it honoured, a last part that may yet turn
    out quoted with ">" left out) give ``chars`` characters. None where it does not decide."""
    spaces = _SPACES.match(line)
    opening = spaces.end() if spaces is not None else 0
    if opening + 5 > len(line) or _HEADER_LINE_OPENING.match(line, opening) is not None:
        return None
    if _HEADER_WORD_OPENING.match(line) is not None:
        return None
    parts = line.splitlines(keepends=True)
    last = parts[-1]
    if last == last.splitlines()[0]:  # not ended: a part the rest of the line continues
        parts.pop()
        if not last.lstrip() or last.lstrip().startswith(">"):
            last = ""  # whether it is quoted, or how, the rest tells: none of it is counted
    else:
        last = ""
    text = _join_unquoted(text, "".join(parts))
    if last:
        text = (text + "\n" + last if text else last).lstrip()
    return text if len(text.rstrip()) >= chars else None


def _join_unquoted(text: str, more: str) -> str:
    """``"\n".join`` of the lines so far (``text``) and the lines of ``more`` not quoted with
    ">", leading whitespace stripped."""
    kept = [line for line in more.splitlines() if not line.lstrip().startswith(">")]
    if not kept:
        return text
    if text:
        kept.insert(0, text)
    return "\n".join(kept).lstrip()


@lru_cache(maxsize=1)
def _quote_continuations() -> str:
    """Every character _QUOTE_HEADER can read in a match that began on an earlier line: any
    whitespace, "-", ":", and the letters of its multi-line alternatives' words ("original
    message", "ursprüngliche nachricht", "from", "von") in every case IGNORECASE matches (İ, ı and
    ſ too: tests/test_message_head.py derives the set from the pattern engine over all of Unicode).
    Every whitespace character lies below U+3001."""
    spaces = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
    return spaces + "-:ACEFGHILMNOPRSTUVacefghilmnoprstuvÜüİıſ"
