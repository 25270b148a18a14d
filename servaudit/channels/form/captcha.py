"""Spotting a CAPTCHA on a form page, by the vendors' fingerprints in probes/forms/captcha.toml.

A CAPTCHA is a finding ("blocked"), never an obstacle to get around:
servaudit does not solve, skip or fake one.
"""

from __future__ import annotations

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from servaudit.channels.form.vocabulary import CaptchaVendor

_FRAME_JS = """(selectors) => [
  [...document.querySelectorAll('script[src], iframe[src]')].map((el) => el.src.toLowerCase()),
  selectors.map((selector) => {
    try { return document.querySelector(selector) !== null; } catch (error) { return false; }
  }),
]"""
"""One round trip per frame: the URLs of its scripts and frames, and which fingerprint selectors match
(a selector the browser cannot parse matches nothing)."""


async def detect_captcha(
    page: Page, vendors: tuple[CaptchaVendor, ...], requested: list[str]
) -> tuple[CaptchaVendor, str] | None:
    """The first CAPTCHA found in any frame, and the fingerprint that matched; None if there is none.

    ``requested`` are the URLs the page loaded so far (scripts of CAPTCHA
    vendors often load before any widget is in the DOM). URL fingerprints are tried first, then
    selectors frame by frame, vendor by vendor.
    """
    selectors = [(vendor, selector) for vendor in vendors for selector in vendor.selectors]
    urls = [url.lower() for url in requested]
    matched: list[list[bool]] = []
    for frame in page.frames:
        try:
            found, hits = await frame.evaluate(_FRAME_JS, [selector for _, selector in selectors])
        except PlaywrightError:
            continue
        urls.extend([frame.url.lower(), *found])
        matched.append(hits)
    for vendor in vendors:
        for pattern in vendor.urls:
            if any(pattern in url for url in urls):
                return vendor, f"a {vendor.name} resource ({pattern})"
    for hits in matched:
        for (vendor, selector), hit in zip(selectors, hits, strict=True):
            if hit:
                return vendor, f"{vendor.name} on the page ({selector})"
    return None
