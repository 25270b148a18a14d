"""Reading received mail defensively: headers decoded, text extracted, nothing trusted.

Replies are hostile input: broken MIME, unknown charsets, headers that do
not parse. Every accessor here returns a plain string (possibly empty)
rather than raising, so one bad message never stops a collect.
"""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from html.parser import HTMLParser

MESSAGE_ID = re.compile(r"<[^<>\s]+@[^<>\s]+>")


def parse(raw: bytes) -> EmailMessage:
    """The message's structure; absurdly deep MIME nesting (the parser recurses) keeps headers only."""
    try:
        message = message_from_bytes(raw, policy=policy.default)
    except RecursionError:
        message = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def header(message: Message, name: str) -> str:
    """A header's decoded value ('' when absent or undecodable), whitespace folded."""
    try:
        value = message.get(name)
        text = None if value is None else str(value)
    except Exception:  # a malformed header makes the header registry's parser fail: take it as it came
        text = _raw_header(message, name)
    if text is None:
        return ""
    return " ".join(text.split())


def _raw_header(message: Message, name: str) -> str | None:
    wanted = name.lower()
    try:
        for key, value in message.raw_items():
            if key.lower() == wanted:
                return str(value)
    except Exception:  # pragma: no cover - raw_items reads stored strings and does not parse
        return None
    return None


def addresses(message: Message, *names: str) -> list[str]:
    """Lower-cased e-mail addresses found in the given headers."""
    found: list[str] = []
    for name in names:
        value = header(message, name)
        if value:
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


def body_text(message: Message) -> str:
    """The message's readable text: the first text/plain part, else text/html reduced to text."""
    plain = html = None
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        content_type = part.get_content_type()
        if content_type == "text/plain" and plain is None:
            plain = _decoded_payload(part)
        elif content_type == "text/html" and html is None:
            html = _decoded_payload(part)
    text = plain if plain is not None else html_to_text(html) if html is not None else ""
    return text.replace("\r\n", "\n")


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


class _TextExtractor(HTMLParser):
    SKIP = frozenset({"script", "style", "head", "title"})
    BREAKS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
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


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # HTMLParser is lenient, but a report must never fail on a reply
        return re.sub(r"<[^>]*>", " ", html)
    text = "".join(extractor.parts)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


_QUOTE_HEADER = re.compile(
    r"^([^\n>]{0,200}\b(schrieb|wrote)\b[^\n]*:\s*$"
    r"|\s*-{2,}\s*(original message|ursprüngliche nachricht)\s*-{2,}"
    r"|\s*(von|from):\s.+$)",
    re.IGNORECASE | re.MULTILINE,
)


def text_below_quote(body: str) -> str:
    """What a reply says below the quote it opens with (bottom-posting), '>' lines removed; '' without one."""
    match = _QUOTE_HEADER.search(body)
    if match is None:
        return ""
    rest = body[match.end() :]
    lines = [line for line in rest.splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(lines).strip()


def new_text(body: str) -> str:
    """The part of a reply its author wrote now: stops at the first quote header or quoted block."""
    match = _QUOTE_HEADER.search(body)
    text = body[: match.start()] if match else body
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(lines).strip()
