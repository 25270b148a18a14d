"""Which URLs httpx sends exactly as written, so that their requests need no httpx.Request.

Building an httpx.Request (parsing and quoting its URL, merging the client's headers, the Host
header) was a tenth of discovery's CPU per request, and a crawl sends a few requests to each origin
whose headers are the same but for the path. For a URL that httpx leaves as it is, the request line
carries the URL's own path and query, and every other byte is the origin's: so the client builds
the first request to an origin with httpx and reuses its headers for the next plain URLs there
(servaudit/discover/client.py). tests/test_plain_urls.py holds this to httpx's own bytes for
generated URLs.

A plain URL: http or https in lower case; a host of ASCII letters, digits, dots and hyphens with an
optional port (httpx's reading of it, lower case and without a default port, is the origin's, taken
from its first request); a path and query of characters httpx never escapes, percent-escapes as
they are, and no "." or ".." segment (httpx drops those); no user, no fragment, no space.
"""

from __future__ import annotations

import re

# Characters httpx leaves as they are in a path and in a query (RFC 3986's unreserved and
# sub-delimiters, ":" and "@"), or an escape already made.
_CHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_PLAIN = re.compile(
    r"(?P<origin>https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?)"
    # segments other than "." and ".." (httpx's normalize_path drops them)
    rf"(?P<path>(?:/(?!\.\.?(?:[/?]|$)){_CHAR}*)*)"
    rf"(?P<query>\?(?:{_CHAR}|[/?])*)?"
)
_MAX_LENGTH = 8192
"""Longer URLs take httpx's way (it has a limit of its own, and its error)."""


def plain_target(url: str) -> tuple[str, bytes] | None:
    """``url``'s origin as written (``scheme://host[:port]``) and the request target httpx would
    send for it; None when httpx might send something else (then httpx builds the request)."""
    if len(url) > _MAX_LENGTH:
        return None
    match = _PLAIN.fullmatch(url)
    if match is None:
        return None
    origin, path, query = match.group("origin", "path", "query")
    return origin, ((path or "/") + (query or "")).encode("ascii")
