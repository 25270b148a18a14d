"""The report's data: store → figures (measure/) → one plain dict, report.json (docs/report-json.md).

Gather, then render: ``ReportBuilder.data()`` holds every figure once; the HTML pages
(views.py, render.py), the CSV tables and `servaudit gate` all read that same data, so they
cannot disagree. Everything the report needs from a reply or a chat was judged and stored
at collect or run time (servaudit/judgement.py): the builder reads the store only.
"""

from __future__ import annotations

import gc
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from servaudit import channels as registry
from servaudit.businesshours import WEEKDAYS, business_week
from servaudit.config import Audit
from servaudit.english import ENGLISH
from servaudit.judgement import QualityScore
from servaudit.labels import UNKNOWN
from servaudit.measure.chat import chat_online_by_time
from servaudit.measure.consistency import consistency
from servaudit.measure.facts import InquiryFacts, gather
from servaudit.measure.figures import Figures, MeasureContext, figures, reachability_status
from servaudit.measure.scoring import Weights, channel_components, company_score
from servaudit.measure.stats import rate, share_of_companies
from servaudit.measure.waves import longitudinal
from servaudit.report.accessibility import with_accessibility
from servaudit.report.comparisons import company_comparisons
from servaudit.report.findings import findings_data, summary_findings
from servaudit.report.forkedpart import ForkedPart
from servaudit.report.references import load_references, reference_figures
from servaudit.report.threads import threads_data
from servaudit.store import EvidenceRecord, MessageRecord, Store, now

REPORT_FORMAT = 1
"""report.json's format; raised only when a key changes meaning (keys are only ever added)."""
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


def evidence_href(relative: str) -> str:
    """Where a probe's evidence file lands in the report: evidence/files/<path in the audit's evidence/>."""
    return "evidence/files/" + relative.removeprefix("evidence/")


def percent(part: int, whole: int) -> str:
    return ENGLISH.percent(rate(part, whole))


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def channel_order(names: set[str]) -> list[str]:
    """Known channels in their usual order, then any other channel found in the data, by name."""
    known = [c for c in registry.names() if c in names]
    return known + sorted(names - set(known))


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Gathering a study's figures makes millions of short-lived objects and hardly a reference
    cycle, so the cycle collector's passes found nothing and cost a quarter of the time (0.5 of
    2.2 s at 500 companies); what is freed by reference counting is freed all the same."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- the data: every figure, once ------------------------------------------------------


