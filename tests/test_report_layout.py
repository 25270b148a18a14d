"""The report reads on a laptop, a phone and paper: the demo report's index and company pages in
the real Chromium at 1100 and 390 px wide, and as printed on A4, with nothing wider than its box.

An element wider than its container (scrollWidth over clientWidth) is a fault unless it is an
intended scroll container (overflow-x auto or scroll) on screen; a scroll container that scrolls
keeps its first column in view (position: sticky). On paper nothing may scroll: every table fits
the A4 text width. Screenshots are kept in tests/output/ (git-ignored) as CI artifacts.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from servaudit.browser import open_browser
from servaudit.config import Audit
from servaudit.rejudge import refresh
from servaudit.report import render_report
from tests.test_report_golden import GENERATED_AT, copy_fixture

OUTPUT = Path(__file__).parent / "output"
WIDTHS = (1100, 390)
A4_TEXT_WIDTH = 702
"""A4 (210 mm) less the print margins of style.css (2 × 12 mm), in CSS pixels (96 per inch)."""
PAGES = ("index.html", "companies/nordwind.html", "companies/kaltenbach.html", "companies/mondschein.html")
"""Pages kept as screenshots: the index, and a company page per channel (e-mail with a quality
table, a form, a chat); every page of the report is measured."""

OVERFLOWS_JS = """(print) => {
  const found = [];
  const scrolling = [];
  for (const el of document.querySelectorAll('body, body *')) {
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.display === 'contents') continue;
    const over = el.scrollWidth - el.clientWidth;
    if (over <= 1 || el.clientWidth === 0) continue;
    const scroller = ['auto', 'scroll'].includes(style.overflowX);
    const name = el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    if (scroller && !print) {
      const first = el.querySelector('tr > :first-child');
      const table = el.querySelector('table');
      const pinned = first ? getComputedStyle(first).position : 'none';
      scrolling.push([name + (table ? ' > table.' + table.className : ''), pinned]);
    } else {
      found.push([name, over, (el.textContent || '').trim().slice(0, 60)]);
    }
  }
  const page = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  return {found, scrolling, page};
}"""


async def measure(folder: Path, label: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    async with open_browser() as browser:
        for width in (*WIDTHS, A4_TEXT_WIDTH):
            print_ = width == A4_TEXT_WIDTH
            page = await browser.new_page(viewport={"width": width, "height": 900})
            if print_:
                await page.emulate_media(media="print")
            companies = sorted(f"companies/{p.name}" for p in (folder / "companies").glob("*.html"))
            every = ["index.html", *companies]
            for name in every:
                await page.goto((folder / name).resolve().as_uri(), wait_until="load")
                results[f"{name}@{'print' if print_ else width}"] = await page.evaluate(OVERFLOWS_JS, print_)
                if name in PAGES:
                    shot = OUTPUT / f"layout-{label}-{Path(name).stem}-{'print' if print_ else width}.png"
                    await page.screenshot(path=str(shot), full_page=True)
            await page.close()
    return results


@pytest.mark.browser
@pytest.mark.parametrize("language", ["de", "en"])
def test_pages_fit_a_laptop_a_phone_and_paper(language: str, tmp_path: Path) -> None:
    OUTPUT.mkdir(exist_ok=True)
    audit = Audit.load(copy_fixture(tmp_path / "audit"))
    refresh(audit, lambda _said: None)
    render_report(audit, tmp_path / "report", language, generated_at=GENERATED_AT)
    results = asyncio.run(measure(tmp_path / "report", language))
    faults = {where: r["found"] for where, r in results.items() if r["found"]}
    assert not faults, faults
    assert all(r["page"] <= 1 for r in results.values()), {w: r["page"] for w, r in results.items()}
    unpinned = {w: [s for s in r["scrolling"] if s[1] != "sticky"] for w, r in results.items()}
    assert not any(unpinned.values()), unpinned
    # At laptop width the company pages' tables fit without scrolling (the channel table did not).
    laptop = {w: r["scrolling"] for w, r in results.items() if w.endswith("@1100")}
    assert not any(laptop.values()), laptop
    assert (OUTPUT / f"layout-{language}-index-390.png").stat().st_size > 10_000
