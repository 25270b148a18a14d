"""What makes two URLs, two findings or two sites the same, and what a site is called.

The crawler remembers URLs in one normal form, merges what pages found by identity (each
finding kept at its smallest click depth), and names a site from its pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from servaudit.discover.extract import PageFindings

_GENERIC_TITLES = frozenset({"startseite", "home", "homepage", "willkommen", "welcome", "start"})


def normalise(url: str) -> str:
    """The form a URL is remembered in: no fragment, lower-case scheme and host, no default port."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    port = parts.port if parts.port not in (None, default) else None
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def _section(url: str) -> tuple[str, str]:
    """Host and first path segment: /hilfe/ and /hilfe/rechnung are one help section."""
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), parts.path.strip("/").split("/", 1)[0].lower()


def origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


def slug_for(host: str) -> str:
    labels = host.removeprefix("www.").split(".")
    stem = "-".join(labels[:-1] or labels)
    return re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-") or "site"


def name_for(site_name: str, title: str, slug: str) -> str:
    if site_name.strip():
        return " ".join(site_name.split())
    parts = [p.strip() for p in re.split(r"\s+[|–—·:-]\s+", title) if p.strip()]
    parts = [p for p in parts if p.lower() not in _GENERIC_TITLES]
    return parts[0] if parts else slug.replace("-", " ").title()


IDENTITY: dict[str, Callable[[Any], Any]] = {
    "emails": lambda e: e.address,
    "phones": lambda p: p.e164,
    "forms": lambda f: (f.url, f.action),
    "chats": lambda c: c.vendor,
    "help": lambda h: _section(h.url),
    "social": lambda s: normalise(s.url).rstrip("/"),
    "hours": lambda h: h.text.lower(),
    # One contract sign per word; a hotline once per context it was seen in (the strongest one counts).
    "legal": lambda h: (
        (h.kind, h.detail) if h.kind == "contract_sign" else (h.kind, h.target or h.page, h.detail)
    ),
}
"""Per kind of finding (a list of Findings): what makes two findings on different pages the same one."""


@dataclass
class Found:
    """Items by identity, each kept at its smallest depth."""

    items: dict[str, dict[Any, Any]] = field(default_factory=dict)

    def add(self, kind: str, key: Any, item: Any) -> None:
        bucket = self.items.setdefault(kind, {})
        if key not in bucket or item.depth < bucket[key].depth:
            bucket[key] = item

    def merge(self, found: PageFindings) -> None:
        for kind, identity in IDENTITY.items():
            for item in getattr(found, kind):
                self.add(kind, identity(item), item)

    def sorted(self, kind: str) -> list[Any]:
        return sorted(self.items.get(kind, {}).values(), key=lambda item: item.depth)
