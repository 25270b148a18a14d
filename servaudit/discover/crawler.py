"""Crawling one site: breadth-first from the home page, bounded, polite, and never onto another host.

Contact-like links ("Kontakt", "Impressum", "Hilfe") are fetched first within
a depth, so a page limit cuts the least useful pages. Links to other hosts
are only recorded (social profiles, external help centres). Everything
found so far is kept when the time budget runs out.

A page of the last depth (nothing on it is followed) is read after the requests that are ready to
go out (servaudit/discover/idle.py): its site is off the network once its last answer is in, and its
result is complete once its last such page is read.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import httpx

from servaudit.discover.client import SiteClient, read_body
from servaudit.discover.extract import PageFindings, extract, page_help_vendor, same_site
from servaudit.discover.fingerprints import Fingerprints
from servaudit.discover.identity import IDENTITY, Found, name_for, normalise, origin, slug_for
from servaudit.discover.idle import IdleWork
from servaudit.discover.legal import SCREENSHOT_KINDS
from servaudit.discover.model import HelpFound, LegalFound, PageVisit, SiteResult
from servaudit.discover.net import (
    HostResolver,
    TlsResult,
    check_tls,
    make_client,
    ssl_context,
    unverified_context,
)
from servaudit.discover.options import DiscoverOptions
from servaudit.discover.page import parse_page
from servaudit.discover.polite import Gates, Robots, robots_from_response

if TYPE_CHECKING:
    from servaudit.discover.render import Renderer

# URL and finding identity live in identity.py; these names stay importable from here.
__all__ = [
    "IDENTITY",
    "MAX_REDIRECTS",
    "Crawler",
    "Fetched",
    "HandOff",
    "Resume",
    "SiteClients",
    "decode",
    "name_for",
    "normalise",
    "slug_for",
]

MAX_REDIRECTS = 5
_SKIP_SUFFIXES = (
    ".pdf", ".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".ico", ".zip", ".gz", ".mp3", ".mp4",
    ".mov", ".avi", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".css", ".js", ".json", ".xml",
    ".rss", ".woff", ".woff2", ".ttf", ".exe", ".dmg", ".apk",
)  # fmt: skip
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", re.I)


def safe_folder(host: str) -> str:
    """A host name as one folder name (a page's host is the site's: no path can come from it)."""
    return re.sub(r"[^a-z0-9.-]+", "_", host.lower()).strip(".") or "site"


@dataclass(frozen=True)
class Fetched:
    url: str
    """The URL that answered (after redirects)."""
    status: int | None
    ttfb_ms: float | None
    content_type: str
    body: bytes
    error: str | None = None
    location: str | None = None
    """Where a redirect points (absolute)."""


@dataclass(frozen=True)
class Resume:
    """A site whose home page redirected to a host another crawling process owns
    (servaudit/discover/shards.py), to be crawled on there: what was recorded so far, where the
    redirect leads, how many more requests the redirect limit allows, and when the site started
    (its time budget goes on; time.monotonic is one clock for every process of the machine)."""

    site: SiteResult
    location: str
    requests_left: int
    started: float


class HandOff(Exception):
    """Raised by Crawler.crawl instead of contacting a host this process does not own."""

    def __init__(self, resume: Resume) -> None:
        super().__init__(resume.location)
        self.resume = resume


class _Redirected(Exception):
    """Inside one site's crawl: its home page redirects to a host this process does not own."""

    def __init__(self, location: str, requests_left: int) -> None:
        super().__init__(location)
        self.location = location
        self.requests_left = requests_left


