"""discover's own HTTP client against httpx.AsyncClient, which it replaced: the same bytes on the wire,
the same answers read, the same errors with the same texts (the crawl records them).

Each case runs twice against a raw asyncio server on 127.0.0.1, once through httpx.AsyncClient over
httpcore's pool as make_client built it before (``_Reference``, the transport it had, kept here) and
once through make_client, and compares what the server received (every request's head, the
connections opened) and what the client read or raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpcore
import httpx
import pytest

from servaudit.discover.client import read_body
from servaudit.discover.net import BROWSER_HEADERS, HostResolver, make_client, make_dns_resolver, ssl_context
from servaudit.discover.options import DiscoverOptions
from servaudit.discover.transport import ResolvingBackend, as_httpx_errors


class _ReferenceBody(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with as_httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            await close()


class _Reference(httpx.AsyncBaseTransport):
    """The transport make_client gave httpx.AsyncClient before: httpcore's pool on our backend."""

    def __init__(self, resolver: HostResolver, max_connections: int) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            max_connections=max_connections, network_backend=ResolvingBackend(resolver)
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        url = httpcore.URL(
            scheme=request.url.raw_scheme, host=request.url.raw_host, port=request.url.port,
            target=request.url.raw_path,
        )  # fmt: skip
        core = httpcore.Request(
            method=request.method, url=url, headers=request.headers.raw, content=request.stream,
            extensions=request.extensions,
        )  # fmt: skip
        with as_httpx_errors():
            response = await self._pool.handle_async_request(core)
        assert isinstance(response.stream, AsyncIterable)
        return httpx.Response(
            status_code=response.status, headers=response.headers, stream=_ReferenceBody(response.stream),
            extensions=response.extensions,
        )  # fmt: skip

    async def aclose(self) -> None:
        await self._pool.aclose()

Answer = Callable[[int, bytes], tuple[bytes, bool] | None]
"""(request number on this server, request head) → (raw response bytes, whether the server then closes
the connection); None: close without answering."""


@dataclass
class Seen:
    heads: list[bytes] = field(default_factory=list)
    """Each request's head, the server's port taken out (each run has its own server)."""
    connections: int = 0
    handlers: list[asyncio.Task[None]] = field(default_factory=list)
    outcomes: list[tuple[int | None, str, bytes | str]] = field(default_factory=list)
    """Per request: status, Location header, body; or (None, exception class, its text)."""


async def _serve(answer: Answer, seen: Seen) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.connections += 1
        task = asyncio.current_task()
        assert task is not None
        seen.handlers.append(task)
        port = writer.get_extra_info("sockname")[1]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                seen.heads.append(head.replace(b":%d\r\n" % port, b":PORT\r\n"))
                raw = answer(len(seen.heads), head)
                if raw is None:
                    break
                writer.write(raw[0])
                await writer.drain()
                if raw[1]:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


Get = Callable[[str], Awaitable[tuple[int, str, bytes]]]


async def _run(answer: Answer, paths: list[str], ours: bool, limit: int = 10**9) -> Seen:
    seen = Seen()
    server = await _serve(answer, seen)
    port = server.sockets[0].getsockname()[1]
    options = DiscoverOptions(timeout=1.0)
    resolver = HostResolver(options, make_dns_resolver(options))
    if ours:
        client = make_client(options, resolver, ssl_context(options))

        async def get(url: str) -> tuple[int, str, bytes]:
            async with client.stream(url) as response:
                # as the crawler reads it (servaudit/discover/crawler.py's _get)
                body = bytes(await read_body(response, limit))
                return response.status_code, response.headers.get("location", ""), body

        close = client.aclose
    else:
        reference = httpx.AsyncClient(
            transport=_Reference(resolver, max_connections=options.per_host + 2),
            headers=BROWSER_HEADERS,
            timeout=httpx.Timeout(options.timeout),
            follow_redirects=False,
            trust_env=False,
        )

        async def get(url: str) -> tuple[int, str, bytes]:
            async with reference.stream("GET", url) as response:
                body = await _body(response, limit)
                return response.status_code, response.headers.get("location", ""), body

        close = reference.aclose
    try:
        for path in paths:
            try:
                seen.outcomes.append(await get(f"http://127.0.0.1:{port}{path}"))
            except httpx.HTTPError as exc:
                seen.outcomes.append((None, type(exc).__name__, str(exc)))
    finally:
        await close()
        await asyncio.gather(*seen.handlers)  # each ends at its connection's end
        server.close()
        await server.wait_closed()
    return seen


async def _body(response: httpx.Response, limit: int) -> bytes:
    """As the crawler read a body before read_body: chunk by chunk until ``limit`` is reached."""
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= limit:
            break
    return bytes(body)


def _same(answer: Answer, paths: list[str], limit: int = 10**9) -> Seen:
    before = asyncio.run(_run(answer, paths, ours=False, limit=limit))
    now = asyncio.run(_run(answer, paths, ours=True, limit=limit))
    assert now.heads == before.heads
    assert now.outcomes == before.outcomes
    assert now.connections == before.connections
    return now


