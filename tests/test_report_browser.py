"""The demo audit's report in the real Chromium: every figure on the page matches report.json,
in English and German; the pages load nothing from outside and run no script; PDFs and CSV agree.

A screenshot of index.html is kept in tests/output/ (git-ignored) as a CI artifact.
"""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path
from typing import Any

import pytest

from servaudit.browser import open_browser
from servaudit.config import Audit
from servaudit.i18n import Locale
from servaudit.report import ReportResult, render_report

OUTPUT = Path(__file__).parent / "output"
FIGURES_JS = """() => Array.from(document.querySelectorAll('[data-key]'))
    .map(e => [e.dataset.key, e.dataset.format, e.textContent])"""


def lookup(data: Any, key: str) -> Any:
    for part in key.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


async def read_pages(result: ReportResult, screenshot: Path) -> dict[str, Any]:
    """Figures, chart and script counts, and every URL requested, for index.html and one company page."""
    requested: list[str] = []
    found: dict[str, Any] = {}
    async with open_browser() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda request: requested.append(request.url))
        for name, path in (
            ("index", result.index),
            ("company", result.index.parent / "companies/nordwind.html"),
        ):
            await page.goto(path.resolve().as_uri(), wait_until="load")
            found[name] = {
                "figures": await page.evaluate(FIGURES_JS),
                "charts": await page.evaluate("() => document.querySelectorAll('svg.chart').length"),
                "scripts": await page.evaluate("() => document.querySelectorAll('script').length"),
                "lang": await page.evaluate("() => document.documentElement.lang"),
            }
            if name == "index":
                await page.screenshot(path=str(screenshot), full_page=True)
    found["requested"] = requested
    return found


@pytest.mark.browser
def test_the_page_shows_exactly_the_figures_of_report_json(answered_audit: Audit, tmp_path: Path) -> None:
    audit = answered_audit
    OUTPUT.mkdir(exist_ok=True)
    for language in ("en", "de"):
        result = render_report(audit, tmp_path / f"report-{language}", language, pdf=language == "en")
        data = json.loads(result.json.read_text(encoding="utf-8"))
        pages = asyncio.run(read_pages(result, OUTPUT / f"index-{language}.png"))
        locale = Locale(language)
        for name in ("index", "company"):
            page = pages[name]
            assert page["lang"] == language
            assert page["scripts"] == 0
            assert page["charts"] >= 2, name
            assert len(page["figures"]) > (100 if name == "index" else 40), name
            for key, kind, text in page["figures"]:
                assert text == locale.format(kind, lookup(data, key)), (language, key, text)
        shown = {key: text for key, _, text in pages["index"]["figures"]}
        # Hand-checked anchors: the always-answering company and the silent one, in each language.
        hundred, zero = ("100%", "0%") if language == "en" else ("100\xa0%", "0\xa0%")
        assert shown["companies.nordwind.overall.human_response_rate"] == hundred
        assert shown["companies.lindenau.overall.human_response_rate"] == zero
        assert shown["companies.lindenau.overall.median_first_human_response_seconds"] == "–"
        seconds = data["companies"]["nordwind"]["overall"]["median_first_human_response_seconds"]
        unit = "s" if language == "en" else "Sek."
        assert (
            shown["companies.nordwind.overall.median_first_human_response_seconds"] == f"{seconds:.0f} {unit}"
        )
        for slug in data["companies"]:  # every company ranked, with its rate on the page
            assert f"companies.{slug}.overall.human_response_rate" in shown
        assert all(url.startswith("file://") for url in pages["requested"]), pages["requested"]

    # PDFs of every page, printed by Chromium.
    pdfs = sorted((tmp_path / "report-en").rglob("*.pdf"))
    assert len(pdfs) == 1 + len(audit.config.companies)
    assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    assert (OUTPUT / "index-en.png").stat().st_size > 10_000

    # CSV rows carry the same figures as report.json.
    data = json.loads((tmp_path / "report-en/report.json").read_text(encoding="utf-8"))
    with (tmp_path / "report-en/csv/companies.csv").open(encoding="utf-8-sig") as handle:
        rows = {(r["company"], r["channel"]): r for r in csv.DictReader(handle)}
    nordwind = data["companies"]["nordwind"]["channels"]["email"]
    row = rows[("nordwind", "email")]
    assert (
        float(row["median_first_human_response_seconds"]) == nordwind["median_first_human_response_seconds"]
    )
    assert int(row["answered_within_1h_count"]) == nordwind["answered_within"]["1h"]["count"] == 1
    assert rows[("lindenau", "all")]["median_first_human_response_seconds"] == ""
