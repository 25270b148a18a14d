"""Pages read after the requests that are ready (servaudit/discover/idle.py, Crawler.start): the
idle work's order, and that a site's result still holds every page it fetched, that a failure in
such a reading still ends its site as an error, and that the time budget keeps what was fetched."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from servaudit.discover import crawler as crawler_module
from servaudit.discover.crawler import Crawler
from servaudit.discover.fingerprints import load_fingerprints
from servaudit.discover.idle import IdleWork
from servaudit.discover.model import SiteResult
from servaudit.discover.net import HostResolver, make_dns_resolver
from servaudit.discover.options import DiscoverOptions
from servaudit.discover.page import PageFacts
from tests.discover_support import SiteServer


def test_idle_work_runs_one_item_a_turn_after_the_callbacks_that_were_ready() -> None:
    log: list[str] = []
    errors: list[str] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _, context: errors.append(repr(context.get("exception"))))
        idle = IdleWork()
        idle.add(lambda: log.append("idle 1"))
        idle.add(lambda: log.append(str(1 / 0)))  # an item that raises: the next ones still run
        idle.add(lambda: log.append("idle 3"))
        loop.call_soon(log.append, "ready 1")

        def ready_2() -> None:
            log.append("ready 2")
            loop.call_soon(log.append, "ready 3")

        loop.call_soon(ready_2)
        while len(idle):
            await asyncio.sleep(0)
        idle.add(lambda: log.append("idle 4"))  # and it starts again once it ran dry
        while len(idle):
            await asyncio.sleep(0)

    asyncio.run(main())
    assert log == ["ready 1", "ready 2", "idle 1", "ready 3", "idle 3", "idle 4"]
    assert errors == ["ZeroDivisionError('division by zero')"]


def _site(root: Path, name: str, links: str, pages: dict[str, str], behaviour: str = "") -> None:
    folder = root / name
    folder.mkdir()
    (folder / "index.html").write_text(f"<html><body><h1>{name}</h1>{links}</body></html>")
    for page, text in pages.items():
        (folder / f"{page}.html").write_text(f"<html><body><p>{text}</p></body></html>")
    if behaviour:
        (folder / "_site.toml").write_text(behaviour)


def _crawl(
    server: SiteServer, url: str, busy: int = 0, **settings: Any
) -> tuple[list[SiteResult], SiteResult]:
    """(what ``finished`` had when the site left the network, the result) of one site, after
    ``busy`` items of 2 ms each were left to the idle work (a process with much to read)."""
    options = DiscoverOptions(
        **{"delay": 0.0, "per_host": 2, "max_depth": 1, "timeout": 5.0, "checks": False, **settings},
        resolve=server.resolve(),
    )

    async def main() -> tuple[list[SiteResult], SiteResult]:
        crawler = Crawler(options, load_fingerprints(None), HostResolver(options, make_dns_resolver(options)))
        for _ in range(busy):
            crawler.idle.add(lambda: time.sleep(0.002))
        got: list[SiteResult] = []
        await crawler.start(url, got.append)
        on_leaving = list(got)
        while not got:
            await asyncio.sleep(0.001)
        await crawler.wait_closed()
        return on_leaving, got[0]

    return asyncio.run(main())


def test_a_sites_result_holds_the_pages_read_after_it_left_the_network(tmp_path: Path) -> None:
    _site(tmp_path, "later", '<a href="/a">a</a> <a href="/b">b</a>', {
        "a": "Telefon: 030 1234567", "b": "E-Mail: info@later.example",
    })  # fmt: skip
    with SiteServer(tmp_path) as server:
        on_leaving, site = _crawl(server, server.url("later"))
    assert on_leaving == [], "its last page was still to be read when its last answer was in"
    assert site.stopped == "complete" and site.error is None
    assert [p.e164 for p in site.phones] == ["+49301234567"]
    assert [e.address for e in site.emails] == ["info@later.example"]
    assert [(p.url.rsplit("/", 1)[1], p.depth) for p in site.pages] == [("", 0), ("a", 1), ("b", 1)]


def test_a_failure_while_reading_a_page_ends_its_site_as_an_error_and_stops_its_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    links = "".join(f'<a href="/{p}">{p}</a> ' for p in "abcd")
    _site(tmp_path, "failing", links, {p: p for p in "abcd"}, behaviour='delay = { "/b" = 0.5 }')
    extract = crawler_module.extract

    def failing(page: PageFacts, *args: Any) -> Any:
        if page.url.endswith("/a"):
            raise RuntimeError("a bug met on this page")
        return extract(page, *args)

    monkeypatch.setattr(crawler_module, "extract", failing)
    with SiteServer(tmp_path) as server:
        _, site = _crawl(server, server.url("failing"), per_host=1)
        paths = server.paths("failing.example")
    assert site.stopped == "error"
    assert site.error == (
        "internal error while reading this site (RuntimeError('a bug met on this page')); please report it"
    )
    assert site.notes == []
    assert [p.url.rsplit("/", 1)[1] for p in site.pages] == [""], "the failing page is not recorded"
    # /a's reading failed while /b was on its way: /c and /d were never asked for.
    assert "/c" not in paths and "/d" not in paths


@pytest.mark.parametrize("concurrency", [1000, 8])
def test_the_time_budget_running_out_while_a_page_waits_to_be_read_keeps_that_page(
    tmp_path: Path, concurrency: int
) -> None:
    _site(tmp_path, "waiting", '<a href="/a">a</a> <a href="/b">b</a>', {
        "a": "Telefon: 030 1234567", "b": "E-Mail: info@waiting.example",
    }, behaviour='delay = { "/b" = 2.0 }')  # fmt: skip
    with SiteServer(tmp_path) as server:
        # 1.4 s of other pages to read before /a's: the budget of 0.7 s runs out while it waits.
        # Unless more pages wait than sites are crawled at once: /a is then read as it comes.
        _, site = _crawl(server, server.url("waiting"), busy=700, time_budget=0.7, concurrency=concurrency)
    assert site.stopped == "time budget"
    assert site.notes == ["stopped after the time budget of 0.7 s"]
    assert [p.e164 for p in site.phones] == ["+49301234567"], "fetched in time: read, and kept"
    assert site.emails == []
    assert [p.url.rsplit("/", 1)[1] for p in site.pages] == ["", "a"]
    if concurrency > 700:
        assert site.seconds >= 1.4, "its result waited for /a's reading"
    else:
        assert site.seconds < 1.4, "/a was read as it came, not after the 700 pages waiting"


def test_findings_are_merged_in_the_order_their_pages_came_though_some_pages_wait(tmp_path: Path) -> None:
    # /c (two clicks deep: the last depth, so its reading waits) comes before /b (one click, slow,
    # read as it comes). identity.Found keeps the first of equal findings in its place, so the
    # order the pages are merged in shows: b@ first (from /c), as when every page was read at once.
    _site(tmp_path, "order", '<a href="/a">a</a> <a href="/b">b</a>', {
        "a": '<a href="/c">c</a>', "b": "a@order.example, b@order.example", "c": "b@order.example",
    }, behaviour='delay = { "/b" = 0.3 }')  # fmt: skip
    with SiteServer(tmp_path) as server:
        _, site = _crawl(server, server.url("order"), busy=700, max_depth=2, concurrency=1000)
    assert site.stopped == "complete"
    assert [(e.address, e.depth) for e in site.emails] == [("b@order.example", 1), ("a@order.example", 1)]
    assert site.seconds >= 1.4, "/c was read after the other work waiting"