class ReportBuilder:
    def __init__(
        self,
        audit: Audit,
        store: Store,
        generated_at: datetime | None = None,
        clock: str | None = None,
    ) -> None:
        self.audit = audit
        self.store = store
        info = audit.config.audit
        self.clock = clock or info.clock
        self.now = generated_at or now()
        self.window = timedelta(days=info.window_days)
        self.week = business_week(audit)
        self.messages = {m.id: m for m in store.messages()}
        self.messages_by_inquiry: dict[str, list[MessageRecord]] = {}
        for message in self.messages.values():
            if message.inquiry_id:
                self.messages_by_inquiry.setdefault(message.inquiry_id, []).append(message)
        self.quality = {m: QualityScore.from_json(text) for m, text in store.quality_rows()}
        self.weights = Weights.from_config(info.score)
        records = store.inquiries()
        # Reminders and follow-ups are inquiries of their own, measured apart (report/threads.py).
        # Each inquiry's facts are its own replies, so all are gathered in one pass over the messages.
        gathered = gather(records, list(self.messages.values()), self.window)
        self.facts = [f for f in gathered if f.inquiry.parent_id is None]
        self.children = [f for f in gathered if f.inquiry.parent_id]
        self.evidence: dict[str, list[EvidenceRecord]] = {}
        for record in store.evidence():
            self.evidence.setdefault(record.inquiry_id, []).append(record)
        self.transcript_files = {
            inquiry_id: evidence_href(found[0].path)
            for inquiry_id, records in self.evidence.items()
            if (found := [r for r in records if r.kind == "transcript"])
        }
        """Inquiry id → its chat transcript's place in the report: a chat finding's evidence."""
        # What judging read from each reply and chat, stored when it was judged: no raw mail, no files.
        self.judgements = store.judgements()
        chats = store.chats()
        self.transcripts = {inquiry_id: chat.transcript for inquiry_id, chat in chats.items()}
        self.mail_findings = {m: j.findings for m, j in self.judgements.items()}
        self.discoveries = store.discoveries()
        """Each discovered company's site as `servaudit discover -a` stored it (the site findings)."""
        self.accessibility = store.accessibility()
        self.accessibility_shots = {
            inquiry_id: evidence_href(shot.path)
            for inquiry_id in self.accessibility
            for shot in self.evidence.get(inquiry_id, ())
            if shot.kind == "screenshot" and "accessibility" in shot.path
        }
        """Each checked inquiry's screenshot with axe-core's failing elements marked."""
        self.stated = {m: j.stated for m, j in self.judgements.items() if j.stated is not None}
        """Which scenario facts each reply states (message id → fact names), where its scenario has facts."""
        self.context = MeasureContext(
            now=self.now,
            window=self.window,
            week=self.week if self.clock == "business" else None,
            timezone=info.timezone,
            quality=self.quality,
            chats={i: chat.observation for i, chat in chats.items() if chat.observation is not None},
            acknowledgements={m: j.acknowledgement for m, j in self.judgements.items()},
        )
        self.by_company: dict[str, list[int]] = {}
        """Each company's inquiries as indexes into ``facts``, in order: one pass, not one per company."""
        for index, f in enumerate(self.facts):
            self.by_company.setdefault(f.inquiry.company, []).append(index)
        configured = {c for company in audit.config.companies.values() for c in company.channels}
        self.channels = channel_order(configured | {f.inquiry.channel for f in self.facts})

    def figures_for(self, facts: Sequence[InquiryFacts]) -> Figures:
        return figures(facts, self.context)

    def company_facts(self, slug: str, channel: str | None = None) -> list[InquiryFacts]:
        mine = [self.facts[index] for index in self.by_company.get(slug, ())]
        return mine if channel is None else [f for f in mine if f.inquiry.channel == channel]

    def data(self, split: bool = False) -> dict[str, Any]:
        """Everything report.json holds (docs/report-json.md describes every key). With ``split``, a
        forked process computes the second half of the companies, the waves and the inquiry rows
        while this one computes the rest (forkedpart.py): the same data, on two cores."""
        config = self.audit.config
        info = config.audit
        slugs = list(config.companies)
        forked: ForkedPart[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]] | None = None
        if split and len(slugs) > 1:
            theirs = slugs[len(slugs) // 2 :]
            slugs = slugs[: len(slugs) // 2]
            forked = ForkedPart(
                lambda: (self.companies_data(theirs), self.waves(), self.inquiries()),
                "computing a share of the report's figures",
            )
            forked.start()
        try:
            companies = self.companies_data(slugs)
            by_channel = {
                channel: self.figures_for([f for f in self.facts if f.inquiry.channel == channel]).as_dict(
                    fresh=False
                )
                for channel in self.channels
                if any(f.inquiry.channel == channel for f in self.facts)
            }
            send_times = self.send_times()
            chat_online = chat_online_by_time(self.facts, self.week.zone)
            threads = threads_data(self)
            comparisons = self.comparisons(by_channel)
            if forked is None:
                waves, inquiries = self.waves(), self.inquiries()
            else:
                rest, waves, inquiries = forked.result()
                companies.update(rest)
        finally:
            if forked is not None:
                forked.close()
        for rank, slug in enumerate(_ranking(companies), start=1):
            companies[slug]["rank"] = rank
        return {
            "format": REPORT_FORMAT,
            "audit": {
                "name": info.name,
                "generated_at": self.now.isoformat(),
                "window_days": info.window_days,
                "clock": self.clock,
                "timezone": info.timezone,
                "language": info.language,
                "business_hours": {
                    "days": list(self.week.days),
                    "opens": info.business_hours.opens,
                    "closes": info.business_hours.closes,
                    "holidays": info.business_hours.holidays,
                },
                "score": self.weights.as_dict(),
                "channels": self.channels,
            },
            "summary": self.summary(companies),
            "companies": companies,
            "channels": by_channel,
            "send_times": send_times,
            "chat_online": chat_online,
            "reminders_and_followups": threads,
            "waves": waves,
            "inquiries": inquiries,
            **comparisons,
        }

    def companies_data(self, slugs: Sequence[str]) -> dict[str, Any]:
        """report.json's "companies" entries of these companies, in this order (each computed from its
        own inquiries alone; ranked by ``data``)."""
        return {slug: self.company_data(slug) for slug in slugs}

    def company_data(self, slug: str) -> dict[str, Any]:
        company = self.audit.config.companies[slug]
        facts = self.company_facts(slug)
        offered = company.channels
        channels: dict[str, Any] = {}
        reach: dict[str, str] = {}
        parts: dict[str, dict[str, float | None]] = {}
        for channel in self.channels:
            mine = [f for f in facts if f.inquiry.channel == channel]
            reach[channel] = reachability_status(mine, channel in offered)
            if mine:
                figs = self.figures_for(mine)
                channels[channel] = figs.as_dict(fresh=False)
                parts[channel] = channel_components(mine, figs, reach[channel], self.context)
        return {
            "name": company.name,
            "page": f"companies/{safe_name(slug)}.html",
            "overall": self.figures_for(facts).as_dict(fresh=False),
            "channels": channels,
            "reachability": reach,
            "score": company_score(parts, self.weights).as_dict(),
            "consistency": consistency(facts, self.stated),
            "findings": with_accessibility(
                findings_data(
                    facts,
                    self.channels,
                    self.mail_findings,
                    self.week,
                    self.now,
                    self.window,
                    self.context.chats,
                    self.transcript_files,
                    self.discoveries.get(slug),
                ),
                facts,
                self.accessibility,
                self.accessibility_shots,
            ),
        }

    def waves(self) -> dict[str, Any]:
        companies = list(self.audit.config.companies)
        return longitudinal(self.facts, self.context, companies, self.week.zone)

    def inquiries(self) -> list[dict[str, Any]]:
        return [self.inquiry_data(f) for f in self.facts]

    def comparisons(self, channels: dict[str, Any]) -> dict[str, Any]:
        """Whether companies differ (report/comparisons.py) and published figures next to the
        audit's own of the same definition over a channel's figures (report/references.py)."""
        by_company = {slug: self.company_facts(slug) for slug in self.audit.config.companies}
        return {
            "comparisons": company_comparisons(by_company, self.context),
            "references": reference_figures(load_references(self.audit.folder), channels),
        }

    def summary(self, companies: dict[str, Any]) -> dict[str, Any]:
        tried = [c for c in companies.values() if c["overall"]["delivered"]]
        reach = [status for c in companies.values() for status in c["reachability"].values()]
        return {
            "companies": len(companies),
            "overall": self.figures_for(self.facts).as_dict(fresh=False),
            "companies_answering_every_inquiry": share_of_companies(
                c["overall"]["human_responded"] == c["overall"]["delivered"] for c in tried
            ),
            "companies_answering_any_inquiry": share_of_companies(
                c["overall"]["human_responded"] > 0 for c in tried
            ),
            "pending_grades": sum(1 for f in self.facts for r in f.replies if r.label == UNKNOWN),
            "channels_working": sum(1 for s in reach if s == "working"),
            "channels_offered": sum(1 for s in reach if s != "missing"),
            "consistency": consistency(self.facts, self.stated),
            "findings": summary_findings(companies),
            "companies_passing": share_of_companies(
                bool(c["score"]["passed"]) for c in companies.values() if c["score"]["value"] is not None
            ),
        }

    def send_times(self) -> dict[str, dict[str, int]]:
        """When inquiries were delivered, in the audit's time zone: by weekday and by hour."""
        zone = self.week.zone
        moments = [f.inquiry.sent_at.astimezone(zone) for f in self.facts if f.inquiry.sent_at]
        weekdays = Counter(WEEKDAYS[m.weekday()] for m in moments)
        hours = Counter(m.hour for m in moments)
        return {
            "weekday": {day: weekdays.get(day, 0) for day in WEEKDAYS},
            "hour": {str(hour): hours.get(hour, 0) for hour in range(24)},
        }

    def inquiry_data(self, f: InquiryFacts) -> dict[str, Any]:
        inquiry = f.inquiry
        clock = self.context.clock
        quality = self.quality.get(f.first_human.message_id) if f.first_human else None
        return {
            "id": inquiry.id,
            "company": inquiry.company,
            "channel": inquiry.channel,
            "scenario": inquiry.scenario,
            "wave": inquiry.wave,
            "state": "bounced" if f.bounced else inquiry.state,
            "outcome": inquiry.outcome,
            "sent_at": inquiry.sent_at.isoformat() if inquiry.sent_at else None,
            "delivered": f.delivered,
            "replies": len(f.replies),
            "pending_grades": sum(1 for r in f.replies if r.label == UNKNOWN),
            "first_response_seconds": f.seconds_to(f.first_response, clock),
            "first_human_response_seconds": f.seconds_to(f.first_human, clock),
            "first_response_label": f.first_response.label if f.first_response else None,
            "quality_score": quality.score if quality else None,
            "answered": quality.answered if quality else None,
            "manual_score": f.first_human.manual_score if f.first_human else None,
        }


def _ranking(companies: dict[str, Any]) -> list[str]:
    def key(slug: str) -> tuple[float, float, float, str]:
        c = companies[slug]
        score = c["score"]["value"]
        human = c["overall"]["human_response_rate"]
        median = c["overall"]["median_first_human_response_seconds"]
        return (
            -(score if score is not None else -1),
            -(human if human is not None else -1),
            median if median is not None else float("inf"),
            slug,
        )

    return sorted(companies, key=key)
