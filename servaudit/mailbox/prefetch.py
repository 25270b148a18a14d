"""Download ahead while the caller judges: a reader thread feeding a queue bounded by bytes.

The mailbox reader runs in its own thread (network waits and the IMAP parser overlap with the
caller's parsing, classifying and storing) and hands over each message as it is read. The queue
holds at most ``limit`` bytes of raw mail, or one message when a single message is larger, so memory
stays bounded whatever the mailbox's size. An error in the reader is raised in the caller, in order,
after the messages read before it; closing the iterator early stops the reader.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Generator, Iterator

from servaudit.mailbox.base import Cursor, IncomingMail

LIMIT = 4 * 1024 * 1024
"""Bytes of raw mail read ahead at most (besides one message larger than that)."""

_END = object()


class _Ahead:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: deque[tuple[object, int]] = deque()
        self.size = 0
        self.stopped = False
        self.lock = threading.Condition()

    def put(self, item: object, size: int) -> bool:
        """Queue one item; False once the consumer has gone."""
        with self.lock:
            while self.items and self.size + size > self.limit and not self.stopped:
                self.lock.wait()
            if self.stopped:
                return False
            self.items.append((item, size))
            self.size += size
            self.lock.notify_all()
            return True

    def get(self) -> object:
        with self.lock:
            while not self.items:
                self.lock.wait()
            item, size = self.items.popleft()
            self.size -= size
            self.lock.notify_all()
            return item

    def stop(self) -> None:
        with self.lock:
            self.stopped = True
            self.items.clear()
            self.lock.notify_all()


def read_ahead(
    source: Iterator[tuple[IncomingMail, Cursor]], limit: int = LIMIT
) -> Generator[tuple[IncomingMail, Cursor], None, None]:
    """The messages of ``source`` in order, read by a thread up to ``limit`` bytes ahead."""
    ahead = _Ahead(limit)
    failure: list[BaseException] = []

    def pump() -> None:
        try:
            for item in source:
                if not ahead.put(item, len(item[0].raw)):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            failure.append(exc)
        finally:
            ahead.put(_END, 0)

    thread = threading.Thread(target=pump, name="mailbox-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = ahead.get()
            if item is _END:
                break
            yield item  # type: ignore[misc]
        if failure:
            raise failure[0]
    finally:
        ahead.stop()
        thread.join()