class SiteClients:
    """One site's HTTP clients: verifying certificates, and (only after a failed TLS check) not."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._clients: dict[bool, SiteClient] = {}

    def get(self, verify: bool) -> SiteClient:
        if verify not in self._clients:
            crawler = self.crawler
            context = (lambda: crawler.verified) if verify else (lambda: crawler.unverified)
            self._clients[verify] = make_client(crawler.options, crawler.resolver, context)
        return self._clients[verify]

    def close(self) -> None:
        """Close every connection now; ``wait_closed`` waits for their ends."""
        for client in self._clients.values():
            client.close()

    async def wait_closed(self) -> None:
        for client in self._clients.values():
            await client.wait_closed()


class Crawler:
    """Shared by every site of one run: TLS contexts, per-host gates, robots and TLS verdicts."""

    def __init__(
        self,
        options: DiscoverOptions,
        prints: Fingerprints,
        resolver: HostResolver,
        renderer: Renderer | None = None,
    ) -> None:
        self.options = options
        self.prints = prints
        self.resolver = resolver
        self.renderer = renderer
        self.gates = Gates(options.per_host, options.delay)
        self._robots: dict[str, asyncio.Task[Robots]] = {}
        self._tls: dict[str, asyncio.Task[TlsResult]] = {}
        self._closing: set[asyncio.Task[None]] = set()
        self.idle = IdleWork()
        """Pages read after the requests that are ready (no renderer: a rendered page is awaited)."""
        self.owns: Callable[[str], bool] | None = None
        """Host name → whether this process may contact it (servaudit/discover/shards.py: hosts are
        split between two processes so that each host's politeness lives in one); None: every host."""

    # The TLS contexts are built at their first use (an https site, a TLS check), not with the run:
    # reading the system's CA store takes 17 ms a context, before the first site is even started,
    # which a crawl of http sites never needs. Forked after a first use, the other process shares them.
    @functools.cached_property
    def verified(self) -> ssl.SSLContext:
        return ssl_context(self.options)

    @functools.cached_property
    def unverified(self) -> ssl.SSLContext:
        return unverified_context()

    # -- one request ------------------------------------------------------------

    async def _get(self, url: str, client: SiteClient) -> Fetched:
        """One GET through the host's gate; the body is read up to ``max_bytes``."""
        gate = self.gates.for_host(urlsplit(url).netloc.lower())
        async with gate.admit():
            started = time.monotonic()
            try:
                async with client.stream(url) as response:
                    ttfb = (time.monotonic() - started) * 1000
                    body = await read_body(response, self.options.max_bytes)
                    location = response.headers.get("location")
                    return Fetched(
                        url,
                        response.status_code,
                        round(ttfb, 1),
                        response.headers.get("content-type", ""),
                        bytes(body[: self.options.max_bytes]),
                        None,
                        urljoin(url, location) if location and response.is_redirect else None,
                    )
            except httpx.TimeoutException:
                return Fetched(url, None, None, "", b"", f"timed out after {self.options.timeout:g} s")
            except httpx.HTTPError as exc:
                return Fetched(url, None, None, "", b"", _reason(exc))

    async def _client_for(self, url: str, clients: SiteClients, site: SiteResult | None) -> SiteClient:
        scheme, host, port = origin(url)
        if scheme != "https":
            return clients.get(verify=True)
        key = f"{host}:{port}"
        if key not in self._tls:
            self._tls[key] = asyncio.ensure_future(
                check_tls(host, port, self.options, self.resolver, self.verified)
            )
        verdict = await asyncio.shield(self._tls[key])  # shared: one site's time-out must not cancel it
        if site is not None and site.tls is None:
            site.tls = verdict
        if verdict.valid or verdict.detail.startswith("cannot connect"):
            return clients.get(verify=True)  # a connection problem is reported by the request itself
        if site is not None:
            note = f"{verdict.origin}: {verdict.detail}; its pages were read without certificate verification"
            if note not in site.notes:
                site.notes.append(note)
        return clients.get(verify=False)

    async def robots(self, url: str, clients: SiteClients) -> Robots:
        scheme, host, port = origin(url)
        key = f"{scheme}://{host}:{port}"
        if key not in self._robots:
            self._robots[key] = asyncio.ensure_future(self._read_robots(url, clients))
        return await asyncio.shield(self._robots[key])

    async def _read_robots(self, url: str, clients: SiteClients) -> Robots:
        target = urljoin(url, "/robots.txt")
        client = await self._client_for(url, clients, None)
        fetched = await self._get(target, client)
        for _ in range(MAX_REDIRECTS):
            location = _location(fetched)
            if location is None or urlsplit(location).hostname != urlsplit(target).hostname:
                break
            fetched = await self._get(location, client)
        robots = robots_from_response(fetched.status, fetched.body.decode("utf-8", "replace"))
        delay = robots.crawl_delay()
        if delay is not None:
            self.gates.for_host(urlsplit(url).netloc.lower()).slow_down(delay)
        return robots

    async def fetch(
        self, url: str, state: _SiteState, any_host: bool = False, requests: int = MAX_REDIRECTS + 1
    ) -> Fetched:
        """GET with robots.txt and redirects; ``any_host`` lets redirects change host (the home page).
        At most ``requests`` GETs (the redirects allowed and the last answer)."""
        site = state.site
        for sent in range(1, requests + 1):
            robots = await self.robots(url, state.clients)
            if not robots.allows(url):
                site.robots_disallowed.append(url)
                reason = "robots.txt could not be read (RFC 9309: treated as disallowing everything)"
                detail = reason if robots.status == "unreachable" else "disallowed by robots.txt"
                return Fetched(url, None, None, "", b"", detail)
            fetched = await self._get(url, await self._client_for(url, state.clients, site))
            location = _location(fetched)
            if location is None:
                return fetched
            host = (urlsplit(location).hostname or "").lower()
            if urlsplit(location).scheme not in ("http", "https"):
                return Fetched(url, fetched.status, fetched.ttfb_ms, "", b"", f"redirects to {location}")
            if not any_host and not same_site(host, state.host):
                return Fetched(
                    url, fetched.status, fetched.ttfb_ms, "", b"", f"redirects to another host: {host}"
                )
            if self.owns is not None and sent < requests and not self.owns(host):
                raise _Redirected(location, requests - sent)
            url = location
        return Fetched(url, None, None, "", b"", f"more than {MAX_REDIRECTS} redirects")

    # -- one site ---------------------------------------------------------------

    async def crawl(
        self, url: str, on_page: Callable[[str], None] | None = None, resume: Resume | None = None
    ) -> SiteResult:
        """One site, from its start or (``resume``) from where another process handed it over.
        Raises HandOff when its home page redirects to a host this process does not own."""
        read: asyncio.Future[SiteResult] = asyncio.get_running_loop().create_future()
        await self.start(url, functools.partial(_settle, read), on_page, resume)
        return await read

    async def start(
        self,
        url: str,
        finished: Callable[[SiteResult], None],
        on_page: Callable[[str], None] | None = None,
        resume: Resume | None = None,
    ) -> None:
        """A site's requests (as ``crawl``); returns when its last answer is in, and ``finished``
        gets the site's result once its pages are read as well: at once, or later, when the last
        page it left to ``idle`` is read. Raises HandOff as ``crawl`` does (``finished`` is then
        not called), and on cancellation ``finished`` is never called."""
        site = SiteResult(url=url) if resume is None else resume.site
        state = _SiteState(self, site, on_page)
        started = time.monotonic() if resume is None else resume.started
        budget = self.options.time_budget
        try:
            async with asyncio.timeout(budget if resume is None else budget - (time.monotonic() - started)):
                await state.run(resume)
        except _Redirected as redirect:
            # (before any page is read: only the home page's answer redirects a site elsewhere)
            raise HandOff(Resume(site, redirect.location, redirect.requests_left, started)) from None
        except TimeoutError:
            state.out_of_time = True
        except Exception as exc:
            # A bug met on one site's pages must not cost the other sites their results.
            state.failure = exc
        except BaseException:
            state.dropped = True  # cancelled: its pages left to read are not read any more
            raise
        finally:
            if self.renderer is not None:
                await self.renderer.close_site(state)
            # The connections close now; waiting for their ends (a turn of the event loop each, a
            # TLS goodbye) is left to the run's end (wait_closed), so the next site starts at once.
            state.clients.close()
            closing = asyncio.ensure_future(state.clients.wait_closed())
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
            site.seconds = time.monotonic() - started
        state.when_read(functools.partial(_deliver, state, started, finished))

    async def wait_closed(self) -> None:
        """Until the connections of every site crawled so far are closed."""
        while self._closing:
            await asyncio.gather(*self._closing)


def _settle(read: asyncio.Future[SiteResult], site: SiteResult) -> None:
    if not read.done():  # (cancelled while its pages were read)
        read.set_result(site)


def _deliver(state: _SiteState, started: float, finished: Callable[[SiteResult], None]) -> None:
    state.finish()
    state.site.seconds = time.monotonic() - started
    finished(state.site)


def _location(fetched: Fetched) -> str | None:
    return fetched.location if fetched.status in (301, 302, 303, 307, 308) else None


def _reason(exc: httpx.HTTPError) -> str:
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {text}"
    return text


def decode(body: bytes, content_type: str) -> str:
    charset = None
    match = re.search(r"charset=([A-Za-z0-9_-]+)", content_type, re.I)
    if match:
        charset = match.group(1)
    else:
        meta = _CHARSET.search(body[:4096])
        charset = meta.group(1).decode("ascii") if meta else None
    try:
        return body.decode(charset or "utf-8", "replace")
    except LookupError:
        return body.decode("utf-8", "replace")


def _readable(fetched: Fetched) -> bool:
    """An answer whose page is read: HTML, not an error."""
    return fetched.status is not None and fetched.status < 400 and _is_html(fetched)


def _is_html(fetched: Fetched) -> bool:
    kind = fetched.content_type.lower()
    return "html" in kind or (
        not kind and fetched.body.lstrip()[:15].lower().startswith((b"<!doctype", b"<html"))
    )


class _SiteState:
    def __init__(self, crawler: Crawler, site: SiteResult, on_page: Callable[[str], None] | None) -> None:
        self.crawler = crawler
        self.options = crawler.options
        self.site = site
        self.on_page = on_page
        self.found = Found()
        self.host = ""
        self.seen: set[str] = set()
        self.scheduled = 0
        self.page_limit_hit = False
        self.queue: asyncio.PriorityQueue[tuple[int, int, int, str, bool]] = asyncio.PriorityQueue()
        self.left = 0
        """Pages scheduled and not fetched yet (or fetched and being visited)."""
        self.documents: dict[str, Fetched] = {}
        """Pages being rendered, answered to Chromium from what the crawler fetched."""
        self.clients = SiteClients(crawler)
        self.settled: asyncio.Future[None] | None = None
        """While the queue's workers run: set when every page scheduled is fetched, or one failed."""
        self.unread = 0
        """Pages fetched and left to the crawler's ``idle`` work, not read yet."""
        self._when_read: Callable[[], None] | None = None
        self.out_of_time = False
        self.failure: Exception | None = None
        """What a page's reading raised: the site ends with it (an internal error)."""
        self.dropped = False
        """The crawl was cancelled: pages left to read are not read any more."""

    async def run(self, resume: Resume | None = None) -> None:
        start = self.site.url
        self.seen.add(normalise(start))
        self.scheduled = 1
        if resume is None:
            home = await self.crawler.fetch(start, self, any_host=True)
        else:
            left = resume.requests_left
            home = await self.crawler.fetch(resume.location, self, any_host=True, requests=left)
        self.host = (urlsplit(home.url).hostname or "").lower()
        self.site.final_url = home.url
        self.site.slug = slug_for(self.host)
        self.seen.add(normalise(home.url))
        if home.status is None or home.status >= 400 or not _is_html(home):
            self.site.stopped = "error"
            self.site.error = home.error or (
                f"the home page answered HTTP {home.status}" if home.status else "no answer"
            )
            if home.status is not None and home.status < 400:
                self.site.error = f"the home page is not HTML ({home.content_type or 'no content type'})"
            self.site.pages.append(PageVisit(home.url, 0, home.status, home.ttfb_ms, self.site.error, True))
            return
        await self.visit(home, depth=0, contact=False)
        if self.left:  # a home page without links to follow needs no workers
            await self._work_off_the_queue()
        if self.page_limit_hit:
            self.site.stopped = "page limit"

    async def _work_off_the_queue(self) -> None:
        """``per_host`` workers until every page scheduled is visited, or one fails (its error).
        The worker that visits the last page says so itself: waiting for the queue's join and the
        workers' ends took event-loop turns that every site paid (bench/bench_discover.py)."""
        settled: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.settled = settled
        workers = [asyncio.ensure_future(self.worker(settled)) for _ in range(self.options.per_host)]
        finished = False
        try:
            await settled
            finished = True
        finally:
            for worker in workers:
                worker.cancel()
            if not finished:  # a worker may be inside a request: let it end before the site's clients close
                await asyncio.gather(*workers, return_exceptions=True)
            # (finished: every worker waits for the empty queue, and a cancelled wait ends on its own)

    async def worker(self, settled: asyncio.Future[None]) -> None:
        while True:
            depth, _, _, url, contact = await self.queue.get()
            try:
                fetched = await self.crawler.fetch(url, self)
                if self._can_wait(depth):
                    self._leave(functools.partial(self._read_later, fetched, depth, contact))
                else:
                    await self.visit(fetched, depth, contact)
            except Exception as exc:
                if not settled.done():
                    settled.set_exception(exc)
                raise
            finally:
                self.queue.task_done()
                self.left -= 1
                if self.left == 0 and not settled.done():
                    settled.set_result(None)

    def _can_wait(self, depth: int) -> bool:
        """Whether a page's reading can wait until the requests that are ready went out: it can
        schedule nothing (the last depth) and is not rendered (a rendered page is awaited). A site
        whose pages already wait leaves every further one to wait too (they are read in the order
        they came, as they were); others read theirs at once when many pages already wait (the
        memory of their bodies is bounded, and a process with more to read than it can is no
        worse off than reading each page as it comes)."""
        if depth + 1 <= self.options.max_depth or self.crawler.renderer is not None:
            return False
        return self.unread > 0 or len(self.crawler.idle) < self.options.concurrency

    def _leave(self, work: Callable[[], None]) -> None:
        """Work of this site left to the crawler's ``idle`` work, after what this site left before;
        the site's result is delivered after its last one. A failure ends the site as one in a
        visit did: its requests are stopped (when still running), its other work left is not
        done, and its error is the failure."""
        self.unread += 1
        self.crawler.idle.add(functools.partial(self._later, work))

    def _later(self, work: Callable[[], None]) -> None:
        try:
            if self.failure is None and not self.dropped:
                work()
        except Exception as exc:
            self.failure = exc
            if self.settled is not None and not self.settled.done():
                self.settled.set_exception(exc)
        finally:
            self.unread -= 1
            if self.unread == 0 and self._when_read is not None:
                # (dropped first: it holds this state, a cycle only the garbage collector would end)
                then, self._when_read = self._when_read, None
                then()

    def when_read(self, then: Callable[[], None]) -> None:
        """``then()`` once no work is left: now, or after the last of it is done."""
        if self.unread == 0:
            then()
        else:
            self._when_read = then

    async def visit(self, fetched: Fetched, depth: int, contact: bool) -> None:
        """A page read as it comes: its links scheduled, its findings kept (rendered first, with a
        renderer)."""
        renderer = self.crawler.renderer
        if renderer is None:
            self._keep(fetched, depth, contact, self._read(fetched, depth))
            return
        if self.on_page:
            self.on_page(fetched.url)
        findings: PageFindings | None = None
        if _readable(fetched):
            html = await renderer.render(fetched, decode(fetched.body, fetched.content_type), self)
            findings = self._findings(fetched, depth, html)
            if self.options.evidence is not None:
                findings.legal = await self._with_screenshot(fetched, findings.legal)
            self.schedule(findings, depth)
        self._keep(fetched, depth, contact, findings)

    def _read_later(self, fetched: Fetched, depth: int, contact: bool) -> None:
        """A page read from the ``idle`` work (what this site left before is done: kept at once)."""
        self._merge(fetched, depth, contact, self._read(fetched, depth))

    def _read(self, fetched: Fetched, depth: int) -> PageFindings | None:
        """A page's findings (None: not an HTML page), its links scheduled; without a renderer."""
        if self.on_page:
            self.on_page(fetched.url)
        if not _readable(fetched):
            return None
        findings = self._findings(fetched, depth, decode(fetched.body, fetched.content_type))
        self.schedule(findings, depth)
        return findings

    def _findings(self, fetched: Fetched, depth: int, html: str) -> PageFindings:
        page = parse_page(fetched.url, html)
        if depth == 0:
            self.site.name = name_for(page.site_name, page.title, self.site.slug)
        findings = extract(page, depth, self.host, self.crawler.prints)
        vendor = page_help_vendor(page, self.crawler.prints)
        if vendor:
            findings.help.append(HelpFound(vendor[0], fetched.url, page.title[:120], vendor[1], depth))
        return findings

    def _keep(self, fetched: Fetched, depth: int, contact: bool, findings: PageFindings | None) -> None:
        """A page read as it came is kept after the pages this site left to read, if any: findings
        are merged in the order their pages came, as they were (Found keeps the first of equals)."""
        if self.unread:
            self._leave(functools.partial(self._merge, fetched, depth, contact, findings))
        else:
            self._merge(fetched, depth, contact, findings)

    def _merge(self, fetched: Fetched, depth: int, contact: bool, findings: PageFindings | None) -> None:
        """A page's findings merged into the site's, and its visit recorded."""
        error = fetched.error
        if fetched.status is not None and fetched.status >= 400:
            error = f"HTTP {fetched.status}"
        if findings is not None:
            self.found.merge(findings)
        shows = findings is not None and findings.shows_a_channel
        self.site.pages.append(
            PageVisit(fetched.url, depth, fetched.status, fetched.ttfb_ms, error, contact or shows)
        )

    async def _with_screenshot(self, fetched: Fetched, hints: list[LegalFound]) -> list[LegalFound]:
        """The page's hints with a screenshot of it, when it shows one that is evidence of a finding."""
        if self.crawler.renderer is None or self.options.evidence is None:
            return hints
        if not any(h.kind in SCREENSHOT_KINDS for h in hints):
            return hints
        name = hashlib.sha256(fetched.url.encode()).hexdigest()[:20]
        relative = f"evidence/discover/{safe_folder(self.host)}/{name}.png"
        target = self.options.evidence / relative
        if not await self.crawler.renderer.screenshot(fetched, self, target):
            return hints
        digest = hashlib.sha256(target.read_bytes()).hexdigest()
        return [
            replace(h, screenshot=relative, screenshot_sha256=digest) if h.kind in SCREENSHOT_KINDS else h
            for h in hints
        ]

    def schedule(self, findings: PageFindings, depth: int) -> None:
        if depth + 1 > self.options.max_depth:
            return
        for url, contact in findings.follow:
            key = normalise(url)
            if key in self.seen or urlsplit(key).path.lower().endswith(_SKIP_SUFFIXES):
                continue
            if self.scheduled >= self.options.max_pages:
                self.page_limit_hit = True
                return
            self.seen.add(key)
            self.scheduled += 1
            self.left += 1
            self.queue.put_nowait((depth + 1, 0 if contact else 1, self.scheduled, url, contact))

    def finish(self) -> None:
        site = self.site
        if self.failure is not None:  # (a page's reading failed: that ended the site first)
            site.stopped = "error"
            site.error = f"internal error while reading this site ({self.failure!r}); please report it"
        elif self.out_of_time:
            site.stopped = "time budget"
            site.notes.append(f"stopped after the time budget of {self.options.time_budget:g} s")
        if not site.slug:
            site.slug = slug_for((urlsplit(site.url).hostname or "").lower())
        if not site.name:
            site.name = name_for("", "", site.slug)
        for kind in IDENTITY:
            setattr(site, kind, self.found.sorted(kind))
        site.pages.sort(key=lambda p: (p.depth, p.url))
