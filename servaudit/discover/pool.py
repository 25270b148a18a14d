"""Sites crawled a bounded number at a time, each crawling task going straight on to the next site.

A task per site waiting on a semaphore would start a site one event-loop turn after the previous
one ended (the released waiter is woken by a callback): with a hundred sites at once each turn is
milliseconds of other sites' work, paid again by every site (bench/bench_discover.py). Here at most
``limit`` tasks run, and one that finishes a site takes the next waiting one in the same turn, in
the order the sites were started (first come, first crawled, as the semaphore's queue was).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")


class CrawlPool(Generic[Item]):
    """Runs ``work(item)`` for every item started, at most ``limit`` at once."""

    def __init__(self, limit: int, work: Callable[[Item], Awaitable[None]]) -> None:
        self.limit = limit
        self.work = work
        self.waiting: deque[Item] = deque()
        self.tasks: set[asyncio.Task[None]] = set()
        self.running = 0
        """Tasks still taking items (a task's done callback comes a turn after it stopped taking)."""

    def start(self, item: Item) -> None:
        self.waiting.append(item)
        if self.running < self.limit:
            self.running += 1
            task = asyncio.ensure_future(self._run())
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _run(self) -> None:
        try:
            while self.waiting:
                await self.work(self.waiting.popleft())
        finally:
            self.running -= 1

    async def join(self) -> None:
        """Until every item started so far (and any started meanwhile) is done."""
        while self.tasks:
            await asyncio.gather(*self.tasks)
