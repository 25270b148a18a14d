"""Rendering: the report data and its views into HTML pages, report.json, CSV tables and the evidence.

The Jinja2 environment looks up templates in the audit's own report_templates/ first,
then the shipped ones; autoescaping is on, so nothing from a reply is ever markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)

from servaudit import channels as registry
from servaudit import resources
from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.i18n import Locale
from servaudit.report import branding, compare_views, exports, templatecalls
from servaudit.report import folder as report_folder
from servaudit.report import pages as report_pages
from servaudit.report.accessibility import accessibility_rows
from servaudit.report.data import ReportBuilder, without_cycle_collection
from servaudit.report.evidence import write_evidence
from servaudit.report.evidence_process import EvidenceProcess
from servaudit.report.figmarkup import figure_markup
from servaudit.report.findings import findings_view
from servaudit.report.pages import CompanyPages, PageJob, write_page
from servaudit.report.pagetext import page_text
from servaudit.report.prose import Prose
from servaudit.report.templateoutput import ReportEnvironment
from servaudit.report.viewmodels import FigureView
from servaudit.report.views import Views
from servaudit.report.waves_view import waves_view
from servaudit.resources import search_path

SHIPPED_PREFIX = "servaudit"
"""A user template extends the shipped one of the same name as ``servaudit:<name>`` (as datasette does)."""


def environment(audit_folder: Path | None) -> Environment:
    # The audit's own report_templates/ first (whole files, or single blocks of a shipped template
    # it extends by prefix), then the shipped ones.
    shipped = FileSystemLoader(str(resources.shipped("report_templates")))
    env = ReportEnvironment(
        loader=ChoiceLoader(
            [
                FileSystemLoader([str(p) for p in search_path("report_templates", audit_folder)]),
                PrefixLoader({SHIPPED_PREFIX: shipped}, delimiter=":"),
            ]
        ),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=page_text,
        # Templates do not change while a report is written: without this, every include of every
        # company page asked the file system whether its template had changed.
        auto_reload=False,
    )
    # Templates call t(), fig() … some thousand times a page: without Jinja's inspection of each call.
    env.context_class = templatecalls.context_class()
    env.globals["inline_image"] = branding.inline_image_loader(audit_folder)
    return env


def language_globals(locale: Locale) -> dict[str, Any]:
    """What every template gets in the report's one language: texts, figure markup, and ``prose``,
    which shows what the judges stored in English (reasons, rules, details) in that language."""
    return {
        "t": locale.t,
        "t_or": locale.t_or,
        "t_channel": locale.t_channel,
        "lang": locale.language,
        **figure_markup(locale.t),
        "prose": Prose(locale),
    }


INDEX_DETAIL_UP_TO = 100
"""Companies up to which the index also holds per-channel tables, per-company charts and cases."""


@dataclass(frozen=True)
class ReportResult:
    index: Path
    pages: list[Path]
    json: Path
    csv: list[Path]
    pdf: list[Path]
    evidence_withheld: list[str] = field(default_factory=list)
    """Evidence files not copied: missing, or changed since the probe recorded their SHA-256."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "evidence_withheld": self.evidence_withheld,
            "index": str(self.index),
            "pages": [str(p) for p in self.pages],
            "json": str(self.json),
            "csv": [str(p) for p in self.csv],
            "pdf": [str(p) for p in self.pdf],
        }