def _response(status: str, body: bytes, *headers: str) -> tuple[bytes, bool]:
    lines = [f"HTTP/1.1 {status}", *headers, f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body, False


def test_the_same_requests_with_cookies_on_one_kept_alive_connection() -> None:
    def answer(number: int, head: bytes) -> tuple[bytes, bool]:
        if number == 1:
            return _response("200 OK", b"<html>eins</html>", "Set-Cookie: session=abc; Path=/")
        return _response("200 OK", b"<html>zwei</html>", "Content-Type: text/html; charset=utf-8")

    seen = _same(answer, ["/", "/kontakt?x=%C3%A4&y=1", "/impressum"])
    assert seen.connections == 1
    assert b"User-Agent: Mozilla/5.0" in seen.heads[0]
    assert b"Cookie: session=abc" in seen.heads[1]


def test_a_compressed_body_and_a_redirect_are_read_the_same() -> None:
    def answer(number: int, head: bytes) -> tuple[bytes, bool]:
        if number == 1:
            return _response("302 Found", b"", "Location: /neu")
        page = gzip.compress(b"<html>" + b"x" * 5000 + b"</html>")
        return _response("200 OK", page, "Content-Encoding: gzip")

    seen = _same(answer, ["/alt", "/neu"])
    assert seen.outcomes[0][:2] == (302, "/neu")
    assert seen.outcomes[1][2] == b"<html>" + b"x" * 5000 + b"</html>"


@pytest.mark.parametrize(
    "raw",
    [
        None,  # the server closes without answering
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nzu kurz", True),  # the body ends early
        (b"KEIN HTTP\r\n\r\n", False),  # not an HTTP answer
        (b"HTTP/1.1 301 Moved\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n", False),  # bad Location
        (b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nnope", False),  # not gzip
        (b"", False),  # no answer within the time-out
    ],
)
def test_broken_answers_fail_with_the_same_error_and_text(raw: tuple[bytes, bool] | None) -> None:
    def answer(number: int, head: bytes) -> tuple[bytes, bool] | None:
        return raw if number == 1 else _response("200 OK", b"<html>ok</html>")

    seen = _same(answer, ["/", "/"])
    assert seen.outcomes[0][0] is None
    assert seen.outcomes[1] == (200, "", b"<html>ok</html>")


def test_an_informational_answer_is_skipped_as_before() -> None:
    def answer(number: int, head: bytes) -> tuple[bytes, bool]:
        final, close = _response("200 OK", b"<html>nach 100</html>")
        return b"HTTP/1.1 100 Continue\r\n\r\n" + final, close

    seen = _same(answer, ["/", "/"])
    assert seen.outcomes == [(200, "", b"<html>nach 100</html>")] * 2


def test_plain_urls_after_the_first_send_the_same_bytes_until_a_cookie_comes() -> None:
    """The origin's first request is httpx's, the next plain ones reuse its headers
    (servaudit/discover/plain_urls.py), and once a cookie is kept httpx builds them again."""

    def answer(number: int, head: bytes) -> tuple[bytes, bool]:
        if number == 3:
            return _response("301 Moved", b"", "Location: /neu?a=%C3%A4")
        if number == 5:
            return _response("200 OK", b"<html>keks</html>", "Set-Cookie: session=abc; Path=/")
        return _response("200 OK", b"<html>%d</html>" % number, "Content-Type: text/html")

    paths = ["/", "/kontakt?x=%C3%A4&y=1", "/alt", "/a/./b/../c", "//doppelt/?q=a/b?c", "/impressum", ""]
    seen = _same(answer, paths)
    assert seen.connections == 1
    assert b"Cookie: session=abc" in seen.heads[5] and b"Cookie" not in seen.heads[4]


@pytest.mark.parametrize("limit", [1, 5000, 10000, 10001])
@pytest.mark.parametrize("encoding", ["", "gzip"])
def test_a_body_read_up_to_a_limit_is_cut_where_it_was_and_its_connection_handled_alike(
    limit: int, encoding: str
) -> None:
    """Bodies of 10,000 bytes in chunks of 5,000 (chunked transfer): a read that stops at the limit
    before the end leaves the connection unreusable, one that reaches the end keeps it."""

    def answer(number: int, head: bytes) -> tuple[bytes, bool]:
        page = b"x" * 10000
        if encoding:
            page = gzip.compress(page)
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (page[:5000], page[5000:]) if part)
        headers = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
        headers += f"Content-Encoding: {encoding}\r\n" if encoding else ""
        return headers.encode() + b"\r\n" + chunks + b"0\r\n\r\n", False

    seen = _same(answer, ["/", "/zwei", "/drei"], limit=limit)
    if not encoding:
        assert seen.connections == (1 if limit > 10000 else 3)


def test_a_request_waiting_for_room_in_the_pool_connects_after_the_wait() -> None:
    """Six requests at once to a pool of four connections (per_host + 2) and answers after 0.3 s:
    two wait for a connection to be handed back, then are answered on it; a pool that stays full
    past the time-out is the pool's time-out."""

    async def run(delay: float) -> tuple[list[object], int]:
        connections = 0

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal connections
            connections += 1
            with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
                while True:
                    await reader.readuntil(b"\r\n\r\n")
                    await asyncio.sleep(delay)
                    writer.write(_response("200 OK", b"ok")[0])
                    await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        options = DiscoverOptions(timeout=1.0, per_host=2)
        client = make_client(options, HostResolver(options, make_dns_resolver(options)), ssl_context(options))

        async def get(path: str) -> object:
            try:
                async with client.stream(f"http://127.0.0.1:{port}{path}") as response:
                    return response.status_code, bytes(await read_body(response, 10**9))
            except httpx.HTTPError as exc:
                return type(exc).__name__, str(exc)

        try:
            return list(await asyncio.gather(*(get(f"/{n}") for n in range(6)))), connections
        finally:
            await client.aclose()
            server.close()

    outcomes, connections = asyncio.run(run(0.3))
    assert outcomes == [(200, b"ok")] * 6 and connections == 4
    outcomes, connections = asyncio.run(run(1.5))
    assert outcomes == [("ReadTimeout", "no data within 1.0 s")] * 4 + [
        ("PoolTimeout", "no connection free within 1.0 s")
    ] * 2
