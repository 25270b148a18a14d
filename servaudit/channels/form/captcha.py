"""Spotting a CAPTCHA on a form page, by the vendors' fingerprints in probes/forms/captcha.toml.

A CAPTCHA is a finding ("blocked"), never an obstacle to get around:
servaudit does not solve, skip or fake one.
"""

from __future__ import annotations

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from servaudit.channels.form.vocabulary import CaptchaVendor

_URLS_JS = (
    "() => [...document.querySelectorAll('script[src], iframe[src]')].map((el) => el.src.toLowerCase())"
)


async def detect_captcha(
    page: Page, vendors: tuple[CaptchaVendor, ...], requested: list[str]
) -> tuple[CaptchaVendor, str] | None:
    """The first CAPTCHA found in any frame, and the fingerprint that matched; None if there is none.

    ``requested`` are the URLs the page loaded so far (scripts of CAPTCHA
    vendors often load before any widget is in the DOM).
    """
    urls = [url.lower() for url in requested]
    for frame in page.frames:
        try:
            urls.extend([frame.url.lower(), *await frame.evaluate(_URLS_JS)])
        except PlaywrightError:
            continue
    for vendor in vendors:
        for pattern in vendor.urls:
            if any(pattern in url for url in urls):
                return vendor, f"a {vendor.name} resource ({pattern})"
    for frame in page.frames:
        for vendor in vendors:
            for selector in vendor.selectors:
                try:
                    if await frame.query_selector(selector) is not None:
                        return vendor, f"{vendor.name} on the page ({selector})"
                except PlaywrightError:
                    continue
    return None
