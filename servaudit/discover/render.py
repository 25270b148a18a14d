"""Rendering pages built by JavaScript in Chromium, with every request answered by the crawler.

Chromium never touches the network itself: the page's own document comes from
the crawler's fetch, requests to the site's host go through the crawler (its
resolution, robots.txt and politeness), and requests to any other host are
refused. A script a page adds (a chat widget's loader) still shows in the
rendered DOM, which is what fingerprints need.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Page, Route, WebSocketRoute
from playwright.async_api import Error as PlaywrightError

from servaudit.browser import visitor_user_agent
from servaudit.discover.extract import same_site

if TYPE_CHECKING:
    from servaudit.discover.crawler import Fetched, _SiteState

SETTLE_MS = 1500
"""After the load event, wait at most this long for the page's own requests to go quiet."""


class Renderer:
    def __init__(self, browser: Browser, timeout: float) -> None:
        self.browser = browser
        self.timeout_ms = timeout * 1000
        self._contexts: dict[int, BrowserContext] = {}

    async def _context(self, state: _SiteState) -> BrowserContext:
        # One context per site: no cookies or storage pass from one company's site to the next.
        key = id(state)
        if key not in self._contexts:
            context = await self.browser.new_context(
                user_agent=visitor_user_agent(self.browser), service_workers="block"
            )
            await context.route("**/*", lambda route: self._answer(route, state))
            await context.route_web_socket("**/*", _refuse_socket)
            self._contexts[key] = context
        return self._contexts[key]

    async def _answer(self, route: Route, state: _SiteState) -> None:
        request = route.request
        document = state.documents.get(request.url)
        if document is not None:
            await route.fulfill(
                status=document.status or 200,
                headers={"content-type": document.content_type or "text/html"},
                body=document.body,
            )
            return
        host = (urlsplit(request.url).hostname or "").lower()
        if request.method != "GET" or not same_site(host, state.host):
            await route.abort("blockedbyclient")
            return
        fetched = await state.crawler.fetch(request.url, state)
        if fetched.status is None:
            await route.abort("failed")
            return
        await route.fulfill(
            status=fetched.status,
            headers={"content-type": fetched.content_type or "application/octet-stream"},
            body=fetched.body,
        )

    async def _open(self, fetched: Fetched, state: _SiteState) -> Page:
        state.documents[fetched.url] = fetched
        context = await self._context(state)
        page = await context.new_page()
        try:
            await page.goto(fetched.url, wait_until="load", timeout=self.timeout_ms)
            # A page that keeps polling never goes idle: it is read as it is by then.
            with contextlib.suppress(PlaywrightError):
                await page.wait_for_load_state("networkidle", timeout=SETTLE_MS)
        except BaseException:
            state.documents.pop(fetched.url, None)
            await page.close()
            raise
        return page

    async def render(self, fetched: Fetched, html: str, state: _SiteState) -> str:
        """The page's DOM after its scripts ran; the fetched HTML if Chromium cannot render it."""
        try:
            page = await self._open(fetched, state)
        except PlaywrightError as exc:
            reason = (str(exc).strip().splitlines() or ["error"])[0]
            state.site.notes.append(f"{fetched.url}: could not be rendered ({reason}); read as served")
            return html
        try:
            return await page.content()
        finally:
            state.documents.pop(fetched.url, None)
            await page.close()

    async def screenshot(self, fetched: Fetched, state: _SiteState, target: Path) -> bool:
        """The rendered page as a PNG at ``target`` (evidence of a hint it shows); False if it fails.
        Rendered a second time, only for the few pages that show a hint, not kept open for all."""
        try:
            page = await self._open(fetched, state)
        except PlaywrightError:
            return False
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(target), full_page=True, timeout=self.timeout_ms)
            return True
        except PlaywrightError:
            return False
        finally:
            state.documents.pop(fetched.url, None)
            await page.close()

    async def close_site(self, state: _SiteState) -> None:
        context = self._contexts.pop(id(state), None)
        if context is not None:
            await context.close()


async def _refuse_socket(socket: WebSocketRoute) -> None:
    await socket.close(code=1008, reason="not allowed")
