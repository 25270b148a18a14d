"""The shared browser: a real Chromium found on this machine, driven by Playwright."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from servaudit.browser import find_chromium, open_browser, visitor_user_agent
from servaudit.errors import InfrastructureError


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "index.html").write_text("<title>Kontakt</title><h1>Schreiben Sie uns</h1>")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_chromium_opens_a_local_page_in_separate_contexts(site: str, tmp_path: Path) -> None:
    async def visit() -> tuple[str, str, int, bool, str]:
        async with open_browser() as browser:
            first = await browser.new_context(user_agent=visitor_user_agent(browser))
            second = await browser.new_context(user_agent=visitor_user_agent(browser))
            page = await first.new_page()
            await page.goto(site)
            await page.evaluate("localStorage.setItem('seen', 'yes')")
            await page.screenshot(path=str(tmp_path / "shot.png"), full_page=True)
            other = await second.new_page()
            await other.goto(site)
            leaked = await other.evaluate("localStorage.getItem('seen')")
            agent = await page.evaluate("navigator.userAgent")
            webdriver = await page.evaluate("navigator.webdriver")
            return await page.title(), agent, 0 if leaked is None else 1, webdriver, browser.version

    title, agent, leaked, webdriver, version = asyncio.run(visit())
    assert title == "Kontakt"
    assert "HeadlessChrome" not in agent
    assert f"Chrome/{version.split('.')[0]}.0.0.0" in agent, "the claimed version is the real one"
    assert webdriver is False, "the page sees no automation flag"
    assert leaked == 0, "contexts share no storage"
    assert (tmp_path / "shot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_configured_path_that_does_not_exist_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InfrastructureError, match="Chromium not found at /nowhere/chromium"):
        find_chromium("/nowhere/chromium")
    monkeypatch.setenv("SERVAUDIT_CHROMIUM", "/nowhere/else")
    with pytest.raises(InfrastructureError, match="/nowhere/else"):
        find_chromium()
