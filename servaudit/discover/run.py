"""A discovery run: crawl every site (a bounded number at a time), then check what was found."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import dns.asyncresolver

from servaudit.discover.crawler import Crawler
from servaudit.discover.fingerprints import load_fingerprints
from servaudit.discover.mailcheck import MailDomain, check_mail_domain
from servaudit.discover.model import SiteResult
from servaudit.discover.net import HostResolver, make_dns_resolver
from servaudit.discover.options import DiscoverOptions
from servaudit.discover.pool import CrawlPool
from servaudit.discover.shards import crawl_in_two, worth_two_processes
from servaudit.errors import UsageError

if TYPE_CHECKING:
    from servaudit.discover.render import Renderer

MAIL_CHECKS_AT_ONCE = 16

Progress = Callable[[str], None]


def site_url(text: str) -> str:
    """A URL to start from: http(s) with a host; a bare host name means https."""
    text = text.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        raise UsageError(f"{text!r} has an invalid port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{text!r} is not a web address (expected http:// or https:// and a host name)")
    return text


@asynccontextmanager
async def _renderer(options: DiscoverOptions) -> AsyncIterator[Renderer | None]:
    if not options.render:
        yield None
        return
    from servaudit.browser import open_browser
    from servaudit.discover.render import Renderer

    async with open_browser(options.chromium) as browser:
        yield Renderer(browser, options.timeout)


async def discover_async(
    urls: Sequence[str],
    options: DiscoverOptions,
    audit_folder: Path | None = None,
    progress: Progress | None = None,
) -> list[SiteResult]:
    starts = [site_url(u) for u in urls]
    prints = load_fingerprints(audit_folder)
    dns_resolver = make_dns_resolver(options)
    resolver = HostResolver(options, dns_resolver)
    async with AsyncExitStack() as stack:
        renderer = await stack.enter_async_context(_renderer(options))
        crawler = Crawler(options, prints, resolver, renderer)

        def done(index: int, result: SiteResult) -> None:
            if progress:
                found = ", ".join(
                    f"{len(getattr(result, k))} {k}" for k in ("emails", "phones", "forms", "chats")
                )
                progress(f"{starts[index]}: {result.stopped}, {len(result.pages)} pages; {found}")

        if worth_two_processes(options.concurrency, len(starts), renderer is not None):
            results = await crawl_in_two(crawler, starts, options.concurrency, done)
        else:
            results = await _crawl_in_one(crawler, starts, options.concurrency, done)
        await crawler.wait_closed()
    if options.checks:
        await _check_mail_domains(results, dns_resolver)
    return results


async def _crawl_in_one(
    crawler: Crawler, starts: Sequence[str], concurrency: int, done: Callable[[int, SiteResult], None]
) -> list[SiteResult]:
    """Every site in this process, ``concurrency`` on the network at once (a site's last pages may
    still be read after it left the network: Crawler.start); ``done`` is called as each site ends."""
    crawled: dict[int, SiteResult] = {}
    every_one = asyncio.get_running_loop().create_future()

    def finished(index: int, result: SiteResult) -> None:
        crawled[index] = result
        try:
            done(index, result)
        except Exception as exc:  # (maybe called from the crawler's idle work: it surfaces below)
            if not every_one.done():
                every_one.set_exception(exc)
            return
        if len(crawled) == len(starts) and not every_one.done():
            every_one.set_result(None)

    async def one(index: int) -> None:
        await crawler.start(starts[index], functools.partial(finished, index))

    pool = CrawlPool(concurrency, one)
    for index in range(len(starts)):
        pool.start(index)
    await pool.join()
    if starts:
        await every_one
    return [crawled[i] for i in range(len(starts))]


async def _check_mail_domains(results: list[SiteResult], dns_resolver: dns.asyncresolver.Resolver) -> None:
    domains = sorted({e.domain for r in results for e in r.emails})
    limit = asyncio.Semaphore(MAIL_CHECKS_AT_ONCE)

    async def one(domain: str) -> MailDomain:
        async with limit:
            return await check_mail_domain(domain, dns_resolver)

    checked = dict(zip(domains, await asyncio.gather(*(one(d) for d in domains)), strict=True))
    for result in results:
        result.mail_domains = {e.domain: checked[e.domain] for e in result.emails}


def discover(
    urls: Sequence[str],
    options: DiscoverOptions,
    audit_folder: Path | None = None,
    progress: Progress | None = None,
) -> list[SiteResult]:
    return asyncio.run(discover_async(urls, options, audit_folder, progress))
