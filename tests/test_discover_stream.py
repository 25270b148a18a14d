"""The texts the crawl records for a connection's errors, pinned as they were when discovery's
client read through asyncio's StreamReader (servaudit/discover/socket_buffer.py replaced it), and
bodies read whole whether they end by length, by the connection's end, or are larger than what the
protocol buffers before it pauses reading (a slow reader of 3 MiB)."""

from __future__ import annotations

import asyncio
import socket
import struct

import httpx
import pytest

from servaudit.discover.client import read_body
from servaudit.discover.net import HostResolver, make_client, make_dns_resolver, ssl_context
from servaudit.discover.options import DiscoverOptions

BIG = bytes(range(256)) * 4096 * 3


async def _answer(kind: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    if kind == "reset":
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nanfang")
        await writer.drain()
        await asyncio.sleep(0.05)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
        writer.transport.abort()
        return
    if kind == "big":
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BIG) + BIG)
    elif kind == "until the end":
        writer.write(b"HTTP/1.1 200 OK\r\n\r\nbis zum Ende")
    elif kind == "closed":
        pass
    elif kind == "short":
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nzu kurz")
    elif kind == "not http":
        writer.write(b"KEIN HTTP\r\n\r\n")
    elif kind == "silent":
        await asyncio.sleep(1.5)
    await writer.drain()
    writer.close()


async def _get(kind: str) -> object:
    server = await asyncio.start_server(lambda r, w: _answer(kind, r, w), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    options = DiscoverOptions(timeout=1.0)
    client = make_client(options, HostResolver(options, make_dns_resolver(options)), ssl_context(options))
    try:
        async with client.stream(f"http://127.0.0.1:{port}/") as response:
            if kind == "big":
                body = bytearray()
                async for chunk in response.aiter_bytes():  # slowly: the protocol pauses reading
                    body += chunk
                    await asyncio.sleep(0.001)
                return response.status_code, body == BIG
            return response.status_code, bytes(await read_body(response, 10**9))
    except httpx.HTTPError as exc:
        return type(exc).__name__, str(exc)
    finally:
        await client.aclose()
        server.close()


@pytest.mark.parametrize(
    ("kind", "outcome"),
    [
        ("reset", ("ReadError", "[Errno 104] Connection reset by peer")),
        ("closed", ("RemoteProtocolError", "Server disconnected without sending a response.")),
        (
            "short",
            (
                "RemoteProtocolError",
                "peer closed connection without sending complete message body"
                " (received 7 bytes, expected 100)",
            ),
        ),
        ("not http", ("RemoteProtocolError", "illegal status line: bytearray(b'KEIN HTTP')")),
        ("silent", ("ReadTimeout", "no data within 1.0 s")),
        ("until the end", (200, b"bis zum Ende")),
        ("big", (200, True)),
    ],
)
def test_what_a_connection_gives_is_what_it_gave_through_streamreader(kind: str, outcome: object) -> None:
    assert asyncio.run(_get(kind)) == outcome
