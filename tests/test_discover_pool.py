"""The pool that crawls sites a bounded number at a time (servaudit/discover/pool.py): every site
crawled once, never more at once than the limit, started in the order given, the first starts
spread over the ramp, and a site started after the pool ran dry still crawled."""

from __future__ import annotations

import asyncio

import pytest

from servaudit.discover.pool import CrawlPool


def _run(
    limit: int, items: int, ramp: float, late: int = 0, takes: float = 0.01
) -> tuple[list[int], int, list[float], list[object]]:
    """(order of starts, most at once, start times, the task of each) for ``items`` items of
    ``takes`` seconds each, and ``late`` more started after the first ones are done."""
    started: list[int] = []
    times: list[float] = []
    tasks: list[object] = []
    at_once = [0, 0]

    async def main() -> None:
        loop = asyncio.get_running_loop()
        begin = loop.time()

        async def work(item: int) -> None:
            started.append(item)
            times.append(loop.time() - begin)
            tasks.append(asyncio.current_task())
            at_once[0] += 1
            at_once[1] = max(at_once)
            await asyncio.sleep(takes)
            at_once[0] -= 1

        pool = CrawlPool(limit, work, ramp=ramp)
        for item in range(items):
            pool.start(item)
        await pool.join()
        for item in range(items, items + late):
            pool.start(item)
        await pool.join()

    asyncio.run(main())
    return started, at_once[1], times, tasks


@pytest.mark.parametrize(("limit", "items"), [(1, 5), (3, 10), (8, 8), (10, 3)])
def test_every_item_once_in_order_never_more_than_the_limit(limit: int, items: int) -> None:
    started, most, _, _ = _run(limit, items, ramp=0.0)
    assert started == list(range(items))
    assert most == min(limit, items)


def test_the_first_starts_are_spread_over_the_ramp_and_later_ones_wait_for_nothing() -> None:
    # Items that take longer than the ramp: each of the first four is taken by its own task.
    started, most, times, _ = _run(4, 4, ramp=0.2, late=2, takes=0.3)
    assert started == list(range(6))
    assert most == 4
    for k in range(4):  # the k-th of the first four waits k/4 of the ramp (no timer fires early)
        assert times[k] >= 0.2 * k / 4
    # Items 4 and 5 came after the pool ran dry: new tasks take them without the wait the ramp
    # would give a fifth and sixth start (0.25 s for the sixth).
    assert times[5] - times[4] < 0.2 * 5 / 4


def test_a_free_task_takes_the_next_item_before_a_later_task_of_the_ramp_starts() -> None:
    # Short items: the first task is done before the ramp lets the second start, and goes on.
    started, _, _, tasks = _run(4, 8, ramp=0.2)
    assert started == list(range(8))
    assert tasks[1] is tasks[0]
