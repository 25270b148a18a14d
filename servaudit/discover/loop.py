"""The event loop discover crawls on: uvloop's where it is installed, asyncio's otherwise.

A crawling process spends a large share of its CPU in the event loop itself (handles, timers, the
selector, socket transports): at a hundred sites at once its answers come in bursts, and every
millisecond of CPU per answer is a millisecond the other sites of the burst wait. uvloop runs the
same asyncio programs on libuv, with its loop and transports in C: about a tenth less CPU per site
over the whole crawl (bench/bench_discover.py), the same results (tests/test_discover_loop.py).

The texts the crawl records must not depend on the loop: the one place they did (a refused
connection's text, which uvloop's create_connection words differently) connects the way asyncio
does in both (transport.open_tcp). A rendering crawl stays on asyncio's loop, Playwright's home.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

Result = TypeVar("Result")


def loop_factory(fast: bool = True) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop when ``fast`` and uvloop is installed; None: asyncio's own."""
    if not fast:
        return None
    try:
        import uvloop
    except ImportError:  # a platform without its wheels: the same crawl, on asyncio's loop
        return None
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, Result], fast: bool = True) -> Result:
    """``asyncio.run(main)``, on uvloop's loop when ``fast`` (and installed)."""
    with asyncio.Runner(loop_factory=loop_factory(fast)) as runner:
        return runner.run(main)
