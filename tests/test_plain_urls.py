"""A plain URL's request without httpx.Request is byte for byte the one httpx.Request made.

servaudit/discover/client.py builds the first request to an origin with httpx and the next ones to
plain URLs there from that request's headers and plain_target's request target: whatever URL
plain_target accepts, those bytes must be httpx's own for that URL.
"""

from __future__ import annotations

import h11
import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from servaudit.discover.client import client_headers
from servaudit.discover.net import BROWSER_HEADERS
from servaudit.discover.plain_urls import plain_target

HEADERS = client_headers(tuple(BROWSER_HEADERS.items()))


def _wire(target: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    connection = h11.Connection(our_role=h11.CLIENT)
    return connection.send(h11.Request(method=b"GET", target=target, headers=headers))


def _httpx_bytes(url: str) -> tuple[tuple[bytes, bytes, int | None], bytes] | str:
    """(origin, request bytes) as httpx.Request makes them, or its error's text."""
    try:
        request = httpx.Request("GET", url, headers=HEADERS)
    except (httpx.InvalidURL, UnicodeError) as exc:
        return f"{type(exc).__name__}: {exc}"
    origin = (request.url.raw_scheme, request.url.raw_host, request.url.port)
    return origin, _wire(request.url.raw_path, request.headers.raw)


def _check(url: str) -> None:
    plain = plain_target(url)
    if plain is None:
        return  # httpx builds this one's request, as it always did
    origin, target = plain
    before = _httpx_bytes(url)
    first = _httpx_bytes(origin + "/")  # the origin's first request, made by httpx
    if isinstance(before, str):
        # httpx refuses this URL: its origin alone is refused the same way, so the first request
        # to it fails as before and none is ever made without httpx.
        assert first == before.replace(url, origin + "/")
        return
    assert not isinstance(first, str)
    assert first[0] == before[0]
    reused = httpx.Request("GET", origin + "/", headers=HEADERS).headers.raw
    assert _wire(target, reused) == before[1]


_SEGMENT_CHARS = st.sampled_from(
    [*"azAZ09-._~!$&'()*+,;=:@%/?#[]{}<>\"` |\\^", "%41", "%c3%a4", "%2e", "%2E%2e", "ä", "€", "..", "."]
)
# Mostly what plain_target accepts (so that many generated URLs are held to httpx's bytes), with
# the dots, escapes and separators at the edges of what it accepts.
_PLAIN_PIECES = st.sampled_from(
    ["/", "/", "a", "Z", "0", "-", ".", "..", "_", "~", "!$&'()*+,;=", ":", "@", "%41", "%c3%a4", "%2e", "?",
     "/."]
)  # fmt: skip
_HOST = st.one_of(
    st.sampled_from(
        ["site0001.example", "Example.COM", "127.0.0.1", "999.1.1.1", "xn--bcher-kva.de", "a..b", "-x-",
         "bücher.de", "[::1]", "user@host", "host.", "localhost"]
    ),
    st.text(alphabet="abcXYZ019.-", min_size=1, max_size=12),
)  # fmt: skip
_PORT = st.sampled_from(["", ":80", ":443", ":8080", ":080", ":0", ":65535", ":99999", ":", ":x"])


@st.composite
def _urls(draw: st.DrawFn) -> str:
    if draw(st.booleans()):  # anything
        scheme = draw(st.sampled_from(["http", "https", "HTTP", "ftp"]))
        path = "".join(draw(st.lists(_SEGMENT_CHARS, max_size=12)))
        return f"{scheme}://{draw(_HOST)}{draw(_PORT)}{path}"
    # near plain
    scheme = draw(st.sampled_from(["http", "https"]))
    hosts = ["site0001.example", "Example.COM", "127.0.0.1", "999.1.1.1", "a..b", "host."]
    host = draw(st.sampled_from(hosts))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080", ":080", ":99999"]))
    path = "".join(draw(st.lists(_PLAIN_PIECES, max_size=12)))
    return f"{scheme}://{host}{port}{'/' if draw(st.booleans()) else ''}{path}"


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_urls())
@example("http://site0001.example:8080/kontakt")
@example("http://site0001.example?x=1")
@example("http://site0001.example/a/./b/../c")
@example("http://site0001.example/.well-known/x?a=.")
@example("https://Site.Example:443//doppelt//?q=a/b?c&d=%C3%A4")
def test_a_plain_urls_request_is_httpxs_byte_for_byte(url: str) -> None:
    _check(url)


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("http://site0001.example:8080/", b"/"),
        ("http://site0001.example:8080", b"/"),
        ("https://example.com/kontakt?x=%C3%A4&y=1", b"/kontakt?x=%C3%A4&y=1"),
        ("http://127.0.0.1:5000/impressum", b"/impressum"),
        ("http://example.com?a", b"/?a"),
    ],
)
def test_a_crawls_usual_urls_are_plain(url: str, target: bytes) -> None:
    plain = plain_target(url)
    assert plain is not None and plain[1] == target
    _check(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/a b",
        "http://example.com/ä",
        "http://example.com/a/../b",
        "http://example.com/#top",
        "http://user:pw@example.com/",
        "HTTP://example.com/",
        "http://[::1]/",
        "http://example.com/%zz",
        "http://example.com/" + "a" * 9000,
    ],
)
def test_urls_httpx_would_change_are_not_plain(url: str) -> None:
    assert plain_target(url) is None
