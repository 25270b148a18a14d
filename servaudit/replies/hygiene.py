"""Support-mail hygiene of one reply: Reply-To, authentication results, tracking pixels, tracked links.

Read from the message's headers and its HTML as received; the phrase-free half of the findings
(servaudit/replies/findings.py adds the promise, the refusal and the language). Pure functions.

``Authentication-Results`` (RFC 8601) is parsed by ``authres``, the parser the dkimpy and
authheaders projects use: the header's grammar (comments, quoted values, properties, several
results per header, version tokens) is more than a regular expression reads reliably, and a
hand-written one would mistake a property value such as ``header.d=fail.example`` for a result.
Only headers the receiving side added count: the first ``Authentication-Results`` fields (a
mail's own copies further down may be forged by the sender, RFC 8601 §5), at most ``TRUSTED``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import Message
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import authres

from servaudit import message as mail
from servaudit.part_text import decoded_pieces

TRUSTED = 1
"""Authentication-Results fields read, from the top: the receiving mailbox adds its own first."""
METHODS = ("spf", "dkim", "dmarc")
HTML_LIMIT = 1_000_000
"""Characters of a reply's HTML read for images and links (a support answer is far shorter)."""


def reply_to(message: Message) -> str | None:
    """The Reply-To address where it differs from the From address (case-insensitive), else None."""
    targets = mail.addresses(message, "Reply-To")
    sender = mail.sender(message).lower()
    differing = [a for a in targets if a.lower() != sender]
    return differing[0] if differing else None


def authentication(message: Message) -> tuple[tuple[str, str], ...]:
    """(method, result) for SPF, DKIM and DMARC as the receiving mailbox recorded them; () without."""
    found: list[tuple[str, str]] = []
    for value in (message.get_all("Authentication-Results") or [])[:TRUSTED]:
        text = " ".join(str(value).split())
        try:
            parsed = authres.AuthenticationResultsHeader.parse_value(text)
        except Exception:  # authres raises its own errors and, on odd input, plain ones: no verdict
            continue
        for result in parsed.results:
            method, verdict = str(result.method).lower(), str(result.result).lower()
            if method in METHODS and (method, verdict) not in found:
                found.append((method, verdict))
    return tuple(found)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[dict[str, str]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "img":
            self.images.append(values)
        elif tag == "a" and values.get("href"):
            self.links.append(values["href"])


def _html(message: Message) -> Iterator[str]:
    """The first HTML part's text in pieces, of which only the first HTML_LIMIT characters are
    read: a long part is decoded as far as it is read (servaudit.part_text)."""
    for part in message.walk():
        if part.get_content_type() == "text/html":
            pieces = decoded_pieces(part)
            if pieces is not None:
                return pieces
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                charset = part.get_content_charset() or "utf-8"
                try:
                    return iter((payload.decode(charset, errors="replace")[:HTML_LIMIT],))
                except LookupError:
                    return iter((payload.decode("utf-8", errors="replace")[:HTML_LIMIT],))
    return iter(())


def _tag_texts(pieces: Iterator[str]) -> Iterator[str]:
    """What ``_TAG.finditer(html[:HTML_LIMIT])`` finds, the HTML coming in pieces: a tag ends at
    the first ">" after its "<", so every tag that starts before a piece's last ">" ends there,
    and the search goes on after it in the next piece."""
    waiting = ""
    """HTML after the last ">" searched to."""
    searched = 0
    """Characters of the HTML before ``waiting``."""
    for piece in pieces:
        waiting += piece
        if searched + len(waiting) >= HTML_LIMIT:
            break
        last = waiting.rfind(">") + 1
        for tag in _TAG.finditer(waiting, 0, last):
            yield tag.group(0)
        waiting = waiting[last:]
        searched += last
    for tag in _TAG.finditer(waiting, 0, HTML_LIMIT - searched):
        yield tag.group(0)


def _host(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return ""


def _listed(host: str, hosts: tuple[str, ...]) -> bool:
    """A host named in the list: the same host or a subdomain; an entry ending in '.' is a first label."""
    for entry in hosts:
        if entry.endswith("."):
            if host.startswith(entry):
                return True
        elif host == entry or host.endswith("." + entry):
            return True
    return False


def _tiny(image: dict[str, str]) -> bool:
    style = image.get("style", "").replace(" ", "").lower()
    sizes = (image.get("width", "").strip().rstrip("px"), image.get("height", "").strip().rstrip("px"))
    if all(size in ("0", "1") for size in sizes):
        return True
    return ("width:1px" in style or "width:0" in style) and ("height:1px" in style or "height:0" in style)


_TAG = re.compile(r"<(?:img|a)\b[^>]*>", re.IGNORECASE)
"""Only image and link tags are parsed: found by one scan in C, their attributes read by HTMLParser."""


def tags(message: Message) -> tuple[list[dict[str, str]], list[str]]:
    """The images and link targets of a reply's HTML part (none for plain text)."""
    parser = _Tags()
    try:
        for tag in _tag_texts(_html(message)):
            parser.feed(tag)
        parser.close()
    except Exception:  # a report never fails on a reply's broken HTML
        pass
    return parser.images, parser.links


def tracking_pixels(images: list[dict[str, str]], pixel_hosts: tuple[str, ...]) -> tuple[str, ...]:
    """Hosts of remote 1×1 (or 0×0) images and of images from known tracker hosts."""
    found: list[str] = []
    for image in images:
        host = _host(image.get("src", ""))
        if host and (_tiny(image) or _listed(host, pixel_hosts)) and host not in found:
            found.append(host)
    return tuple(found)


def tracked_links(
    links: list[str], text: str, redirect_hosts: tuple[str, ...], click_parameters: frozenset[str]
) -> tuple[str, ...]:
    """Hosts of links through a click-redirect host or with click or campaign parameters."""
    words = text.split() if "http" in text else ()  # a text without "http" names no address
    urls = [*links, *(word for word in words if word.startswith(("http://", "https://")))]
    found: list[str] = []
    for url in urls:
        host = _host(url)
        if not host:
            continue
        try:
            names = {name.lower() for name, _ in parse_qsl(urlsplit(url.strip()).query)}
        except ValueError:
            names = set()
        if (_listed(host, redirect_hosts) or names & click_parameters) and host not in found:
            found.append(host)
    return tuple(found)
