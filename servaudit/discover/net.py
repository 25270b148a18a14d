"""Connections for discovery: where a host name connects to, the HTTP client, and the TLS check.

Name resolution is explicit so that a run can be pinned: ``--resolve`` entries
first (like curl's), then the configured DNS server, then the system's. The
HTTP client and the TLS check use the same resolution, while certificates
are still checked against the host name (SNI), as a browser would.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import ssl
from collections.abc import Callable
from datetime import UTC, datetime

import dns.asyncresolver
import dns.exception
import dns.resolver
import httpcore

from servaudit.browser import USER_AGENT
from servaudit.discover.client import SiteClient
from servaudit.discover.model import TlsResult
from servaudit.discover.options import DiscoverOptions
from servaudit.discover.transport import ResolvingBackend

__all__ = [
    "BROWSER_HEADERS",
    "HostResolver",
    "ResolvingBackend",
    "TlsResult",
    "check_tls",
    "make_client",
    "make_dns_resolver",
    "ssl_context",
    "unverified_context",
]

# What a browser sends, so that a site answers the discoverer as it answers a customer.
BROWSER_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "de-DE,de;q=0.9,en;q=0.8",
}


def make_dns_resolver(options: DiscoverOptions) -> dns.asyncresolver.Resolver:
    """The configured DNS server, or the system's (/etc/resolv.conf)."""
    if options.dns_server is None:
        try:
            resolver = dns.asyncresolver.Resolver()
        except dns.resolver.NoResolverConfiguration:
            resolver = dns.asyncresolver.Resolver(configure=False)
    else:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [options.dns_server.address]
        resolver.port = options.dns_server.port
    resolver.timeout = min(options.timeout, 5.0)
    resolver.lifetime = options.timeout
    return resolver


class HostResolver:
    """Host name (and port) → the address to connect to."""

    def __init__(self, options: DiscoverOptions, dns_resolver: dns.asyncresolver.Resolver) -> None:
        self.overrides = options.resolve
        self.use_dns = options.dns_server is not None
        self.dns = dns_resolver
        self._cache: dict[str, str] = {}

    async def address(self, host: str, port: int) -> str:
        host = host.lower().rstrip(".")
        if (host, port) in self.overrides:
            return self.overrides[(host, port)]
        if _is_ip(host) or not self.use_dns:
            return host  # the system resolver answers inside connect()
        if host not in self._cache:
            try:
                answer = await self.dns.resolve(host, "A")
            except (dns.exception.DNSException, OSError) as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {_dns_reason(exc)}") from None
            self._cache[host] = answer[0].to_text()
        return self._cache[host]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _dns_reason(exc: BaseException) -> str:
    if isinstance(exc, dns.resolver.NXDOMAIN):
        return "no such domain"
    if isinstance(exc, dns.resolver.NoAnswer):
        return "no address record"
    if isinstance(exc, dns.exception.Timeout):
        return "DNS timeout"
    return type(exc).__name__


def ssl_context(options: DiscoverOptions) -> ssl.SSLContext:
    """The system's CAs plus --ca-file. Made once per run: loading CAs costs milliseconds."""
    context = ssl.create_default_context()
    if options.ca_file is not None:
        context.load_verify_locations(cafile=str(options.ca_file))
    return context


def unverified_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def make_client(
    options: DiscoverOptions, resolver: HostResolver, context: ssl.SSLContext | Callable[[], ssl.SSLContext]
) -> SiteClient:
    """A client for one site; redirects are followed by the crawler, hop by hop.

    One pool per site rather than one for the run: a pool that scans every connection for every
    waiting request (httpcore's did) turns quadratic with a thousand hosts (see bench/bench_discover.py).
    ``context`` may be a callable that builds the TLS context at the first https connection.
    """
    return SiteClient(
        ResolvingBackend(resolver),
        context,
        timeout=options.timeout,
        max_connections=options.per_host + 2,
        browser_headers=BROWSER_HEADERS,
    )


async def check_tls(
    host: str, port: int, options: DiscoverOptions, resolver: HostResolver, context: ssl.SSLContext
) -> TlsResult:
    """Does ``host:port`` present a certificate a browser accepts (chain, name, dates)?"""
    origin = f"https://{host}" + ("" if port == 443 else f":{port}")
    try:
        address = await resolver.address(host, port)
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(address, port, ssl=context, server_hostname=host),
            options.timeout,
        )
    except ssl.SSLCertVerificationError as exc:
        return TlsResult(origin, False, f"certificate not accepted: {exc.verify_message}")
    except ssl.SSLError as exc:
        return TlsResult(origin, False, f"TLS handshake failed: {exc.reason or exc}")
    except TimeoutError:
        return TlsResult(origin, False, f"cannot connect: timed out after {options.timeout:g} s")
    except (OSError, httpcore.ConnectError) as exc:
        return TlsResult(origin, False, f"cannot connect: {str(exc) or type(exc).__name__}")
    try:
        tls = writer.get_extra_info("ssl_object")
        certificate = tls.getpeercert() if tls is not None else None
        expires = None
        if certificate and "notAfter" in certificate:
            seconds = ssl.cert_time_to_seconds(str(certificate["notAfter"]))
            expires = datetime.fromtimestamp(seconds, UTC).date().isoformat()
        version = tls.version() if tls is not None else "TLS"
        return TlsResult(origin, True, f"valid ({version})", expires)
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()
