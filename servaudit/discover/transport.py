"""Connections for discovery's HTTP client on asyncio's own streams, with our name resolution.

The backend connects to the address our resolver chose (TLS still names the host); the stream
raises httpcore's exceptions, and ``as_httpx_errors`` turns them into httpx's, which the crawler
catches and records (servaudit/discover/client.py speaks HTTP over these streams).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import select
import ssl
import typing
from collections.abc import Iterator

import httpcore
import httpx

from servaudit.discover.socket_buffer import SocketBuffer

if typing.TYPE_CHECKING:
    from servaudit.discover.net import HostResolver

# httpcore's exceptions → httpx's, as httpx's own transport maps them (most specific first wins,
# since the first match is taken below: subclasses are listed before their bases).
_ERRORS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def as_httpx_errors() -> Iterator[None]:
    """The crawler catches httpx's errors; httpcore's would escape it. (httpcore's own classes stay
    the vocabulary below: the texts the crawl records are the ones httpx's transport gave.)"""
    try:
        yield
    except Exception as exc:
        for source, target in _ERRORS:
            if isinstance(exc, source):
                raise target(str(exc)) from exc
        raise


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection on an asyncio transport, the errors httpcore expects.

    httpcore's AnyIOBackend costs a third of discovery's CPU at a hundred sites at once (cancel
    scopes and library sniffing on every read and write: bench/bench_discover.py); discovery runs
    on asyncio only, so it talks to asyncio directly, through a protocol of its own
    (servaudit/discover/socket_buffer.py) rather than StreamReader and StreamWriter.
    """

    def __init__(self, transport: asyncio.Transport, protocol: SocketBuffer) -> None:
        self._transport = transport
        self._protocol = protocol
        self._handshake_failed = False

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return await self._protocol.read(max_bytes, timeout)
        except TimeoutError:
            raise httpcore.ReadTimeout(f"no data within {timeout} s") from None
        except OSError as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            self._transport.write(buffer)
            # All of it usually went to the socket: then nothing can wait, and no timer is armed.
            await self._protocol.drain(self._transport, timeout)
        except TimeoutError:
            raise httpcore.WriteTimeout(f"could not write within {timeout} s") from None
        except OSError as exc:
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        self.close()
        await self.wait_closed()

    def close(self) -> None:
        """Start closing (the socket closes within the loop's next turn, a TLS one after its goodbye)."""
        self._transport.close()

    async def wait_closed(self) -> None:
        if self._handshake_failed:
            # asyncio's TLS protocol does not pass a connection's end on to the stream's protocol
            # while the handshake is unfinished: waiting would last until the caller's time-out
            # (a reset handshake was recorded as "no connection free" after the whole time-out).
            return
        await self._protocol.closed

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                await self._protocol.drain(self._transport, None)  # (as StreamWriter.start_tls)
                tls = await loop.start_tls(
                    self._transport, self._protocol, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError:
            self._handshake_failed = True
            await self.aclose()
            raise httpcore.ConnectTimeout(f"TLS handshake not done within {timeout} s") from None
        except (OSError, ssl.SSLError) as exc:
            self._handshake_failed = True
            await self.aclose()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        assert isinstance(tls, asyncio.Transport)
        self._transport = self._protocol.transport = tls
        self._protocol.over_ssl = True
        return self

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        if info == "is_readable":
            # An idle pooled connection that is readable was closed (or spoke out of turn) by the
            # server: httpcore then opens a new one rather than reuse it.
            sock = self._transport.get_extra_info("socket")
            if sock is None or sock.fileno() < 0:
                return True
            return bool(select.select([sock], [], [], 0)[0])
        return None


class ResolvingBackend(httpcore.AsyncNetworkBackend):
    """Connects to the address our resolver chose (TLS still names the host), on asyncio's streams."""

    def __init__(self, resolver: HostResolver) -> None:
        self.resolver = resolver

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        address = await self.resolver.address(host, port)
        local = (local_address, 0) if local_address else None
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await loop.create_connection(
                    functools.partial(SocketBuffer, loop), address, port, local_addr=local
                )
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"no connection within {timeout} s") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(transport, protocol)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.UnsupportedProtocol("discovery connects over TCP only")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
