"""No agent names in reports' tables (issue 14, ESOMAR/MSPA): an agent's name appears only in the
evidence (the message, the transcript), never in a table cell, a summary line, report.json outside
evidence paths, or a CSV column other than an evidence reference.

The audit rendered is `servaudit demo`'s against the sandbox, frozen in tests/data/demo-audit-v2:
its e-mail agents sign with their names ("Mit freundlichen Grüßen, Sabine Krüger"), its chat agents
show display names in the widget ("Jana", "Sam"; in the store made "Ihr Team – Lisa" and "Max from
Support", as real widgets show them) and introduce themselves ("hier ist Jana").
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from servaudit.sandbox.chat_fleet import TEXTS
from servaudit.sandbox.replies import AGENTS
from tests.test_report_golden import copy_fixture, render

SHOWN_AS = {"Sam": "Max from Support", "Jana": "Ihr Team – Lisa"}
"""Display names as chat widgets show them, put in place of the sandbox's plain first names."""
NAMES = sorted(
    {part for names in AGENTS.values() for name in names for part in name.split()}
    | {texts["agent"] for texts in TEXTS.values()}
    | {"Max", "Lisa"}
)
"""Every first and last name a sandbox agent signs or shows."""
NAMED = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in NAMES) + r")(?!\w)")
SUMMARY_CLASSES = ("reasons",)
"""Paragraph classes that sum a reply up (why it got its label) rather than show its text."""


class _Cells(HTMLParser):
    """Text inside table cells and summary lines, and inside the reply header lines ("from …")."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, str]] = []
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "img", "meta", "link", "input", "hr", "wbr"):
            return
        self.open.append((tag, dict(attrs).get("class") or ""))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        tags = {tag for tag, _ in self.open}
        classes = " ".join(css for _, css in self.open).split()
        if {"td", "th"} & tags or any(css in classes for css in (*SUMMARY_CLASSES, "reply-head")):
            self.found.extend(NAMED.findall(data))


def _strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in _strings(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [s for n, item in enumerate(value) for s in _strings(item, f"{path}[{n}]")]
    return [(path, value)] if isinstance(value, str) else []


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("agents")
    folder = copy_fixture(tmp / "audit")
    with sqlite3.connect(folder / "servaudit.sqlite") as db:
        for plain, shown in SHOWN_AS.items():
            db.execute("UPDATE messages SET from_addr=? WHERE from_addr=?", (shown, plain))
    render(folder, tmp / "report")
    return tmp / "report"


def test_the_audit_has_named_agents_in_its_evidence(report: Path) -> None:
    """The check below means something: the names are there, in the evidence."""
    evidence = " ".join(
        p.read_text(encoding="utf-8", errors="replace") for p in (report / "evidence").glob("*.eml")
    )
    assert len(set(NAMED.findall(evidence))) >= 5
    pages = " ".join(p.read_text(encoding="utf-8") for p in (report / "companies").glob("*.html"))
    assert re.search(r'class="transcript-author">(Jana|Sam)<', pages), "the transcript keeps who wrote"


def test_no_agent_name_in_a_table_cell_or_summary_line(report: Path) -> None:
    found: dict[str, list[str]] = {}
    for page in [report / "index.html", *sorted((report / "companies").glob("*.html"))]:
        cells = _Cells()
        cells.feed(page.read_text(encoding="utf-8"))
        if cells.found:
            found[page.name] = cells.found
    assert found == {}


def test_no_agent_name_in_report_json_outside_evidence_paths(report: Path) -> None:
    data = json.loads((report / "report.json").read_text(encoding="utf-8"))
    named = [
        (path, text)
        for path, text in _strings(data)
        if NAMED.search(text) and not text.startswith("evidence/")
    ]
    assert named == []


def test_no_agent_name_in_a_csv_column_other_than_evidence(report: Path) -> None:
    named = []
    for table in sorted((report / "csv").glob("*.csv")):
        with table.open(encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                for column, value in row.items():
                    if column and "evidence" not in column and value and NAMED.search(value):
                        named.append((table.name, column, value))
    assert named == []
