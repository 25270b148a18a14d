"""discover on uvloop's event loop (servaudit/discover/loop.py) records what it recorded on asyncio's:
every error text, TLS verdict, note and outcome of the discovery JSON, for the failures a crawl meets
(refused, reset, silence, a short body, TLS failures, DNS failures, redirect loops), with real servers
on 127.0.0.1 and a real dnsmasq on a loopback port."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from servaudit.discover import DiscoverOptions, discover_async
from servaudit.discover.loop import loop_factory, run
from servaudit.discover.net import (
    HostResolver,
    check_tls,
    make_client,
    make_dns_resolver,
    ssl_context,
    unverified_context,
)
from servaudit.discover.options import DnsServer
from tests.discover_support import Dnsmasq, SiteServer, dns, make_certificates, options, server_tls, sites

__all__ = ["dns", "sites"]  # fixtures


class RawServers:
    """Raw TCP servers on 127.0.0.1 that fail in one way each, in a thread with its own asyncio loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.ports: dict[str, int] = {}
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> RawServers:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    async def _start(self) -> None:
        async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _past_robots(reader, writer)
            _abort(writer)

        async def reset_unasked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            # Reset whatever came (a request, a TLS hello): the connection made, not yet answered.
            # (Reset at the very moment of the connection, it races the client's connect call, which
            # then fails or not: on either loop.)
            await reader.read(1)
            _abort(writer)

        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _past_robots(reader, writer)
            await reader.read()  # never answers; ends when the client gives up

        async def short(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _past_robots(reader, writer)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100\r\n\r\n<html>")
            writer.close()

        async def plain(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            # Plain HTTP to a TLS hello, the connection left for the client to close. (Closed at once,
            # the hello arriving after the close draws a reset, which races the client's reading of
            # the answer: on either loop.)
            await reader.read(1)
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            await reader.read()

        for name, handler in [
            ("reset", reset), ("resetunasked", reset_unasked), ("silent", silent), ("short", short),
            ("plain", plain),
        ]:  # fmt: skip
            server = await asyncio.start_server(_quiet(handler), "127.0.0.1", 0)
            self.ports[name] = server.sockets[0].getsockname()[1]


async def _past_robots(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer robots.txt (none: everything allowed), so that the crawl goes on to the failing request
    and records its error (a robots.txt that cannot be read is recorded as that, whatever the cause)."""
    while (await reader.readuntil(b"\r\n\r\n")).startswith(b"GET /robots.txt "):
        writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _quiet(handler: Handler) -> Handler:
    """A TLS hello where a request was awaited, a client gone: the server's side of it is not the test."""

    async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            await handler(reader, writer)

    return run


def _abort(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@pytest.fixture
def raw() -> Iterator[RawServers]:
    with RawServers() as servers:
        yield servers


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _both_loops(urls: list[str], **settings: Any) -> tuple[str, str]:
    """The discovery JSON of one run on asyncio's loop and one on uvloop's, timings taken out."""
    on_asyncio = asyncio.run(discover_async(urls, settings["options"]))
    on_uvloop = run(discover_async(urls, settings["options"]))
    return _json(on_asyncio), _json(on_uvloop)


def _json(results: list[Any]) -> str:
    return json.dumps(_untimed([r.as_json() for r in results]), indent=1, sort_keys=True)


def _untimed(value: Any) -> Any:
    """The JSON without its timings (a site's seconds, each answer's ttfb_ms), which no two runs share."""
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if k not in ("seconds", "ttfb_ms")}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


def test_uvloop_is_installed_and_used() -> None:
    # A dependency (pyproject.toml): without it the comparisons below would compare asyncio with itself.
    import uvloop

    assert loop_factory() is uvloop.new_event_loop
    assert loop_factory(fast=False) is None

    async def which() -> str:
        return type(asyncio.get_running_loop()).__module__

    assert run(which()).startswith("uvloop")
    assert run(which(), fast=False).startswith("asyncio")


def test_without_uvloop_discover_runs_on_asyncios_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as where it has no wheels: the import fails

    async def which() -> str:
        return type(asyncio.get_running_loop()).__module__

    assert loop_factory() is None
    assert run(which()).startswith("asyncio")


def test_connection_failures_are_recorded_alike(
    tmp_path: Path, sites: SiteServer, dns: Dnsmasq, raw: RawServers
) -> None:
    refused = _closed_port()
    hosts = {f"{name}.example": port for name, port in raw.ports.items()} | {"refused.example": refused}
    resolve = sites.resolve() | {(host, port): "127.0.0.1" for host, port in hosts.items()}
    urls = [
        *(f"http://{host}:{port}/" for host, port in hosts.items()),
        *(f"https://{host}:{port}/" for host, port in hosts.items()),  # TLS to each of them
        sites.url("broken"),  # a redirect loop, a redirect to another host, 404 and 500
        sites.url("down"),  # 503
        f"http://gone.example:{sites.port}/",  # NXDOMAIN from the configured DNS server (as robots.txt's)
        f"http://127.0.0.1:{refused}/",  # an address, no name
    ]
    settings = options(sites, dns, timeout=2.0, delay=0.0, resolve=resolve)
    before, now = _both_loops(urls, options=settings)
    assert now == before
    assert "Connection reset by peer" in now and "timed out after 2 s" in now
    assert "peer closed connection without sending complete message body" in now
    assert "more than 5 redirects" in now and "redirects to another host" in now


async def _client_outcomes(ports: dict[str, int]) -> list[tuple[str, str, str]]:
    """What discover's HTTP client and TLS check give for each failing endpoint, a refused one too:
    the texts a crawl records when such a failure comes after robots.txt was read."""
    settings = DiscoverOptions(timeout=2.0)
    resolver = HostResolver(settings, make_dns_resolver(settings))
    outcomes = []
    for name, port in {**ports, "refused": _closed_port()}.items():
        for scheme in ("http", "https"):
            client = make_client(settings, resolver, unverified_context())
            try:
                async with client.stream(f"{scheme}://127.0.0.1:{port}/") as response:
                    outcome = f"{response.status_code} {await response.aread()!r}"
            except httpx.HTTPError as exc:
                outcome = f"{type(exc).__name__}: {exc}"
            finally:
                await client.aclose()
            outcomes.append((name, scheme, outcome.replace(str(port), "PORT")))
        verdict = await check_tls("127.0.0.1", port, settings, resolver, ssl_context(settings))
        outcomes.append((name, "check_tls", verdict.detail.replace(str(port), "PORT")))
    return outcomes


def test_client_and_tls_check_failures_read_alike(raw: RawServers) -> None:
    before = asyncio.run(_client_outcomes(raw.ports))
    now = run(_client_outcomes(raw.ports))
    assert now == before
    outcomes = {(name, kind): text for name, kind, text in now}
    assert outcomes["refused", "http"] == "ConnectError: [Errno 111] Connect call failed ('127.0.0.1', PORT)"
    assert outcomes["refused", "check_tls"].startswith("cannot connect: [Errno 111] Connect call failed")


def test_a_dns_server_that_does_not_answer_is_recorded_alike(sites: SiteServer, dns: Dnsmasq) -> None:
    silent = DnsServer("127.0.0.1", _closed_port())
    settings = options(sites, dns, timeout=2.0, dns_server=silent, resolve={})
    before, now = _both_loops([f"http://nordwind.example:{sites.port}/"], options=settings)
    assert now == before
    assert "robots.txt could not be read" in now


def test_tls_verdicts_and_unverified_reading_are_recorded_alike(tmp_path: Path, dns: Dnsmasq) -> None:
    certificates = make_certificates(tmp_path / "tls", "secure.example")
    with SiteServer(tls=server_tls(certificates)) as server:
        urls = [server.url("secure", scheme="https"), server.url("nordwind", scheme="https")]
        # A generous time-out: the fixture server does its TLS handshakes one at a time, in its accepting
        # thread, and a handshake slowed past the time-out by a busy machine would differ by chance.
        patient = options(server, dns, timeout=30.0)
        untrusted, untrusted_now = _both_loops(urls, options=patient)
        trusted, trusted_now = _both_loops(urls, options=replace(patient, ca_file=certificates.ca))
    assert untrusted_now == untrusted and trusted_now == trusted
    assert "unable to get local issuer certificate" in untrusted_now
    assert "without certificate verification" in untrusted_now
    assert "hostname mismatch" in trusted_now.lower()
