"""Many sites at once are crawled in two processes (servaudit/discover/shards.py): the same results
as one process, and each host's politeness whole, also when a home page redirects to a host the
other process crawls (the site is handed over before that host is contacted)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from servaudit.discover import DiscoverOptions, discover
from servaudit.discover.crawler import Crawler, Resume
from servaudit.discover.model import SiteResult
from servaudit.discover.shards import SPLIT_FROM, worth_two_processes
from tests.discover_support import SiteServer

PAGES = {
    "index.html": "<html><head><title>{name}</title></head><body><a href='/kontakt'>Kontakt</a> "
    "<a href='/impressum'>Impressum</a></body></html>",
    "kontakt.html": "<html><body><a href='mailto:service@{name}.example'>Mail</a><form method='post'>"
    "<input name='email' type='email'><textarea name='text'></textarea></form></body></html>",
    "impressum.html": "<html><body><h1>Impressum</h1><p>Telefon: 0800 1234567</p></body></html>",
}
SITES = 36
DELAY = 0.2
ALIASES = {
    # start host → where its home page redirects (the hosts are dealt out alternately in the input's
    # order: site00 stays here, site01 goes to the other process, and so on)
    "alias00": "site01",  # to the other process
    "alias01": "alias02",  # to this process, which redirects on to the other one
    "alias02": "site03",
    "alias03": "site00",
}


def _fleet(root: Path) -> None:
    for i in range(SITES):
        name = f"site{i:02d}"
        (root / name).mkdir()
        for file, text in PAGES.items():
            (root / name / file).write_text(text.format(name=name))
    for alias in ALIASES:
        (root / alias).mkdir()


def _redirects(root: Path, port: int) -> None:
    for alias, target in ALIASES.items():
        location = f"http://{target}.example:{port}/"
        (root / alias / "_site.toml").write_text(f'[redirect]\n"/" = "{location}"\n')


def _comparable(results: list[SiteResult]) -> list[dict[str, Any]]:
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("seconds", "ttfb_ms")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return [strip(r.as_json()) for r in results]


def _settled(server: SiteServer) -> None:
    """Until the server has recorded every request it answered: it records one after sending its answer,
    so a crawl can be done before the last hits are in (they then counted as the next run's)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with server.lock:
            if not any(server.in_flight.values()):
                return
        time.sleep(0.01)
    raise AssertionError("the site server still answers requests after the crawl ended")


def test_two_processes_find_what_one_finds_and_keep_each_hosts_politeness(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "sites"
    root.mkdir()
    _fleet(root)
    crawls = tmp_path / "crawls.txt"
    start = Crawler.start

    async def recorded(
        self: Crawler,
        url: str,
        finished: Callable[[SiteResult], None],
        on_page: Any = None,
        resume: Resume | None = None,
    ) -> None:
        with crawls.open("a") as out:  # one line per crawl started, from whichever process
            out.write(f"{os.getpid()} {url} {resume.location if resume else '-'}\n")
        await start(self, url, finished, on_page, resume)

    monkeypatch.setattr(Crawler, "start", recorded)
    with SiteServer(root) as server:
        _redirects(root, server.port)
        urls = [server.url(name) for name in sorted(p.name for p in root.iterdir())]
        settings: dict[str, Any] = {
            "delay": DELAY, "per_host": 2, "timeout": 5.0, "time_budget": 30.0, "max_depth": 1,
            "checks": False, "resolve": server.resolve(),
        }  # fmt: skip
        one = discover(urls, DiscoverOptions(concurrency=8, **settings))
        _settled(server)
        first_run = len(server.hits)
        requests_one = sorted((hit.host, hit.path) for hit in server.hits)
        assert worth_two_processes(SPLIT_FROM, len(urls), rendering=False)
        two = discover(urls, DiscoverOptions(concurrency=SPLIT_FROM, **settings))
        _settled(server)
        hits = server.hits[first_run:]

    assert _comparable(two) == _comparable(one)
    assert {r.final_url for r in two if r.url.startswith("http://alias")} == {
        f"http://{target}.example:{server.port}/" for target in ("site01", "site03", "site00")
    }
    # Both processes crawled, and the redirected sites went on in the other one.
    lines = [line.split() for line in crawls.read_text().splitlines()[len(urls) :]]
    assert len({pid for pid, _, _ in lines}) == 2
    handed = {url: pid for pid, url, location in lines if location != "-"}
    assert set(handed) == {server.url(alias) for alias in ALIASES}
    # The same requests as one process sent, none twice; each host's robots.txt read once (by the one
    # process that owns it) and never more than per_host requests to it at a time. (The gaps between
    # starts are test_discover.py's: measured at this server they shift with connection set-up.)
    assert sorted((hit.host, hit.path) for hit in hits) == requests_one
    for host in {hit.host for hit in hits}:
        assert [hit.path for hit in hits if hit.host == host].count("/robots.txt") == 1, host
        assert max(hit.in_flight for hit in hits if hit.host == host) <= 2, host
