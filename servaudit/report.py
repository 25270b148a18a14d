"""The report: figures from metrics → plain view objects → Jinja2 templates, plus report.json.

Templates only lay out what this module prepared (no computation in them),
and HTML and JSON are written from the same Figures, so they cannot disagree.
Everything from a reply is text to the templates: autoescaping is on and no
reply HTML is ever rendered.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from servaudit import message as mail
from servaudit.config import Audit
from servaudit.engine import open_store
from servaudit.metrics import Figures, InquiryFacts, figures, gather, rate
from servaudit.resources import search_path
from servaudit.store import EvidenceRecord, Store, now
from servaudit.timing import seconds_between

REPORT_FORMAT = 1
EXCERPT_CHARS = 1200
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


def evidence_href(relative: str) -> str:
    """Where a probe's evidence file lands in the report: evidence/files/<path in the audit's evidence/>."""
    return "evidence/files/" + relative.removeprefix("evidence/")


def duration(seconds: float | None) -> str:
    """'2 h 5 min', '45 s', '3 d 4 h'; '–' for no value."""
    if seconds is None:
        return "–"
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min {int(seconds % 60)} s" if minutes < 10 else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def percent(part: int, whole: int) -> str:
    value = rate(part, whole)
    return "–" if value is None else f"{value:.0%}"


def moment(value: datetime | None) -> str:
    return "–" if value is None else value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


@dataclass(frozen=True)
class ReplyView:
    arrived: str
    after: str
    sender: str
    subject: str
    label: str
    auto_label: str | None
    manual_label: str | None
    reasons: tuple[str, ...]
    match_method: str
    excerpt: str
    evidence: str


@dataclass(frozen=True)
class EvidenceView:
    kind: str
    caption: str
    href: str
    is_image: bool


@dataclass(frozen=True)
class InquiryView:
    id: str
    channel: str
    scenario: str
    target: str
    subject: str
    state: str
    outcome: str | None
    detail: str
    sent: str
    first_response: str
    first_human: str
    evidence: str | None
    files: tuple[EvidenceView, ...]
    replies: tuple[ReplyView, ...]


@dataclass(frozen=True)
class ChannelView:
    channel: str
    figures: Figures
    response_rate: str
    human_rate: str
    first_response: str
    first_human: str


@dataclass(frozen=True)
class CompanyView:
    slug: str
    name: str
    page: str
    overall: ChannelView
    channels: tuple[ChannelView, ...]
    inquiries: tuple[InquiryView, ...]


def channel_view(channel: str, figs: Figures) -> ChannelView:
    return ChannelView(
        channel=channel,
        figures=figs,
        response_rate=percent(figs.responded, figs.delivered),
        human_rate=percent(figs.human_responded, figs.delivered),
        first_response=duration(figs.median_first_response_seconds),
        first_human=duration(figs.median_first_human_response_seconds),
    )


class ReportBuilder:
    def __init__(self, audit: Audit, store: Store, generated_at: datetime | None = None) -> None:
        self.audit = audit
        self.store = store
        self.now = generated_at or now()
        self.window = timedelta(days=audit.config.audit.window_days)
        self.messages = {m.id: m for m in store.messages()}
        self.facts = gather(store.inquiries(), list(self.messages.values()), self.window)
        self.evidence: dict[str, list[EvidenceRecord]] = {}
        for record in store.evidence():
            self.evidence.setdefault(record.inquiry_id, []).append(record)

    def figures_for(self, facts: Sequence[InquiryFacts]) -> Figures:
        return figures(facts, self.now, self.window)

    def companies(self) -> list[CompanyView]:
        views = []
        for slug, company in self.audit.config.companies.items():
            facts = [f for f in self.facts if f.inquiry.company == slug]
            channels = sorted({f.inquiry.channel for f in facts})
            views.append(
                CompanyView(
                    slug=slug,
                    name=company.name,
                    page=f"companies/{safe_name(slug)}.html",
                    overall=channel_view("all", self.figures_for(facts)),
                    channels=tuple(
                        channel_view(c, self.figures_for([f for f in facts if f.inquiry.channel == c]))
                        for c in channels
                    ),
                    inquiries=tuple(self.inquiry_view(f) for f in facts),
                )
            )
        return views

    def inquiry_view(self, facts: InquiryFacts) -> InquiryView:
        inquiry = facts.inquiry
        replies = []
        for record in (m for m in self.messages.values() if m.inquiry_id == inquiry.id):
            parsed = mail.parse(self.store.raw_message(record.id))
            label = record.manual_label or record.label or "unclassified"
            excerpt = mail.new_text(mail.body_text(parsed)) or mail.body_text(parsed)
            after = seconds_between(inquiry.sent_at, record.arrived_at)
            replies.append(
                ReplyView(
                    arrived=moment(record.arrived_at),
                    after=duration(after),
                    sender=record.from_addr or "",
                    subject=record.subject or "",
                    label=label,
                    auto_label=record.label,
                    manual_label=record.manual_label,
                    reasons=record.reasons,
                    match_method=record.match_method or "",
                    excerpt=excerpt[:EXCERPT_CHARS],
                    evidence=f"evidence/message-{record.id}.eml",
                )
            )
        return InquiryView(
            id=inquiry.id,
            channel=inquiry.channel,
            scenario=inquiry.scenario,
            target=inquiry.target,
            subject=inquiry.subject or "",
            state=inquiry.state,
            outcome=inquiry.outcome,
            detail=inquiry.detail or "",
            sent=moment(inquiry.sent_at),
            first_response=duration(facts.seconds_to(facts.first_response)),
            first_human=duration(facts.seconds_to(facts.first_human)),
            evidence=f"evidence/{safe_name(inquiry.id)}.sent.eml" if inquiry.channel == "email" else None,
            files=tuple(
                EvidenceView(
                    e.kind, e.caption, evidence_href(e.path), e.path.lower().endswith(IMAGE_SUFFIXES)
                )
                for e in self.evidence.get(inquiry.id, [])
            ),
            replies=tuple(replies),
        )

    def channel_totals(self) -> dict[str, Figures]:
        channels = sorted({f.inquiry.channel for f in self.facts})
        return {c: self.figures_for([f for f in self.facts if f.inquiry.channel == c]) for c in channels}

    def as_json(self, companies: Sequence[CompanyView]) -> dict[str, Any]:
        config = self.audit.config
        return {
            "format": REPORT_FORMAT,
            "audit": {
                "name": config.audit.name,
                "generated_at": self.now.isoformat(),
                "window_days": config.audit.window_days,
                "clock": "calendar",
            },
            "companies": {
                c.slug: {
                    "name": c.name,
                    "overall": c.overall.figures.as_dict(),
                    "channels": {ch.channel: ch.figures.as_dict() for ch in c.channels},
                }
                for c in companies
            },
            "channels": {name: figs.as_dict() for name, figs in self.channel_totals().items()},
        }


def environment(audit_folder: Path | None) -> Environment:
    env = Environment(
        loader=FileSystemLoader([str(p) for p in search_path("report_templates", audit_folder)]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def write_report(audit: Audit, out: Path) -> Path:
    """Write index.html, one page per company, report.json and the evidence files; return index.html."""
    store = open_store(audit)
    try:
        builder = ReportBuilder(audit, store)
        companies = builder.companies()
        (out / "companies").mkdir(parents=True, exist_ok=True)
        evidence = out / "evidence"
        evidence.mkdir(exist_ok=True)
        write_evidence(store, evidence, audit.folder)
        env = environment(audit.folder)
        common = {
            "audit": audit.config.audit,
            "generated": moment(builder.now),
            "window": duration(builder.window.total_seconds()),
        }
        index = out / "index.html"
        index.write_text(
            env.get_template("index.html").render(
                **common,
                root="",
                companies=companies,
                totals=[channel_view(c, f) for c, f in builder.channel_totals().items()],
            ),
            encoding="utf-8",
        )
        page = env.get_template("company.html")
        for company in companies:
            (out / company.page).write_text(
                page.render(**common, root="../", company=company), encoding="utf-8"
            )
        report_json = json.dumps(builder.as_json(companies), indent=2, ensure_ascii=False)
        (out / "report.json").write_text(report_json + "\n", encoding="utf-8")
        return index
    finally:
        store.close()


def write_evidence(store: Store, folder: Path, audit_folder: Path) -> None:
    for item in store.evidence():
        source = audit_folder / item.path
        target = folder.parent / evidence_href(item.path)
        if source.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    for inquiry in store.inquiries():
        raw = store.sent_raw(inquiry.id)
        if raw:
            (folder / f"{safe_name(inquiry.id)}.sent.eml").write_bytes(raw)
    for record in store.messages():
        target = folder / f"message-{record.id}.eml"
        if not target.exists():
            target.write_bytes(store.raw_message(record.id))
