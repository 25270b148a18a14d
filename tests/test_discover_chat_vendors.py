"""Chat widgets in a page (servaudit/discover/extract.py): the quick look for any vendor's pattern
finds exactly what the search vendor by vendor finds, for every pattern of every vendor in every
place (script, iframe, inline script, page), and nothing in a page without one."""

from __future__ import annotations

import pytest

from servaudit.discover.extract import PageFindings, _chats, _first_in
from servaudit.discover.fingerprints import Fingerprints, load_fingerprints
from servaudit.discover.model import ChatFound
from servaudit.discover.page import PageFacts

PRINTS = load_fingerprints(None)
URL = "https://shop.example/kontakt"


def _vendor_by_vendor(page: PageFacts, prints: Fingerprints) -> list[ChatFound]:
    """The search as it was before the quick look: every vendor, place and pattern in turn."""
    scripts = [s.lower() for s in page.script_srcs]
    frames = [s.lower() for s in page.iframe_srcs]
    inline = "\n".join(page.inline_scripts).lower()
    found = []
    for vendor in prints.chats:
        evidence = (
            _first_in(vendor.script_src, scripts, "script")
            or _first_in(vendor.iframe_src, frames, "iframe")
            or _first_in(vendor.inline, [inline], "inline script")
            or _first_in(vendor.html, [page.html], "page")
        )
        if evidence:
            found.append(ChatFound(vendor.id, vendor.name, evidence, page.url, 1))
    return found


def _pages() -> list[PageFacts]:
    pages = [PageFacts(URL, html="<html><body>Kontakt</body></html>")]
    for vendor in PRINTS.chats:
        for pattern in vendor.script_src:
            pages.append(PageFacts(URL, script_srcs=[f"https://cdn.example/{pattern.upper()}.js"]))
            pages.append(PageFacts(URL, script_srcs=[f"https://cdn.example/{pattern}.js"]))
        for pattern in vendor.iframe_src:
            pages.append(PageFacts(URL, iframe_srcs=["about:blank", f"https://{pattern}/frame"]))
        for pattern in vendor.inline:
            pages.append(PageFacts(URL, inline_scripts=["var a = 1;", f"window.x = '{pattern}';"]))
        for pattern in vendor.html:
            pages.append(PageFacts(URL, html=f"<div class='{pattern}'></div>"))
            pages.append(PageFacts(URL, html=f"<div class='{pattern.upper()}'></div>"))  # case counts here
    return pages


@pytest.mark.parametrize("page", _pages())
def test_the_quick_look_finds_what_the_vendor_by_vendor_search_finds(page: PageFacts) -> None:
    found = PageFindings()
    _chats(page, 1, PRINTS, found)
    assert found.chats == _vendor_by_vendor(page, PRINTS)


def test_every_vendor_has_a_pattern_and_a_plain_page_has_no_chat() -> None:
    assert PRINTS.chats and all(v.script_src or v.iframe_src or v.inline or v.html for v in PRINTS.chats)
    found = PageFindings()
    _chats(PageFacts(URL, html="<p>Schreiben Sie uns</p>"), 0, PRINTS, found)
    assert found.chats == []
