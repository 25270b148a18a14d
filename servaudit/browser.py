"""The browser: one Chromium driven by Playwright, shared by all browser probes through separate contexts.

Playwright's own browser download cannot be used everywhere (closed networks,
distribution policies), so a system Chromium is found when Playwright has
none. Each probe gets a context of its own, new or wiped (form probes reuse
contexts: browser_contexts.py): no cookies or storage leak from one company's site to the next.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, async_playwright
from playwright.async_api import Error as PlaywrightError

from servaudit.errors import InfrastructureError

PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding",
    "ThirdPartyStoragePartitioning", "AvoidCorsURLLoaderRestartOnRedirect", "TcpPortRandomizationWin",
    "OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled", "PreconnectToSearch",
    "msForceBrowserSignIn", "msEdgeUpdateLaunchServicesPreferredVersion",
)  # fmt: skip
"""The features Playwright's own launch switches turn off (its chromiumSwitches, Playwright 1.65).
Chromium keeps only the last --disable-features of a command line, so ours repeats them;
tests/test_browser.py fails when Playwright's switch holds one this does not."""

# Flags that keep a headless Chromium quiet on a closed network and inside containers.
LAUNCH_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    # With no GPU, the GPU process only composites the pages' frames in software; done in the browser
    # process it spares an IPC round for every frame: about 3 % of a form probe's CPU (screenshots are
    # byte-identical), at the cost that a crash there is the browser's, which a probe reports as ours.
    "--in-process-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    # Without it navigator.webdriver is true: the first thing a bot detector looks at.
    "--disable-blink-features=AutomationControlled",
    # Chromium keeps a renderer process started in advance for the next navigation, but for the context
    # that navigated last only: with probes in 4 contexts the next navigation is mostly in another one, so
    # the spare is thrown away and another started (39 renderer processes for 16 form probes instead of
    # 15), about 6 % of a probe's CPU. Without it a navigation to a new site starts its renderer itself.
    "--disable-features=" + ",".join((*PLAYWRIGHT_DISABLED_FEATURES, "SpareRendererForSitePerProcess")),
)
SYSTEM_CHROMIUMS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
ENV_VARIABLE = "SERVAUDIT_CHROMIUM"
INSTALL_HINT = (
    "no Chromium found: install one (Debian/Ubuntu: apt-get install chromium, or run "
    f"scripts/install-system-deps.sh), or set {ENV_VARIABLE}=/path/to/chromium"
)
# A common desktop browser's identity: the inquiry must look like a customer's visit. Pages see the
# platform (Linux) and, in a browser, the real version (see visitor_user_agent), so the string agrees.
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


def visitor_user_agent(browser: Browser) -> str:
    """USER_AGENT with the running Chromium's major version, as real Chrome reports it (reduced form)."""
    major = browser.version.split(".")[0]
    return USER_AGENT.replace("Chrome/131.0.0.0", f"Chrome/{major}.0.0.0") if major.isdigit() else USER_AGENT


def find_chromium(configured: str | None = None) -> str | None:
    """The Chromium to launch: configured path, $SERVAUDIT_CHROMIUM, or a system one.

    None means: let Playwright use its own downloaded browser, if it has one.
    """
    for candidate in (configured, os.environ.get(ENV_VARIABLE)):
        if candidate:
            if not Path(candidate).is_file():
                raise InfrastructureError(f"Chromium not found at {candidate}")
            return candidate
    if _playwright_has_own_browser():
        return None
    for candidate in (*SYSTEM_CHROMIUMS, shutil.which("chromium") or ""):
        if candidate and Path(candidate).is_file():
            return candidate
    raise InfrastructureError(INSTALL_HINT)


def _playwright_has_own_browser() -> bool:
    cache = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache" / "ms-playwright")
    return any(cache.glob("chromium-*/chrome-linux*/chrome"))


@asynccontextmanager
async def open_browser(executable: str | None = None, headless: bool = True) -> AsyncIterator[Browser]:
    """Launch Chromium once; probes call ``browser.new_context(user_agent=USER_AGENT)``."""
    path = find_chromium(executable)
    async with async_playwright() as playwright:
        try:
            browser = await playwright.chromium.launch(
                executable_path=path, headless=headless, args=list(LAUNCH_FLAGS), timeout=60_000
            )
        except PlaywrightError as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise InfrastructureError(
                f"cannot start Chromium ({path or 'Playwright build'}): {reason}"
            ) from None
        try:
            yield browser
        finally:
            await browser.close()
