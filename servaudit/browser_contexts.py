"""Browser contexts for probes, reused and wiped between probes: a new context is the dearest part of one.

In Chromium's headless mode a new context opens a whole browser window of its own (tab strip,
toolbar, omnibox): about 0.3 s of CPU, as much as filling in a form. A pooled context keeps one blank
tab open, so its window stays; each probe opens its own tab in it (a new tab has its own
sessionStorage and history), and when the probe is done everything the sites left in the context is
wiped before the next probe may use it: every other tab is closed, then the cookies, the storage of
every origin the context's pages contacted (localStorage, IndexedDB, Cache Storage, service workers,
file systems, shared storage), the HTTP cache and any granted permission are cleared.

A context is closed instead of reused when the wipe fails, when a cookie is still there after it, or
when a site asked for something no wipe removes: client hints a site asks to keep (``Accept-CH``,
``Critical-CH``) stay with the context and would change what the next visit sends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, CDPSession, Page, Request, Response
from playwright.async_api import Error as PlaywrightError

IDLE_LIMIT = 8
"""Idle contexts kept per kind of context (as many as probes run at once is enough)."""
KEPT_HINTS = ("accept-ch", "critical-ch")
"""Response headers that make Chromium remember, per origin, which client hints to send next time."""


class ContextUnavailable(Exception):
    """Chromium could not open a context (nothing of a probe has happened yet)."""


@dataclass
class _Pooled:
    """One reusable context, the blank tab that keeps its window open, and what its sites touched."""

    context: BrowserContext
    keeper: Page
    session: CDPSession
    origins: set[str] = field(default_factory=set)
    unwipeable: bool = False

    def on_request(self, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc:
            scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
            self.origins.add(f"{scheme}://{parts.netloc}")

    def on_response(self, response: Response) -> None:
        if any(name in response.headers for name in KEPT_HINTS):
            self.unwipeable = True


_POOLS: dict[Browser, dict[tuple[Any, ...], list[_Pooled]]] = {}
"""Idle contexts by browser, then by the options they were made with; a browser's go when it closes."""


@asynccontextmanager
async def visitor_context(
    browser: Browser, init_script: str | None = None, **options: Any
) -> AsyncIterator[BrowserContext]:
    """A context made with ``browser.new_context(**options)`` and ``init_script``, as if new: an idle
    wiped one from the pool when there is one. The caller opens its own page and leaves the others
    alone; when the block ends the context is wiped and put back, or closed.

    Raises ContextUnavailable when Chromium cannot open one; what the block raises passes unchanged."""
    key = (init_script, *sorted((name, _frozen(value)) for name, value in options.items()))
    if browser not in _POOLS:
        _POOLS[browser] = {}
        browser.once("disconnected", _forget)
    idle = _POOLS[browser].setdefault(key, [])
    try:
        pooled = idle.pop() if idle else await _open(browser, init_script, options)
    except PlaywrightError as exc:
        raise ContextUnavailable(str(exc)) from exc
    try:
        yield pooled.context
    finally:
        reusable = await _wipe(pooled)
        if reusable and len(idle) < IDLE_LIMIT and browser.is_connected():
            idle.append(pooled)
        else:
            with suppress(PlaywrightError):
                await pooled.context.close()


def _forget(browser: Browser) -> None:
    _POOLS.pop(browser, None)


async def _open(browser: Browser, init_script: str | None, options: Mapping[str, Any]) -> _Pooled:
    context = await browser.new_context(**options)
    try:
        if init_script is not None:
            await context.add_init_script(init_script)
        keeper = await context.new_page()
        pooled = _Pooled(context, keeper, await context.new_cdp_session(keeper))
    except PlaywrightError:
        with suppress(PlaywrightError):
            await context.close()
        raise
    context.on("request", pooled.on_request)
    context.on("response", pooled.on_response)
    return pooled


async def _wipe(pooled: _Pooled) -> bool:
    """Leave nothing of the last probe in the context; False when that cannot be made sure."""
    context = pooled.context
    try:
        for page in context.pages:
            if page is not pooled.keeper:
                await page.close()
        if pooled.keeper.is_closed() or pooled.unwipeable:
            return False
        await context.clear_cookies()
        for origin in sorted(pooled.origins):
            await pooled.session.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
        pooled.origins.clear()
        await pooled.session.send("Network.clearBrowserCache")
        await context.clear_permissions()
        # A response still arriving after the pages closed could have set one.
        return not await context.cookies() and len(context.pages) == 1
    except PlaywrightError:
        return False


def _frozen(value: Any) -> Any:
    """A hashable form of a new_context option (a viewport is a dict)."""
    if isinstance(value, Mapping):
        return tuple(sorted((name, _frozen(item)) for name, item in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value
