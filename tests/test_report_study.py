"""Reports at study size: company pages rendered in worker processes are the very pages rendered
in one process, the evidence written by a process of its own is the evidence written in one, and
a study's index keeps one row per company and leaves the rest to their pages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from servaudit.config import Audit
from servaudit.errors import OutputError
from servaudit.rejudge import refresh
from servaudit.report import evidence_process, render_report
from servaudit.report import pages as report_pages
from servaudit.report import render as report_render
from tests.test_report_golden import GENERATED_AT, copy_fixture


def demo_audit(tmp_path: Path) -> Audit:
    audit = Audit.load(copy_fixture(tmp_path / "audit"))
    refresh(audit, lambda _text: None)
    return audit


def html_files(out: Path) -> dict[str, str]:
    """Each page's text and markup, charts included (they are drawn the same way every time)."""
    return {str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in sorted(out.rglob("*.html"))}


def evidence_files(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes() for p in sorted((out / "evidence").rglob("*")) if p.is_file()
    }


def study_sized(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages and evidence in processes of their own, as at study size, even on a one-CPU machine."""
    monkeypatch.setattr(report_pages, "PARALLEL_FROM", 1)
    monkeypatch.setattr(report_pages, "workers", lambda: 2)


def test_pages_rendered_by_worker_processes_are_the_same_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit = demo_audit(tmp_path)
    serial = render_report(audit, tmp_path / "serial", generated_at=GENERATED_AT)
    parent = os.getpid()
    write = evidence_process.write_evidence

    def noted(*args: object) -> list[str]:
        (tmp_path / f"evidence-written-by-{os.getpid()}").touch()
        return write(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(evidence_process, "write_evidence", noted)
    study_sized(monkeypatch)
    steps: list[str] = []
    parallel = render_report(
        audit,
        tmp_path / "parallel",
        generated_at=GENERATED_AT,
        on_step=lambda text, _d, _t: steps.append(text),
    )
    assert html_files(tmp_path / "parallel") == html_files(tmp_path / "serial")
    assert [p.relative_to(tmp_path / "parallel") for p in parallel.pages] == [
        p.relative_to(tmp_path / "serial") for p in serial.pages
    ]
    companies = [str(p.relative_to(tmp_path / "parallel")) for p in parallel.pages[1:]]
    assert len(companies) == len(audit.config.companies) and all(page in steps for page in companies)
    # The evidence came from a forked process (not this one), every file the same as written here.
    writers = [p.name for p in tmp_path.glob("evidence-written-by-*")]
    assert len(writers) == 1 and writers != [f"evidence-written-by-{parent}"]
    assert evidence_files(tmp_path / "parallel") == evidence_files(tmp_path / "serial")
    assert len(evidence_files(tmp_path / "serial")) > 10
    assert parallel.evidence_withheld == serial.evidence_withheld
    assert parallel.json.read_bytes() == serial.json.read_bytes()


def test_a_study_index_keeps_a_row_per_company_and_leaves_detail_to_company_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit = demo_audit(tmp_path)
    full = render_report(audit, tmp_path / "full", generated_at=GENERATED_AT)
    monkeypatch.setattr(report_render, "INDEX_DETAIL_UP_TO", 1)
    study = render_report(audit, tmp_path / "study", generated_at=GENERATED_AT)
    full_index = full.index.read_text(encoding="utf-8")
    index = study.index.read_text(encoding="utf-8")
    count = len(audit.config.companies)
    assert f"{count} companies: the comparison per channel" in index
    assert "Compared by channel" in full_index and "Compared by channel" not in index
    assert len(index) < len(full_index)
    for slug in audit.config.companies:
        # Still ranked on the index, and its page is the same as in the full report.
        assert f'<tr data-company="{slug}">' in index
    assert html_files(tmp_path / "study").keys() == html_files(tmp_path / "full").keys()
    assert {k: v for k, v in html_files(tmp_path / "study").items() if k != "index.html"} == {
        k: v for k, v in html_files(tmp_path / "full").items() if k != "index.html"
    }
    assert study.json.read_bytes() == full.json.read_bytes(), "report.json does not depend on the layout"


def test_a_worker_that_fails_stops_the_report_instead_of_hanging_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit = demo_audit(tmp_path)
    monkeypatch.setattr(report_pages, "PARALLEL_FROM", 1)
    monkeypatch.setattr(report_pages, "PAGES_PER_TASK", 1)
    monkeypatch.setattr(report_pages, "workers", lambda: 2)
    parent = os.getpid()
    render = report_pages.PageJob.render

    def fails_in_a_worker(job: report_pages.PageJob, slug: str) -> str:
        if os.getpid() != parent:
            raise ValueError("broken page")
        return render(job, slug)

    monkeypatch.setattr(report_pages.PageJob, "render", fails_in_a_worker)
    with pytest.raises(RuntimeError, match="broken page"):
        render_report(audit, tmp_path / "report", generated_at=GENERATED_AT)


def test_evidence_that_cannot_be_written_stops_the_report_with_its_own_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit = demo_audit(tmp_path)
    study_sized(monkeypatch)

    def refuses(*_args: object) -> list[str]:
        raise OutputError("cannot write the evidence: no room")

    monkeypatch.setattr(evidence_process, "write_evidence", refuses)
    with pytest.raises(OutputError, match="no room"):
        render_report(audit, tmp_path / "report", generated_at=GENERATED_AT)

    def dies(*_args: object) -> list[str]:
        os._exit(3)

    monkeypatch.setattr(evidence_process, "write_evidence", dies)
    with pytest.raises(RuntimeError, match=r"writing the evidence stopped \(exit code 3\)"):
        render_report(audit, tmp_path / "again", generated_at=GENERATED_AT)


def test_figures_computed_in_part_by_a_forked_process_are_the_same_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from servaudit.audit_store import open_store
    from servaudit.report.data import ReportBuilder

    audit = demo_audit(tmp_path)
    company_data = ReportBuilder.company_data

    def noted(builder: ReportBuilder, slug: str) -> dict[str, object]:
        (tmp_path / f"{slug}-by-{os.getpid()}").touch()
        return company_data(builder, slug)

    monkeypatch.setattr(ReportBuilder, "company_data", noted)
    store = open_store(audit)
    try:
        builder = ReportBuilder(audit, store, GENERATED_AT)
        assert builder.data(split=True) == builder.data()
    finally:
        store.close()
    parent = os.getpid()
    # Split: the second half of the companies in a forked process; unsplit, every one here.
    by = [p.name.rsplit("-by-", 1) for p in tmp_path.glob("*-by-*")]
    slugs = list(audit.config.companies)
    assert {slug for slug, pid in by if pid != str(parent)} == set(slugs[len(slugs) // 2 :])
    assert {slug for slug, pid in by if pid == str(parent)} == set(slugs)


def test_a_share_of_the_figures_that_fails_in_its_process_stops_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from servaudit.report.data import ReportBuilder

    audit = demo_audit(tmp_path)
    study_sized(monkeypatch)
    parent = os.getpid()
    waves = ReportBuilder.waves

    def fails_when_forked(builder: ReportBuilder) -> dict[str, object]:
        if os.getpid() != parent:
            raise ValueError("broken figures")
        return waves(builder)

    monkeypatch.setattr(ReportBuilder, "waves", fails_when_forked)
    with pytest.raises(ValueError, match="broken figures"):
        render_report(audit, tmp_path / "report", generated_at=GENERATED_AT)

    def dies(_builder: ReportBuilder) -> dict[str, object]:
        os._exit(3)

    monkeypatch.setattr(ReportBuilder, "waves", dies)
    with pytest.raises(RuntimeError, match=r"share of the report's figures stopped \(exit code 3\)"):
        render_report(audit, tmp_path / "again", generated_at=GENERATED_AT)
