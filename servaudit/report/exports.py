"""Exports of the report data: CSV tables for spreadsheets and PDFs of the pages (through Chromium).

The CSV files carry the same figures as report.json, machine-readable: numbers
with a decimal point, times in seconds, empty cells for "no value". They are
UTF-8 with a byte-order mark so that spreadsheet programs detect the encoding.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from servaudit.errors import InfrastructureError

CSV_ENCODING = "utf-8-sig"
FINDINGS_COLUMNS = ("company", "finding", "channel", "inquiry", "message_id", "detail", "evidence")


def flatten(figures: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Scalar figures as flat columns: answered_within.1h.count → answered_within_1h_count."""
    flat: dict[str, Any] = {}
    for key, value in figures.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            if key == "outcomes":
                flat[name] = ";".join(f"{k}={v}" for k, v in sorted(value.items()))
            else:
                flat.update(flatten(value, name + "_"))
        elif isinstance(value, list):
            continue  # curves stay in report.json
        else:
            flat[name] = value
    return flat


def _write(path: Path, rows: Sequence[dict[str, Any]], header: Sequence[str] = ()) -> Path:
    # Columns in the order they first appear. A dict answers "seen?" at once, and a row with no new
    # key (nearly every row) is told by one set comparison: a list searched per key and row, and
    # DictWriter's checks of each row, were most of a study's CSV time (0.5 s at 500 companies).
    columns = dict.fromkeys(header)
    for row in rows:
        if not row.keys() <= columns.keys():
            columns.update(dict.fromkeys(row))
    names = list(columns)
    with path.open("w", encoding=CSV_ENCODING, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for row in rows:
            # What DictWriter wrote: a missing figure and one without a value both as an empty cell.
            writer.writerow(["" if (value := row.get(name)) is None else value for name in names])
    return path


def company_rows(data: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for slug, company in data["companies"].items():
        base = {
            "company": slug,
            "name": company["name"],
            "rank": company["rank"],
            "score": company["score"]["value"],
            "passed": company["score"]["passed"],
        }
        yield {**base, "channel": "all", **flatten(company["overall"])}
        for channel, figures in company["channels"].items():
            channel_score = company["score"]["channels"].get(channel, {}).get("score")
            yield {
                **base,
                "channel": channel,
                "channel_score": channel_score,
                "reachability": company["reachability"][channel],
                **flatten(figures),
            }


def wave_rows(data: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """One row per company, channel ('all' and, for companies asked in several, each) and wave: the
    wave's figures and the change from the wave before (report.json's "waves")."""
    for slug, company in data.get("waves", {}).get("companies", {}).items():
        groups = [("all", company), *company["channels"].items()]
        for channel, group in groups:
            changes = {change["to"]: change for change in group["changes"]}
            for wave, figures in group["waves"].items():
                change = changes.get(int(wave), {})
                yield {
                    "company": slug,
                    "channel": channel,
                    "wave": int(wave),
                    **flatten(figures),
                    **{f"change_{k}": v for k, v in change.items() if k not in ("from", "to")},
                }


def findings_rows(data: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """One row per finding with its evidence: the message's .eml beside the report, or for what was
    read on the company's site (channel "website") the page's address."""
    for slug, company in data["companies"].items():
        for item in (company.get("findings") or {}).get("evidence", ()):
            message = item["message_id"]
            yield {
                "company": slug,
                "finding": item["finding"],
                "channel": item["channel"],
                "inquiry": item["inquiry_id"],
                "message_id": "" if message is None else message,
                "detail": item["detail"].strip(),
                "evidence": item["evidence"],
            }


def write_csv(data: dict[str, Any], folder: Path) -> list[Path]:
    """companies.csv (one row per company and channel, plus 'all'), channels.csv, inquiries.csv,
    reachability.csv, waves.csv (one row per company, channel and wave),
    findings.csv (one row per finding with its evidence)."""
    folder.mkdir(parents=True, exist_ok=True)
    reach = [
        {"company": slug, "channel": channel, "status": status}
        for slug, company in data["companies"].items()
        for channel, status in company["reachability"].items()
    ]
    return [
        _write(folder / "companies.csv", list(company_rows(data))),
        _write(
            folder / "channels.csv",
            [{"channel": name, **flatten(figures)} for name, figures in data["channels"].items()],
        ),
        _write(folder / "inquiries.csv", data["inquiries"]),
        _write(folder / "reachability.csv", reach),
        _write(folder / "waves.csv", list(wave_rows(data))),
        _write(folder / "findings.csv", list(findings_rows(data)), FINDINGS_COLUMNS),
    ]


PAGE_SECONDS = 60.0
"""Printing one page may take this long; a page that needs more is named, not waited for forever."""


def write_pdfs(
    pages: Sequence[Path], chromium: str | None = None, page_seconds: float = PAGE_SECONDS
) -> list[Path]:
    """A PDF next to each HTML page, printed by Chromium with the pages' print style."""
    return asyncio.run(_print(pages, chromium, page_seconds))


async def _print(pages: Sequence[Path], chromium: str | None, page_seconds: float) -> list[Path]:
    written = []
    # The one browser launcher (channels/browser.py: Chromium with the audit's path), loaded only
    # for PDFs so that a report without them never imports Playwright.
    from servaudit.browser import open_browser

    async with open_browser(chromium) as browser:
        context = await browser.new_context()
        page = await context.new_page()
        for source in pages:
            target = source.with_suffix(".pdf")
            try:
                await asyncio.wait_for(_print_one(page, source, target), page_seconds)
            except TimeoutError:
                name = (
                    f"{source.parent.name}/{source.name}"
                    if source.parent.name == "companies"
                    else source.name
                )
                raise InfrastructureError(
                    f"printing {name} to PDF took longer than {page_seconds:g} s; the HTML report "
                    "is complete, only its PDFs are not"
                ) from None
            written.append(target)
        await context.close()
    return written


async def _print_one(page: Any, source: Path, target: Path) -> None:
    timeout_ms = 0  # the whole page is bounded by wait_for above, one deadline for both steps
    await page.goto(source.resolve().as_uri(), wait_until="load", timeout=timeout_ms)
    await page.pdf(path=str(target), format="A4", print_background=True, prefer_css_page_size=True)
