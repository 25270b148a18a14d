"""Work that can wait: done at the end of event-loop turns, one item a turn, after everything else.

A crawling process reads its sites' answers in bursts (a hundred sites at once answer at about the
same moments), and each answer's work delays the answers behind it: a site's next request waits
for the other sites' pages to be parsed. Some of that work puts nothing on the wire (a page at the
last depth links to nothing the crawl follows), so it is handed to ``IdleWork`` instead: the
requests that are ready go out first, and the reading follows (bench/bench_discover.py).

Why the end of a turn: asyncio runs, per turn, the callbacks made ready by the previous turn
(tasks woken by answers), then those of the sockets that became readable, then the timers that
are due. An item waits for the next turn's due timers (``call_later(0)``), so it runs after the
tasks that were ready, and delays at most one item's time what arrives while it runs.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable


class IdleWork:
    """Callables run one per event-loop turn, in the order given, at the end of the turn.

    An item must not raise (it reports its own errors): one that does is reported by the event
    loop's exception handler and the next items still run."""

    def __init__(self) -> None:
        self._items: deque[Callable[[], None]] = deque()
        self._armed = False

    def __len__(self) -> int:
        """Items waiting."""
        return len(self._items)

    def add(self, item: Callable[[], None]) -> None:
        self._items.append(item)
        if not self._armed:
            self._armed = True
            asyncio.get_running_loop().call_later(0, self._one)

    def _one(self) -> None:
        item = self._items.popleft()
        try:
            item()
        finally:
            if self._items:
                asyncio.get_running_loop().call_later(0, self._one)
            else:
                self._armed = False
