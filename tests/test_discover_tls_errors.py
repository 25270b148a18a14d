"""What the crawl records when a TLS handshake fails: a reset is a connection error (it was recorded
as "no connection free" after the whole time-out), a silent server a time-out, and the TLS check
says what kept it from connecting (it said "cannot connect: " and nothing after a time-out).

Servers on 127.0.0.1 that accept the TCP connection and then reset it at the first byte of the
client's hello, or never answer it.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import AsyncIterator

import pytest

from servaudit.discover.crawler import Crawler, Fetched, SiteClients
from servaudit.discover.fingerprints import load_fingerprints
from servaudit.discover.net import HostResolver, TlsResult, check_tls, make_dns_resolver
from servaudit.discover.options import DiscoverOptions

TIMEOUT = 1.0


async def _reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(1)  # the client's hello has begun
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
    writer.transport.abort()


async def _silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()  # never answers; the client gives up
    writer.close()


async def _server(kind: str) -> AsyncIterator[int]:
    server = await asyncio.start_server(_reset if kind == "reset" else _silent, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def _get(kind: str) -> tuple[Fetched, float, TlsResult]:
    async for port in _server(kind):
        options = DiscoverOptions(timeout=TIMEOUT)
        crawler = Crawler(options, load_fingerprints(None), HostResolver(options, make_dns_resolver(options)))
        clients = SiteClients(crawler)
        started = time.monotonic()
        fetched = await crawler._get(f"https://127.0.0.1:{port}/", clients.get(verify=True))
        took = time.monotonic() - started
        clients.close()
        await asyncio.wait_for(clients.wait_closed(), TIMEOUT)  # nothing left hanging
        verdict = await check_tls("127.0.0.1", port, options, crawler.resolver, crawler.verified)
        return fetched, took, verdict
    raise AssertionError("no server")


def test_a_handshake_reset_by_the_server_is_recorded_as_a_connection_error_at_once() -> None:
    fetched, took, verdict = asyncio.run(_get("reset"))
    assert fetched.error == "cannot connect: [Errno 104] Connection reset by peer"
    assert took < TIMEOUT / 2
    assert verdict.detail == "cannot connect: [Errno 104] Connection reset by peer"


@pytest.mark.parametrize("kind", ["silent"])
def test_a_handshake_never_answered_is_a_time_out_in_both_records(kind: str) -> None:
    fetched, took, verdict = asyncio.run(_get(kind))
    assert fetched.error == f"timed out after {TIMEOUT:g} s"
    assert took < TIMEOUT * 1.5
    assert verdict.detail == f"cannot connect: timed out after {TIMEOUT:g} s"
