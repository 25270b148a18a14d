"""How a discovery run behaves: its bounds, its politeness, and where its names resolve."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from servaudit.errors import UsageError

DNS_SERVER_VARIABLE = "SERVAUDIT_DNS_SERVER"


@dataclass(frozen=True)
class DnsServer:
    address: str
    port: int = 53

    def __str__(self) -> str:
        return f"{self.address}:{self.port}"


@dataclass(frozen=True)
class DiscoverOptions:
    max_pages: int = 40
    """Pages fetched per site at most (robots.txt not counted)."""
    max_depth: int = 3
    """Clicks from the home page at most."""
    time_budget: float = 60.0
    """Seconds per site; what was found until then is kept."""
    timeout: float = 10.0
    """Seconds for one request (connect, first byte, each read)."""
    delay: float = 0.5
    """Seconds between the starts of two requests to the same host (robots.txt Crawl-delay may raise it)."""
    per_host: int = 2
    """Requests in flight to one host at most."""
    concurrency: int = 8
    """Sites crawled at the same time."""
    render: bool = False
    """Render every page in Chromium before reading it (for pages built by JavaScript)."""
    chromium: str | None = None
    checks: bool = True
    """DNS MX of e-mail domains, TLS of the site; status and time to first byte are always recorded."""
    resolve: dict[tuple[str, int], str] = field(default_factory=dict)
    """(host, port) → address to connect to instead of looking the host up (like curl --resolve)."""
    dns_server: DnsServer | None = None
    """Ask this server for MX and A records (and for hosts not in ``resolve``); default: the system's."""
    ca_file: Path | None = None
    """Extra CA certificates (PEM) to trust for TLS, in addition to the system's."""
    max_bytes: int = 2_000_000
    """A page's body is read up to this size."""
    evidence: Path | None = None
    """With ``render``: the audit folder whose evidence/discover/ keeps a screenshot of each page that
    shows a hint about the site's duties (servaudit/discover/legal.py); None: no screenshots."""

    def __post_init__(self) -> None:
        for name in ("max_pages", "per_host", "concurrency"):
            if getattr(self, name) < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
        if self.max_depth < 0:
            raise UsageError("--max-depth must be 0 or more")
        for name in ("time_budget", "timeout"):
            if getattr(self, name) <= 0:
                raise UsageError(f"--{name.replace('_', '-')} must be more than 0 seconds")
        if self.delay < 0:
            raise UsageError("--delay must be 0 or more seconds")
        if self.ca_file is not None and not self.ca_file.is_file():
            raise UsageError(f"--ca-file {self.ca_file}: no such file")


def parse_resolve(entries: list[str]) -> dict[tuple[str, int], str]:
    """``HOST:PORT:ADDRESS`` entries (curl's --resolve syntax) → {(host, port): address}."""
    mapping: dict[tuple[str, int], str] = {}
    for entry in entries:
        host, sep1, rest = entry.partition(":")
        port_text, sep2, address = rest.partition(":")
        if not (sep1 and sep2 and host and port_text.isdigit() and address):
            raise UsageError(
                f"--resolve {entry!r}: expected HOST:PORT:ADDRESS, e.g. shop.example:443:127.0.0.1"
            )
        _check_address(address.strip("[]"), f"--resolve {entry!r}")
        port = int(port_text)
        if not 0 < port < 65536:
            raise UsageError(f"--resolve {entry!r}: port must be 1–65535")
        mapping[(host.lower().rstrip("."), port)] = address.strip("[]")
    return mapping


def parse_dns_server(text: str | None) -> DnsServer | None:
    """``ADDRESS[:PORT]`` (IPv6 as ``[ADDRESS]:PORT``); falls back to $SERVAUDIT_DNS_SERVER."""
    text = text or os.environ.get(DNS_SERVER_VARIABLE) or None
    if text is None:
        return None
    where = f"DNS server {text!r}"
    if text.startswith("["):
        address, _, port_text = text[1:].partition("]")
        port_text = port_text.removeprefix(":")
    elif text.count(":") == 1:
        address, _, port_text = text.partition(":")
    else:
        address, port_text = text, ""
    _check_address(address, where)
    if port_text and not (port_text.isdigit() and 0 < int(port_text) < 65536):
        raise UsageError(f"{where}: the port must be a number 1–65535")
    return DnsServer(address, int(port_text) if port_text else 53)


def _check_address(address: str, where: str) -> None:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise UsageError(f"{where}: {address!r} is not an IP address") from None
