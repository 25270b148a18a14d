"""Connections for discovery's HTTP client on asyncio's own streams, with our name resolution.

The backend connects to the address our resolver chose (TLS still names the host); the stream
raises httpcore's exceptions, and ``as_httpx_errors`` turns them into httpx's, which the crawler
catches and records (servaudit/discover/client.py speaks HTTP over these streams).
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import ssl
import typing
from collections.abc import Iterator

import httpcore
import httpx

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
    """One connection on asyncio's own streams, the errors httpcore expects.

    httpcore's AnyIOBackend costs a third of discovery's CPU at a hundred sites at once (cancel
    scopes and library sniffing on every read and write: bench/bench_discover.py); discovery runs
    on asyncio only, so it talks to asyncio directly.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._handshake_failed = False

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError:
            raise httpcore.ReadTimeout(f"no data within {timeout} s") from None
        except OSError as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        try:
            self._writer.write(buffer)
            if self._writer.transport.get_write_buffer_size() == 0:
                # All of it went to the socket: drain cannot wait (it only reports a lost
                # connection), so no timer is armed for it, as it was for every request.
                await self._writer.drain()
                return
            async with asyncio.timeout(timeout):
                await self._writer.drain()
        except TimeoutError:
            raise httpcore.WriteTimeout(f"could not write within {timeout} s") from None
        except OSError as exc:
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        self.close()
        await self.wait_closed()

    def close(self) -> None:
        """Start closing (the socket closes within the loop's next turn, a TLS one after its goodbye)."""
        self._writer.close()

    async def wait_closed(self) -> None:
        if self._handshake_failed:
            # asyncio's TLS protocol does not pass a connection's end on to the stream's protocol
            # while the handshake is unfinished: waiting would last until the caller's time-out
            # (a reset handshake was recorded as "no connection free" after the whole time-out).
            return
        with contextlib.suppress(OSError, ssl.SSLError):
            await self._writer.wait_closed()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError:
            self._handshake_failed = True
            await self.aclose()
            raise httpcore.ConnectTimeout(f"TLS handshake not done within {timeout} s") from None
        except (OSError, ssl.SSLError) as exc:
            self._handshake_failed = True
            await self.aclose()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        return self

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        if info == "is_readable":
            # An idle pooled connection that is readable was closed (or spoke out of turn) by the
            # server: httpcore then opens a new one rather than reuse it.
            sock = self._writer.get_extra_info("socket")
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
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(address, port, local_addr=local)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"no connection within {timeout} s") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        sock = writer.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.UnsupportedProtocol("discovery connects over TCP only")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
