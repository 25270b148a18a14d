"""Crawling in two processes when many sites are crawled at once.

One event loop reads every page of every site (HTTP, HTML, findings): about 2.5 ms of CPU per site,
so a hundred sites at once at 100 ms per answer need most of a core and wait on each other
(bench/bench_discover.py). From ``SPLIT_FROM`` sites at once, on a machine with two cores or more,
a forked process crawls half of them, with half the sites at once.

Politeness stays whole because every host is crawled by one process only: the sites' start hosts
(www. or not: one site) are dealt out between the two, and a site whose home page redirects to a
host the other process owns is handed over before that host is contacted (Crawler.owns, HandOff),
with what it recorded so far, its remaining redirects and its time budget. Each host's gate,
robots.txt and TLS verdict therefore live in one process, as they did in one loop. Results come back
(pickled) as sites finish, in the parent, which reports progress and keeps the input's order.
"""

from __future__ import annotations

import asyncio
import functools
import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

from servaudit.discover.crawler import Crawler, HandOff, Resume
from servaudit.discover.model import SiteResult
from servaudit.discover.pool import CrawlPool

SPLIT_FROM = 32
"""Sites at once from which a second process pays for itself (below, one loop keeps up)."""

Done = Callable[[int, SiteResult], None]
HandOver = Callable[[int, Resume], None]


def host_key(host: str) -> str:
    """What one process owns: a host name, www. or not (extract.same_site's notion of one site)."""
    return host.lower().rstrip(".").removeprefix("www.")


def worth_two_processes(concurrency: int, sites: int, rendering: bool) -> bool:
    """Chromium renders in the parent's browser: a rendered crawl stays in one process."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return not rendering and cores >= 2 and concurrency >= SPLIT_FROM and sites >= SPLIT_FROM


class _Shard:
    """One process's side: its sites at once, its crawls, and the messages to the other side."""

    def __init__(
        self, crawler: Crawler, urls: Sequence[str], concurrency: int, done: Done, hand_over: HandOver
    ) -> None:
        self.crawler = crawler
        self.urls = urls
        self.pool: CrawlPool[tuple[int, Resume | None]] = CrawlPool(concurrency, self._crawl)
        self.done = done
        self.hand_over = hand_over

    def start(self, index: int, resume: Resume | None = None) -> None:
        self.pool.start((index, resume))

    async def _crawl(self, item: tuple[int, Resume | None]) -> None:
        index, resume = item
        try:
            await self.crawler.start(self.urls[index], functools.partial(self.done, index), resume=resume)
        except HandOff as handoff:
            self.hand_over(index, handoff.resume)


def _owned_by_child(urls: Sequence[str]) -> frozenset[str]:
    """Every second distinct start host (in the input's order): half the sites, on either side."""
    keys = list(dict.fromkeys(host_key(urlsplit(u).hostname or "") for u in urls))
    return frozenset(keys[1::2])


async def crawl_in_two(
    crawler: Crawler, urls: Sequence[str], concurrency: int, done: Done
) -> list[SiteResult]:
    """Crawl ``urls`` in this process and a forked one; ``done`` is called here as each site ends."""
    theirs = _owned_by_child(urls)
    ours = [i for i, u in enumerate(urls) if host_key(urlsplit(u).hostname or "") not in theirs]
    with_child = set(range(len(urls))) - set(ours)
    results: dict[int, SiteResult] = {}
    finished = asyncio.get_running_loop().create_future()

    def settle(index: int, result: SiteResult) -> None:
        results[index] = result
        with_child.discard(index)
        done(index, result)
        if len(results) == len(urls) and not finished.done():
            finished.set_result(None)

    context = multiprocessing.get_context("fork")  # the crawler as it is: fingerprints, TLS contexts
    here, there = context.Pipe()
    child = context.Process(
        target=_child_main,
        args=(crawler, urls, theirs, sorted(with_child), concurrency - concurrency // 2, there, here),
        daemon=True,
    )
    child.start()
    there.close()

    def hand_over(index: int, resume: Resume) -> None:
        with_child.add(index)
        here.send(("handoff", index, resume))

    crawler.owns = lambda host: host_key(host) not in theirs
    shard = _Shard(crawler, urls, max(concurrency // 2, 1), settle, hand_over)
    loop = asyncio.get_running_loop()

    def receive() -> None:
        try:
            message: tuple[Any, ...] = here.recv()
        except (EOFError, OSError):
            loop.remove_reader(here.fileno())
            for index in sorted(with_child):  # the other process ended before these sites did
                settle(index, _lost(urls[index]))
            return
        if message[0] == "done":
            settle(message[1], message[2])
        elif message[0] == "handoff":
            with_child.discard(message[1])
            shard.start(message[1], message[2])

    loop.add_reader(here.fileno(), receive)
    stopped = False
    try:
        for index in ours:
            shard.start(index)
        if not urls:
            finished.set_result(None)
        await finished
        here.send(("stop",))
        await shard.pool.join()
        await asyncio.to_thread(child.join, 5)  # it ends as soon as it read the stop
        stopped = True
    finally:
        loop.remove_reader(here.fileno())
        crawler.owns = None
        for task in shard.pool.tasks:
            task.cancel()
        if not stopped or child.is_alive():  # interrupted, or a bug: nothing of it is needed any more
            child.terminate()
            child.join()
        here.close()
    return [results[i] for i in range(len(urls))]


def _lost(url: str) -> SiteResult:
    result = SiteResult(url=url, stopped="error")
    result.error = "internal error: the second crawling process ended before this site; please report it"
    return result


def _child_main(
    crawler: Crawler,
    urls: Sequence[str],
    theirs: frozenset[str],
    indices: list[int],
    concurrency: int,
    conn: Connection,
    parents_end: Connection,
) -> None:
    parents_end.close()  # so that the parent's end closing reads as its end here
    # Ctrl-C reaches the whole process group: the parent decides what becomes of this process (and
    # ends it), which must not print a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    crawler.owns = lambda host: host_key(host) in theirs
    asyncio.run(_child_loop(crawler, urls, indices, concurrency, conn))


async def _child_loop(
    crawler: Crawler, urls: Sequence[str], indices: list[int], concurrency: int, conn: Connection
) -> None:
    stop = asyncio.get_running_loop().create_future()
    shard = _Shard(
        crawler,
        urls,
        concurrency,
        lambda index, result: conn.send(("done", index, result)),
        lambda index, resume: conn.send(("handoff", index, resume)),
    )

    def receive() -> None:
        try:
            message: tuple[Any, ...] = conn.recv()
        except (EOFError, OSError):
            message = ("stop",)  # the parent is gone: nothing more to do for it
        if message[0] == "handoff":
            shard.start(message[1], message[2])
        elif not stop.done():
            asyncio.get_running_loop().remove_reader(conn.fileno())
            stop.set_result(None)

    asyncio.get_running_loop().add_reader(conn.fileno(), receive)
    for index in indices:
        shard.start(index)
    await stop
    await shard.pool.join()
    await crawler.wait_closed()
