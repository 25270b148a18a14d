"""Politeness: per host, at most N requests in flight and a minimum gap between request starts;
and robots.txt, read as RFC 9309 says (by protego, which does longest-match and wildcards)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from protego import Protego

from servaudit.browser import USER_AGENT

MAX_CRAWL_DELAY = 10.0
"""A robots.txt Crawl-delay above this is capped: the per-site time budget bounds the crawl anyway."""


class HostGate:
    """Admits requests to one host: ``per_host`` at a time, starts at least ``delay`` seconds apart."""

    def __init__(self, per_host: int, delay: float) -> None:
        self.slots = asyncio.Semaphore(per_host)
        self.delay = delay
        self._next_start = 0.0
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def admit(self) -> AsyncIterator[None]:
        async with self.slots:
            async with self._lock:
                wait = self._next_start - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                self._next_start = time.monotonic() + self.delay
            yield

    def slow_down(self, delay: float) -> None:
        """Raise the gap (robots.txt Crawl-delay), counting from the last request already started."""
        if delay > self.delay:
            self._next_start += delay - self.delay
            self.delay = delay


class Gates:
    """One gate per host:port for the whole run, so two sites on one host share its politeness."""

    def __init__(self, per_host: int, delay: float) -> None:
        self.per_host = per_host
        self.delay = delay
        self._gates: dict[str, HostGate] = {}

    def for_host(self, netloc: str) -> HostGate:
        if netloc not in self._gates:
            self._gates[netloc] = HostGate(self.per_host, self.delay)
        return self._gates[netloc]


@dataclass(frozen=True)
class Robots:
    status: str
    """"rules" (a robots.txt was read), "none" (4xx: everything allowed) or "unreachable" (5xx or no
    answer: RFC 9309 says assume everything disallowed)."""
    parser: Protego | None = None

    def allows(self, url: str) -> bool:
        if self.status == "unreachable":
            return False
        return self.parser is None or bool(self.parser.can_fetch(url, USER_AGENT))

    def crawl_delay(self) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(USER_AGENT)
        return None if delay is None else min(float(delay), MAX_CRAWL_DELAY)


def robots_from_response(status: int | None, body: str) -> Robots:
    if status is not None and 200 <= status < 300:
        return Robots("rules", Protego.parse(body))
    if status is not None and 400 <= status < 500:
        return Robots("none")
    return Robots("unreachable")