def render_report(
    audit: Audit,
    out: Path,
    language: str | None = None,
    clock: str | None = None,
    pdf: bool = False,
    on_step: Callable[[str, int, int], None] | None = None,
    generated_at: datetime | None = None,
) -> ReportResult:
    """Write index.html, one page per company, report.json, CSV tables and the evidence (and PDFs)."""
    # Imported here: reachability reads discover's model, whose package loads the crawler (about a
    # second), which report_data (gate) does not need.
    from servaudit.measure.reachability import reachability

    info = audit.config.audit
    locale = Locale(language or info.language, info.timezone, audit.folder)
    # Opened and closed first: a store that cannot be read stops the report before the folder is
    # touched, and one still to be created or migrated is made ready by this one connection, not by
    # the two opened after the evidence process is forked.
    open_store(audit).close()
    report_folder.prepare(out)
    (out / "companies").mkdir(parents=True, exist_ok=True)
    evidence = out / "evidence"
    evidence.mkdir(exist_ok=True)
    # At study size the evidence is written by a process forked before this one opens the store,
    # while this one gathers the figures (each would otherwise wait for the other on one core).
    evidence_process: EvidenceProcess | None = None
    forking = in_processes(audit)
    if forking:
        evidence_process = EvidenceProcess(audit, evidence)
        evidence_process.start()
    company_pages: CompanyPages | None = None
    try:
        store = open_store(audit)
    except BaseException:
        if evidence_process is not None:
            evidence_process.close()
        raise
    try:
        with without_cycle_collection():
            builder = ReportBuilder(audit, store, generated_at, clock)
            data = builder.data(split=forking)
            views = Views(builder, data, locale)
            companies = views.companies(detail=False)  # index rows; pages build their detail
        total = len(companies) + 3
        step = on_step or (lambda _text, _done, _total: None)
        env = environment(audit.folder)
        env.globals.update(language_globals(locale))
        # Channels whose answers come in the channel itself (a chat): they get the bot-path tables.
        env.globals["in_channel"] = frozenset(s.name for s in registry.SPECS if s.replies == "in_channel")
        # Partials other modules ship (quality, transcripts, discovery): used when they exist.
        env.globals["partials"] = {
            name for name in ("reachability", "transcript", "reply_quality") if _has_template(env, name)
        }
        env.globals["findings_of"] = findings_section(data, locale)
        env.globals["accessibility_of"] = lambda slug: accessibility_rows(
            data["companies"][slug].get("findings"), locale
        )
        clock_name = builder.clock
        common = {
            "audit": info,
            "generated": locale.moment(builder.now),
            "window": locale.duration(builder.window.total_seconds()),
            "clock": clock_name,
            "method": methodology(builder, locale),
            "channels": [(c, locale.t_channel(c)) for c in builder.channels],
            "rank_marks": compare_views.rank_marks(data, locale),
        }
        # Company pages first: at study size worker processes render them while this one writes the rest.
        company_pages = CompanyPages(
            PageJob(views, env.get_template("company.html"), common, out), [c.slug for c in companies]
        )
        company_pages.start()
        step("evidence", 0, total)
        if evidence_process is not None:
            withheld = evidence_process.withheld()
        else:
            withheld = write_evidence(store, evidence, audit.folder, audit.config.audit.bucket)
        step("index.html", 1, total)
        index = out / "index.html"
        # At study size the index keeps one row per company (ranking, matrix); the rest of each
        # company's detail is on its own page, or the index would grow past what a browser reads.
        study = len(companies) > INDEX_DETAIL_UP_TO
        summary_cases = data["summary"]["consistency"]
        write_page(
            index,
            env.get_template("index.html").render(
                **common,
                root="",
                companies=companies,
                summary=FigureView("summary", data["summary"], locale),
                totals=views.channel_views("channels", data["channels"], None),
                charts=views.index_charts(companies, per_company=not study),
                per_channel=[] if study else views.per_channel(companies),
                # What discovery found, only when it ran: else every cell would say "not discovered".
                reachability=reachability(audit, store, builder.facts) if store.discoveries() else [],
                consistency=FigureView("summary.consistency", summary_cases, locale),
                cases=() if study else views.consistency_cases(summary_cases),
                chat_online=views.chat_online(),
                threads=thread_rows(data["reminders_and_followups"], locale),
                waves=waves_view(data, locale),
                study=study,
                **compare_views.index_context(data, companies, locale),
            ),
        )
        # Written while the workers render the company pages (this process would only wait).
        step("report.json, CSV", 2, total)
        json_path = out / "report.json"
        report_folder.write_json(json_path, data)
        csv_paths = exports.write_csv(data, out / "csv")
        pages = [index]
        for done, page in enumerate(company_pages.done(), start=3):
            step(page, done, total)
            pages.append(out / page)
    finally:
        if company_pages is not None:
            company_pages.close()
        if evidence_process is not None:
            evidence_process.close()
        store.close()
    pdfs: list[Path] = []
    if pdf:
        step("PDF", total, total)
        pdfs = exports.write_pdfs(pages, info.chromium)
    report_folder.finish(out)
    return ReportResult(index, pages, json_path, csv_paths, pdfs, withheld)


def thread_rows(found: dict[str, Any], locale: Locale) -> list[tuple[str, FigureView]]:
    """The index's reminder and follow-up rows: channels where one was sent or asked, else none."""
    rows = []
    for channel, figures in found["channels"].items():
        if figures["answered_only_after_reminder"]["of"] or figures["resolved_after_followup"]["of"]:
            view = FigureView(f"reminders_and_followups.channels.{channel}", figures, locale)
            rows.append((locale.t_channel(channel), view))
    return rows


def findings_section(data: dict[str, Any], locale: Locale) -> Callable[[str | None, str], Any]:
    """The templates' ``findings_of(slug, root)``: a company's findings view (None for the audit's
    summary, which has no evidence of its own), or None when nothing was measured."""

    site_columns = bool(data["summary"].get("findings", {}).get("companies_discovered"))

    def view(slug: str | None, root: str) -> Any:
        if slug is None:
            return None
        return findings_view(data["companies"][slug].get("findings"), locale, root, site_columns)

    return view


def in_processes(audit: Audit) -> bool:
    """Whether the report's work is shared out to forked processes: at study size, where the
    platform can fork and more than one CPU is there (evidence, a share of the figures, pages)."""
    return len(audit.config.companies) >= report_pages.PARALLEL_FROM and report_pages.workers() > 1


def report_data(audit: Audit, clock: str | None = None) -> dict[str, Any]:
    """report.json's content, computed from the store without writing anything (used by `gate`)."""
    store = open_store(audit)
    try:
        with without_cycle_collection():
            return ReportBuilder(audit, store, clock=clock).data(split=in_processes(audit))
    finally:
        store.close()


def write_report(audit: Audit, out: Path, language: str | None = None) -> Path:
    """Write the report; return index.html (the library entry used by demo and tests).

    It shows what the store holds: for a store judged by older code, run
    servaudit.rejudge.refresh first, as `servaudit report` does."""
    return render_report(audit, out, language).index


def methodology(builder: ReportBuilder, locale: Locale) -> dict[str, Any]:
    info = builder.audit.config.audit
    hours = info.business_hours
    weights = builder.weights
    return {
        "clock": locale.t(f"method.clock_{builder.clock}"),
        "is_business": builder.clock == "business",
        "days": ", ".join(locale.t(f"weekday.{d}") for d in hours.days),
        "hours": f"{hours.opens}–{hours.closes}",
        "timezone": info.timezone,
        "holidays": hours.holidays or locale.t("method.no_holidays"),
        "preset": weights.preset,
        "weights": [(locale.t(f"component.{k}"), locale.number(v, 0)) for k, v in weights.components.items()],
        "channel_weights": [(locale.t_channel(k), locale.number(v, 0)) for k, v in weights.channels.items()],
        "pass_mark": locale.number(weights.pass_mark, 0),
    }


def _has_template(env: Environment, name: str) -> bool:
    try:
        env.get_template(f"partials/{name}.html")
    except TemplateNotFound:
        return False
    return True
