"""The demo's report.json, unchanged: a frozen demo audit written by schema 2 is migrated, re-judged
where stale and reported again, and must give the very report.json (and page texts) it gave then.

tests/data/demo-audit-v2/ is a `servaudit demo` audit (screenshots replaced by a 1-pixel PNG
with its digest updated in the store, the mailbox left out: the report never reads it), with the
report.json and page texts its code rendered at GENERATED_AT. Regenerate only on purpose:
``python -m tests.test_report_golden`` rewrites the expected files from the current code.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).parent / "data" / "demo-audit-v2"
EXPECTED_JSON = FIXTURE / "expected-report.json"
EXPECTED_TEXT = FIXTURE / "expected-pages.txt"
GENERATED_AT = datetime(2026, 12, 8, tzinfo=UTC)
"""The report's "now": censoring and the curves depend on it, so it is pinned."""
FIXTURE_FILES = ("audit.toml", "servaudit.sqlite", "evidence")


def page_text(page: str) -> str:
    """A page's visible text, one tag-free line per block (markup and attribute order may change)."""
    page = re.sub(r"(?is)<(style|script|svg)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<[^>]+>", "\n", page)
    lines = (" ".join(html.unescape(line).split()) for line in page.splitlines())
    return "\n".join(line for line in lines if line)


def render(folder: Path, out: Path) -> tuple[dict[str, Any], str, str]:
    """The report the CLI writes, at GENERATED_AT: (report.json, page texts, what the refresh said)."""
    from servaudit.config import Audit
    from servaudit.rejudge import refresh
    from servaudit.report import render_report

    said: list[str] = []
    audit = Audit.load(folder)
    refresh(audit, said.append)  # what `servaudit report` does before it renders
    render_report(audit, out, generated_at=GENERATED_AT)
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    pages = [out / "index.html", *sorted((out / "companies").glob("*.html"))]
    text = "\n".join(f"== {p.relative_to(out)}\n{page_text(p.read_text(encoding='utf-8'))}" for p in pages)
    return data, text, "\n".join(said)


def copy_fixture(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in FIXTURE_FILES:
        source = FIXTURE / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    return target


def without_timestamp(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "audit": {k: v for k, v in data["audit"].items() if k != "generated_at"}}


def test_demo_report_json_is_unchanged_after_migration_and_refresh(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path / "audit")
    data, text, said = render(folder, tmp_path / "report")
    assert without_timestamp(data) == without_timestamp(json.loads(EXPECTED_JSON.read_text(encoding="utf-8")))
    assert text == EXPECTED_TEXT.read_text(encoding="utf-8")
    # The schema-2 store was migrated, with a backup of it as it was.
    assert (folder / "servaudit.sqlite.schema-2.bak").is_file()
    assert "re-judged" in said, "an old store's judgements are brought up to date, and the user is told"


def test_a_second_report_has_nothing_to_refresh(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path / "audit")
    render(folder, tmp_path / "first")
    data, _, said = render(folder, tmp_path / "second")
    assert said == ""
    assert without_timestamp(data) == without_timestamp(json.loads(EXPECTED_JSON.read_text(encoding="utf-8")))


if __name__ == "__main__":  # regenerate the expected files (on purpose only)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        data, text, _ = render(copy_fixture(Path(tmp) / "audit"), Path(tmp) / "report")
    # Compact: the test compares parsed data, and the fixture stays small.
    compact = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    EXPECTED_JSON.write_text(compact + "\n", encoding="utf-8")
    EXPECTED_TEXT.write_text(text, encoding="utf-8")
    sys.exit(0)
