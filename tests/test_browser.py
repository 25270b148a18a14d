"""The shared browser: a real Chromium found on this machine, driven by Playwright."""

from __future__ import annotations

import asyncio
import os
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


def _browser_command_line() -> list[str]:
    """The running Chromium's own command line (the one process of ours started with Playwright's pipe)."""
    lines = []
    for entry in Path("/proc").iterdir():
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--remote-debugging-pipe" in words and entry.name.isdigit() and _ours(int(entry.name)):
            lines.append([word.decode() for word in words if word])
    assert len(lines) == 1, lines
    return lines[0]


def _ours(pid: int) -> bool:
    while pid > 1:
        if pid == os.getpid():
            return True
        try:
            pid = int((Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return False
    return False


def test_our_disabled_features_keep_playwrights_own() -> None:
    """Chromium keeps the last --disable-features only: ours must carry every feature Playwright's own
    switch turns off (a Playwright upgrade that adds one fails here), and the spare renderer's."""

    async def command_line() -> list[str]:
        async with open_browser():
            return _browser_command_line()

    switches = [word for word in asyncio.run(command_line()) if word.startswith("--disable-features=")]
    assert len(switches) >= 2, "Playwright's own switch and ours"
    last = set(switches[-1].removeprefix("--disable-features=").split(","))
    for earlier in switches[:-1]:
        assert set(earlier.removeprefix("--disable-features=").split(",")) <= last
    assert "SpareRendererForSitePerProcess" in last
