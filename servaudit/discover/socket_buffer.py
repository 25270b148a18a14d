"""One connection's bytes as asyncio hands them over, for one reader at a time, with a read
time-out of one timer (servaudit/discover/transport.py reads and writes through it).

It replaced asyncio's StreamReader and StreamWriter under discovery's HTTP client: they cost an
asyncio.timeout per read (a Timeout object, a timer, the task's cancellation and its undoing) and
a coroutine or two per call, a few per cent of discovery's CPU at a hundred sites at once
(bench/bench_discover.py). What a reader sees is what StreamReader gave: the bytes received, b""
at their end, the error that ended the connection (raised before any bytes still buffered, as
StreamReader raises it), and reading paused while more than twice its limit waits unread. A read
that waits past its time-out fails with TimeoutError set on its waiter: no task is cancelled.
"""

from __future__ import annotations

import asyncio

LIMIT = 64 * 1024
"""StreamReader's default limit: reading pauses above twice this and resumes at or below it."""


class SocketBuffer(asyncio.Protocol):
    """The bytes received and not yet read, the connection's end, and write flow control."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.over_ssl = False
        """Set once TLS runs over the connection: the end of a TLS stream closes the transport."""
        self._buffer = bytearray()
        self._eof = False
        self._exception: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._reading_paused = False
        self._writing_paused = False
        self._drain_waiter: asyncio.Future[None] | None = None
        self.lost = False
        self.closed: asyncio.Future[None] = loop.create_future()
        """Done when the connection is closed (never with an error: nobody is told but the reader)."""

    # -- asyncio's side ---------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        self._wake()
        if not self._reading_paused and len(self._buffer) > 2 * LIMIT and self.transport is not None:
            try:
                self.transport.pause_reading()
            except NotImplementedError:
                return  # (a transport that cannot pause keeps reading, as StreamReader lets it)
            self._reading_paused = True

    def eof_received(self) -> bool:
        self._eof = True
        self._wake()
        # Half-closed: a plain connection stays open for writing (as StreamReaderProtocol keeps it);
        # a TLS one is closed by its transport.
        return not self.over_ssl

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if exc is None:
            self._eof = True
        else:
            self._exception = exc
        self._wake()
        drain = self._drain_waiter
        if drain is not None and not drain.done():
            # (as StreamWriter's drain: an error raised, a clean end not)
            if exc is None:
                drain.set_result(None)
            else:
                drain.set_exception(exc)
        if not self.closed.done():
            self.closed.set_result(None)
        self.transport = None

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            if self._exception is not None:
                waiter.set_exception(self._exception)
            else:
                waiter.set_result(None)

    # -- the reader's side ------------------------------------------------------------------------

    async def read(self, max_bytes: int, timeout: float | None) -> bytes:
        """Up to ``max_bytes`` received bytes, b"" at the end; TimeoutError when nothing came
        within ``timeout`` seconds; the connection's error if it ended with one."""
        if self._exception is not None:
            raise self._exception
        if not self._buffer and not self._eof:
            waiter = self._waiter = self._loop.create_future()
            if self._reading_paused and self.transport is not None:
                self._reading_paused = False
                self.transport.resume_reading()
            try:
                await self._wait(waiter, timeout)
            finally:
                self._waiter = None
        data = bytes(self._buffer[:max_bytes])
        del self._buffer[:max_bytes]
        if self._reading_paused and len(self._buffer) <= LIMIT and self.transport is not None:
            self._reading_paused = False
            self.transport.resume_reading()
        return data

    async def drain(self, transport: asyncio.Transport, timeout: float | None) -> None:
        """What StreamWriter.drain did after a write: the connection's error if it ended with one,
        ConnectionResetError("Connection lost") if it ended, else wait while writing is paused
        (TimeoutError after ``timeout``)."""
        if self._exception is not None:
            raise self._exception
        if transport.is_closing():
            await asyncio.sleep(0)  # (StreamWriter lets connection_lost be called first)
        if self.lost:
            raise ConnectionResetError("Connection lost")
        if not self._writing_paused:
            return
        waiter = self._drain_waiter = self._loop.create_future()
        try:
            await self._wait(waiter, timeout)
        finally:
            self._drain_waiter = None

    async def _wait(self, waiter: asyncio.Future[None], timeout: float | None) -> None:
        """Until ``waiter`` is done; TimeoutError set on it after ``timeout`` seconds (one timer, no
        task cancelled)."""
        timer = None if timeout is None else self._loop.call_later(timeout, _time_out, waiter)
        try:
            await waiter
        finally:
            if timer is not None:
                timer.cancel()


def _time_out(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())
