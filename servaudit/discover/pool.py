"""Sites crawled a bounded number at a time, each crawling task going straight on to the next site.

A task per site waiting on a semaphore started a site one event-loop turn after the previous one
ended (the released waiter is woken by a callback). Here at most ``limit`` tasks run, and one that
finishes a site takes the next waiting one in the same turn, in the order the sites were started
(first come, first crawled, as the semaphore's queue was).

A site counts as crawled while it is on the network: Crawler.start returns once its last answer is
in, and the pages it left to read (servaudit/discover/idle.py) are read while the next site's
requests go out; its result is handed on once they are read.

The first ``limit`` sites do not all start at the same instant: their starts are spread over
``RAMP`` seconds, about one answer time of a site. Started together, a hundred sites get their
answers at the same moments, and an event loop reads them one after another, so each waits for the
others' work (about 0.7 ms of CPU per answer: tens of milliseconds on each of a site's three or four
steps), and a site that ends is followed in its slot by the next in step with it. Traced per site
(bench/bench_discover.py, 100 at once): the sites started in the first 0.4 s waited 148 ms beyond
their 0.3 s floor when started together, 24 ms when spread; later sites fall back into step little
by little (the event loops' busy spells gather them), so the whole run gains less (5 alternating
runs on a shared machine: median 3.99 s → 3.67 s). The spread costs at most ``RAMP`` once per run
and nothing on a site's own requests.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")

RAMP = 0.15
"""Seconds over which the first ``limit`` starts are spread."""


class CrawlPool(Generic[Item]):
    """Runs ``work(item)`` for every item started, at most ``limit`` at once."""

    def __init__(self, limit: int, work: Callable[[Item], Awaitable[None]], ramp: float = RAMP) -> None:
        self.limit = limit
        self.work = work
        self.ramp = ramp
        self.waiting: deque[Item] = deque()
        self.tasks: set[asyncio.Task[None]] = set()
        self.running = 0
        """Tasks still taking items (a task's done callback comes a turn after it stopped taking)."""
        self.started = 0

    def start(self, item: Item) -> None:
        self.waiting.append(item)
        if self.running < self.limit:
            self.running += 1
            # The first ``limit`` tasks: the k-th waits k/limit of the ramp; later ones (a task that
            # ran out of items, then new ones came: a site handed over) start at once.
            delay = self.ramp * self.started / self.limit if self.started < self.limit else 0.0
            self.started += 1
            task = asyncio.ensure_future(self._run(delay))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _run(self, delay: float) -> None:
        try:
            if delay > 0:
                await asyncio.sleep(delay)
            while self.waiting:
                await self.work(self.waiting.popleft())
        finally:
            self.running -= 1

    async def join(self) -> None:
        """Until every item started so far (and any started meanwhile) is done."""
        while self.tasks:
            await asyncio.gather(*self.tasks)
