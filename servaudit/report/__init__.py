"""The report: store → figures (measure/) → report data (report.json) → view objects → templates.

Gather, then render. ``data.ReportBuilder.data()`` holds every figure once; the HTML
pages, report.json, the CSV tables and `servaudit gate` all read that same data, so they
cannot disagree. Templates only lay out view objects (viewmodels.py, views.py; formatted
by the Locale in servaudit/i18n.py); every figure shown carries a ``data-key`` naming its
place in report.json. Everything from a reply is text to the templates: autoescaping is on
and no reply HTML is rendered. Channels come from the data, so a new channel shows up
without a template change.

The report reads the store and measure/ only: what it shows of a reply or a chat was
judged once, at collect or run time (servaudit/judgement.py). It imports nothing from
replies/, channels/, mailbox/, the engine or collect; the report verb brings stale
judgements up to date first (servaudit/rejudge.py).
"""

from __future__ import annotations

from servaudit.english import duration, moment
from servaudit.report.data import (
    REPORT_FORMAT,
    ReportBuilder,
    business_week,
    channel_order,
    evidence_href,
    percent,
    safe_name,
)
from servaudit.report.evidence import write_evidence
from servaudit.report.render import (
    ReportResult,
    environment,
    methodology,
    render_report,
    report_data,
    write_report,
)
from servaudit.report.viewmodels import Fig, FigureView, kind_of
from servaudit.report.views import Views

__all__ = [
    "REPORT_FORMAT",
    "Fig",
    "FigureView",
    "ReportBuilder",
    "ReportResult",
    "Views",
    "business_week",
    "channel_order",
    "duration",
    "environment",
    "evidence_href",
    "kind_of",
    "methodology",
    "moment",
    "percent",
    "render_report",
    "report_data",
    "safe_name",
    "write_evidence",
    "write_report",
]
