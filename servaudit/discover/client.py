"""One site's HTTP client for the crawl: httpx's requests and responses, h11 on asyncio streams.

httpx.AsyncClient over httpcore's pool cost about 2.5 ms of CPU per site, two thirds of discovery's
(its auth and redirect flows, anyio locks and traces around every step, the pool's bookkeeping:
bench/bench_discover.py), which is what kept a hundred sites at once far from the theoretical limit.
The crawl only ever sends a GET and follows redirects itself, so this client keeps exactly the parts
that decide what goes on the wire and how the answer is read, and leaves out the rest:

- httpx.Request builds each request (the client's headers in httpx's order, the site's cookies,
  URL encoding), and httpx.Cookies keeps the site's cookie jar as httpx.AsyncClient did;
- h11 reads the response the way httpcore does, with httpcore's rules and messages (an informational
  answer skipped, a write error before the answer ignored, "Server disconnected without sending a
  response.", a connection closed unless both sides are done);
- httpx.Response decodes the body (gzip, deflate) and answers ``headers``, ``is_redirect``.

Connections are kept per origin as httpcore's pool kept them (at most ``max_connections``, an idle
one reused unless the server closed it, an idle one of another origin closed to make room); errors
are httpx's, with the texts they had, since the crawler records them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

import h11
import httpcore
import httpx

from servaudit.discover.plain_urls import plain_target
from servaudit.discover.transport import AsyncioStream, ResolvingBackend, as_httpx_errors

READ_NUM_BYTES = 64 * 1024
"""What one read asks of the socket (httpcore's figure)."""
MAX_INCOMPLETE_EVENT_SIZE = 100 * 1024
"""The largest response head h11 buffers before calling it malformed (httpcore's figure)."""

if TYPE_CHECKING:
    from h11._headers import Headers as H11Headers  # what an h11 event's headers are

_log = logging.getLogger("httpx")


@functools.cache
def client_headers(browser_headers: tuple[tuple[str, str], ...]) -> httpx.Headers:
    """The headers httpx.AsyncClient(headers=…) sends with every request, in its order: its own
    defaults (Accept-Encoding as its decoders allow, Connection) merged with ours. Taken from httpx
    itself, so that the request a site sees is the one it saw before."""
    transport = httpx.AsyncBaseTransport()  # given, so that httpx builds no transport (nor SSL context)
    return httpx.AsyncClient(headers=dict(browser_headers), transport=transport, trust_env=False).headers


class _Head:
    """What every request to one origin carries: where it goes (httpx's reading of scheme, host and
    port) and its headers (as httpx.Request made them; then as h11 checked them)."""

    __slots__ = ("headers", "origin")

    def __init__(self, origin: tuple[bytes, bytes, int | None], headers: list[tuple[bytes, bytes]]) -> None:
        self.origin = origin
        self.headers: list[tuple[bytes, bytes]] | H11Headers = headers


class _Connection:
    """One HTTP/1.1 connection to one origin."""

    def __init__(self, origin: tuple[bytes, bytes, int]) -> None:
        self.origin = origin
        self.stream: AsyncioStream | None = None
        self.h11 = h11.Connection(our_role=h11.CLIENT, max_incomplete_event_size=MAX_INCOMPLETE_EVENT_SIZE)
        self.idle = False
        self.closed = False

    async def next_event(self, timeout: float | None) -> h11.Event | type[h11.PAUSED]:
        assert self.stream is not None
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpcore.RemoteProtocolError(str(exc)) from exc
            if event is not h11.NEED_DATA:
                return event  # type: ignore[return-value]  # (NEED_DATA is not it: mypy cannot narrow)
            data = await self.stream.read(READ_NUM_BYTES, timeout=timeout)
            # Fed to h11, this would read "can't handle event type ConnectionClosed when role=SERVER
            # and state=SEND_RESPONSE": httpcore says it in words, and so does the crawl.
            if data == b"" and self.h11.their_state == h11.SEND_RESPONSE:
                raise httpcore.RemoteProtocolError("Server disconnected without sending a response.")
            self.h11.receive_data(data)

    def server_closed(self) -> bool:
        """An idle connection whose socket is readable was closed (or spoken on) by the server."""
        return self.stream is None or bool(self.stream.get_extra_info("is_readable"))

    async def aclose(self) -> None:
        self.close()
        if self.stream is not None:
            await self.stream.wait_closed()

    def close(self) -> None:
        self.closed = True
        self.idle = False
        if self.stream is not None:
            self.stream.close()


class _Body(httpx.AsyncByteStream):
    """A response's body, read event by event; closing it hands the connection back (or closes it
    when the response was not read to its end)."""

    def __init__(self, client: SiteClient, connection: _Connection, timeout: float | None) -> None:
        self._client = client
        self._connection = connection
        self._timeout = timeout
        self._released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            with as_httpx_errors():
                while True:
                    event = await self._connection.next_event(self._timeout)
                    if isinstance(event, h11.Data):
                        yield bytes(event.data)
                    elif isinstance(event, h11.EndOfMessage) or event is h11.PAUSED:
                        break
        except BaseException:
            await self.aclose()
            raise

    async def read_up_to(self, limit: int) -> bytearray:
        """What ``aiter_bytes`` reads of a body without Content-Encoding, up to the chunk that
        reaches ``limit``, without its stream and decoder steps (a tenth of the client's CPU)."""
        body = bytearray()
        try:
            with as_httpx_errors():
                while True:
                    event = await self._connection.next_event(self._timeout)
                    if isinstance(event, h11.Data):
                        if event.data:  # (aiter_bytes gives no empty chunk)
                            body += event.data
                            if len(body) >= limit:
                                break  # the rest unread, as before: the connection is not reused
                    elif isinstance(event, h11.EndOfMessage) or event is h11.PAUSED:
                        break
        except BaseException:
            await self.aclose()
            raise
        return body

    async def aclose(self) -> None:
        if not self._released:
            self._released = True
            await self._client.release(self._connection)


async def read_body(response: httpx.Response, limit: int) -> bytearray:
    """``response``'s body (decoded as httpx decodes it), read up to the chunk that reaches ``limit``
    bytes (more may be returned)."""
    stream = response.stream
    if isinstance(stream, _Body) and "content-encoding" not in response.headers:
        # Nothing to decode: read straight from h11's events (httpx's decoders take the rest, and
        # their errors are the ones httpx gave).
        response.is_stream_consumed = True
        return await stream.read_up_to(limit)
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= limit:
            break
    return body


class SiteClient:
    """GETs for one site (and the hosts its redirects lead to), one verification policy."""

    def __init__(
        self,
        backend: ResolvingBackend,
        context: ssl.SSLContext | Callable[[], ssl.SSLContext],
        timeout: float,
        max_connections: int,
        browser_headers: dict[str, str],
    ) -> None:
        self._backend = backend
        # A callable is asked at the first https connection: building a verifying context reads the
        # system's CA store (17 ms), which a crawl of http sites never needs.
        self._context = context if callable(context) else functools.partial(_same, context)
        self._timeouts = httpx.Timeout(timeout).as_dict()
        self._max_connections = max_connections
        self._headers = client_headers(tuple(browser_headers.items()))
        self._heads: dict[str, _Head] = {}
        """Origin as written (scheme://host[:port]) → its requests' headers, for plain URLs."""
        self._connections: list[_Connection] = []
        self._closing: list[_Connection] = []
        self._changed = asyncio.Event()
        self.cookies = httpx.Cookies()

    @contextlib.asynccontextmanager
    async def stream(self, url: str) -> AsyncIterator[httpx.Response]:
        """GET ``url`` (no redirect followed); the body is read from the response as it comes."""
        plain = None if self.cookies else plain_target(url)
        head = None if plain is None else self._heads.get(plain[0])
        if plain is not None and head is not None:
            # httpx.Request would send these bytes (servaudit/discover/plain_urls.py): it is built
            # only if something asks for it (a cookie to keep, a redirect, the debug log).
            request = None
            target = plain[1]
        else:
            request = self._request(url)
            head = _Head(
                (request.url.raw_scheme, request.url.raw_host, request.url.port), request.headers.raw
            )
            target = request.url.raw_path
            if plain is not None and not self.cookies:
                self._heads[plain[0]] = head  # no cookie, no user: the origin's next plain URLs
        response = await self._send(url, request, head, target)
        try:
            if response.has_redirect_location:
                # httpx.AsyncClient prepared the next request of a redirect even when not following
                # it, and a Location it could not read failed the request: so it still does.
                self._redirect_request(response.request, response)
            yield response
        finally:
            await response.aclose()

    def _request(self, url: str) -> httpx.Request:
        """The request httpx.AsyncClient built for ``url``."""
        request = httpx.Request(
            "GET",
            url,
            headers=self._headers,
            cookies=self.cookies if self.cookies else None,
            extensions={"timeout": self._timeouts},
        )
        if request.url.username or request.url.password:
            # httpx.AsyncClient sends a URL's user and password as Basic authentication.
            request = next(httpx.BasicAuth(request.url.username, request.url.password).auth_flow(request))
        return request

    def _redirect_request(self, request: httpx.Request, response: httpx.Response) -> httpx.Request:
        """The request a redirect leads to, as httpx.AsyncClient built it (its errors included)."""
        location = response.headers["Location"]
        try:
            url = httpx.URL(location)
        except httpx.InvalidURL as exc:
            message = f"Invalid URL in location header: {exc}."
            raise httpx.RemoteProtocolError(message, request=request) from None
        if url.scheme and not url.host:
            url = url.copy_with(host=request.url.host)
        if url.is_relative_url:
            url = request.url.join(url)
        if request.url.fragment and not url.fragment:
            url = url.copy_with(fragment=request.url.fragment)
        return httpx.Request("GET", url, cookies=self.cookies if self.cookies else None)

    async def _send(
        self, url: str, request: httpx.Request | None, head: _Head, target: bytes
    ) -> httpx.Response:
        """Send ``request`` (None: ``head`` and ``target`` are what httpx would have made of ``url``)."""
        scheme, host, port = head.origin
        port = port or (443 if scheme == b"https" else 80)
        if scheme == b"":
            raise httpx.UnsupportedProtocol("Request URL is missing an 'http://' or 'https://' protocol.")
        if scheme not in (b"http", b"https"):
            raise httpx.UnsupportedProtocol(f"Request URL has an unsupported protocol '{scheme.decode()}://'.")
        with as_httpx_errors():
            connection = await self._connection_for((scheme, host, port))
            try:
                answer = await self._exchange(connection, head, target)
            except BaseException:
                await self.release(connection)
                raise
        response = httpx.Response(
            status_code=answer.status_code,
            headers=answer.headers.raw_items(),
            stream=_Body(self, connection, self._timeouts["read"]),
            extensions={"http_version": b"HTTP/" + answer.http_version, "reason_phrase": answer.reason},
            request=request,
        )
        keeps_cookies = "set-cookie" in response.headers or "set-cookie2" in response.headers
        needed = response.has_redirect_location or keeps_cookies or _log.isEnabledFor(logging.INFO)
        if request is None and needed:
            # The request as it was (no cookie was sent: plain requests are made without).
            response.request = request = self._request(url)
        if keeps_cookies:
            # What httpx.AsyncClient did for every response; without these headers the cookie jar
            # takes nothing from it, and reading the response into urllib's shapes costs more than
            # the rest of the response.
            self.cookies.extract_cookies(response)
        if request is not None:
            _log.info(
                'HTTP Request: %s %s "%s %d %s"',
                request.method,
                request.url,
                response.http_version,
                response.status_code,
                response.reason_phrase,
            )  # what httpx.AsyncClient logged (seen with --debug)
        return response

    async def _exchange(
        self, connection: _Connection, head: _Head, target: bytes
    ) -> h11.Response | h11.InformationalResponse:
        """Send the request and read the response's head (as httpcore's HTTP/1.1 connection does)."""
        assert connection.stream is not None
        try:
            try:
                sent = h11.Request(method=b"GET", target=target, headers=head.headers)
                # h11 checked the headers once: the origin's next requests skip that.
                head.headers = sent.headers
                data = connection.h11.send(sent)
            except h11.LocalProtocolError as exc:
                raise httpcore.LocalProtocolError(str(exc)) from exc
            await connection.stream.write(data or b"", timeout=self._timeouts["write"])
            # A GET has no body: its end writes nothing (h11 still has to know it was sent).
            end = connection.h11.send(h11.EndOfMessage())
            if end:
                await connection.stream.write(end, timeout=self._timeouts["write"])
        except httpcore.WriteError:
            # A server may close the request early and still answer well: read the answer.
            pass
        while True:
            event = await connection.next_event(self._timeouts["read"])
            if isinstance(event, h11.Response):
                return event
            if isinstance(event, h11.InformationalResponse) and event.status_code == 101:
                return event  # handed on as the response, as httpcore does (other 1xx are skipped)

    # -- the pool -------------------------------------------------------------------------------------

    async def _connection_for(self, origin: tuple[bytes, bytes, int]) -> _Connection:
        """A connection to ``origin``: an idle one, else a new one when there is room; the pool's
        time-out bounds the wait for room only (as in httpcore: connecting has time-outs of its
        own), and costs no timer when there is room at once."""
        connection = await self._claim(origin)
        if connection is None:
            try:
                async with asyncio.timeout(self._timeouts["pool"]):
                    while connection is None:
                        self._changed.clear()
                        await self._changed.wait()
                        connection = await self._claim(origin)
            except TimeoutError:
                raise httpcore.PoolTimeout(f"no connection free within {self._timeouts['pool']} s") from None
        if connection.stream is None:
            try:
                connection.stream = await self._connect(origin)
            except BaseException:
                await self._drop(connection)
                raise
        return connection

    async def _claim(self, origin: tuple[bytes, bytes, int]) -> _Connection | None:
        """An idle connection to ``origin``, or a new one not yet connected (None: no room)."""
        for connection in [c for c in self._connections if c.idle and c.server_closed()]:
            await self._drop(connection)
        for connection in self._connections:
            if connection.idle and connection.origin == origin:
                connection.idle = False
                return connection
        if len(self._connections) >= self._max_connections:
            spare = next((c for c in self._connections if c.idle), None)
            if spare is None:
                return None
            await self._drop(spare)
        connection = _Connection(origin)
        self._connections.append(connection)
        return connection

    async def _connect(self, origin: tuple[bytes, bytes, int]) -> AsyncioStream:
        scheme, host, port = origin
        timeout = self._timeouts["connect"]
        stream = await self._backend.connect_tcp(host.decode("ascii"), port, timeout=timeout)
        if scheme == b"https":
            context = self._context()
            context.set_alpn_protocols(["http/1.1"])
            tls = await stream.start_tls(context, server_hostname=host.decode("ascii"), timeout=timeout)
            assert isinstance(tls, AsyncioStream)
            stream = tls
        assert isinstance(stream, AsyncioStream)
        return stream

    async def release(self, connection: _Connection) -> None:
        """A response is done with: keep its connection for the next request when both sides
        finished the exchange, else close it."""
        if connection.closed:
            return
        if connection.h11.our_state is h11.DONE and connection.h11.their_state is h11.DONE:
            connection.h11.start_next_cycle()
            connection.idle = True
            self._changed.set()
        else:
            await self._drop(connection)

    async def _drop(self, connection: _Connection) -> None:
        if connection in self._connections:
            self._connections.remove(connection)
        self._changed.set()
        await connection.aclose()

    async def aclose(self) -> None:
        self.close()
        await self.wait_closed()

    def close(self) -> None:
        """Close every connection now, without waiting for their ends (wait_closed)."""
        for connection in self._connections:
            connection.close()
            self._closing.append(connection)
        self._connections.clear()
        self._changed.set()

    async def wait_closed(self) -> None:
        """Until the connections closed by ``close`` are closed."""
        while self._closing:
            connection = self._closing.pop()
            if connection.stream is not None:
                await connection.stream.wait_closed()


def _same(context: ssl.SSLContext) -> ssl.SSLContext:
    return context
