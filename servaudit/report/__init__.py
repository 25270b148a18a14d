"""The report: store → figures (metrics) → report data (report.json) → view objects → templates.

Gather, then render. ``ReportBuilder.data()`` holds every figure once; the
HTML pages, report.json, the CSV tables and `servaudit gate` all read that
same data, so they cannot disagree. Templates only lay out view objects
(formatted by the Locale in servaudit/i18n.py); every figure shown carries a
``data-key`` naming its place in report.json. Everything from a reply is
text to the templates: autoescaping is on and no reply HTML is rendered.
Channels come from the data, so a new channel shows up without a template change.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape
from markupsafe import Markup

from servaudit import message as mail
from servaudit.audit_store import open_store
from servaudit.channels.chat.transcript import read_bot_path, read_messages, summarise
from servaudit.config import CHANNEL_KEYS, Audit
from servaudit.errors import ConfigError
from servaudit.i18n import Locale
from servaudit.measure.businesshours import WEEKDAYS, BusinessWeek
from servaudit.measure.metrics import (
    AcknowledgementTraits,
    ChatObservation,
    Figures,
    InquiryFacts,
    MeasureContext,
    QualityLike,
    chat_online_by_time,
    consistency,
    figures,
    gather,
    rate,
    reachability_status,
    share_of_companies,
)
from servaudit.measure.scoring import Weights, channel_components, company_score
from servaudit.replies.acknowledgement import AcknowledgementReader
from servaudit.replies.classify import ACKNOWLEDGEMENT, AUTO_REPLY, BOT, UNKNOWN, Signals, Vocabulary, fold
from servaudit.report import charts
from servaudit.report import folder as report_folder
from servaudit.report.pagetext import page_text
from servaudit.resources import search_path
from servaudit.store import EvidenceRecord, MessageRecord, Store, now

REPORT_FORMAT = 1
"""report.json's format; raised only when a key changes meaning (keys are only ever added)."""
EXCERPT_CHARS = 1200
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
ENGLISH = Locale("en")


def evidence_href(relative: str) -> str:
    """Where a probe's evidence file lands in the report: evidence/files/<path in the audit's evidence/>."""
    return "evidence/files/" + relative.removeprefix("evidence/")


def duration(seconds: float | None) -> str:
    """'2 h 5 min', '45 s', '3 d 4 h'; '–' for no value (English; see Locale for German)."""
    return ENGLISH.duration(seconds)


def percent(part: int, whole: int) -> str:
    return ENGLISH.percent(rate(part, whole))


def moment(value: datetime | None) -> str:
    return "–" if value is None else value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text)


def business_week(audit: Audit) -> BusinessWeek:
    info = audit.config.audit
    hours = info.business_hours
    try:
        return BusinessWeek(
            days=hours.days,
            opens=time.fromisoformat(hours.opens),
            closes=None if hours.closes == "24:00" else time.fromisoformat(hours.closes),
            timezone=info.timezone,
            holidays=hours.holidays,
        )
    except ConfigError as exc:
        raise ConfigError(f"{audit.path}: audit.business_hours / audit.timezone: {exc}") from None


def channel_order(names: set[str]) -> list[str]:
    """Known channels in their usual order, then any other channel found in the data, by name."""
    known = [c for c in CHANNEL_KEYS if c in names]
    return known + sorted(names - set(known))


def load_quality(store: Store) -> dict[int, QualityLike]:
    """Automatic answer-quality scores from servaudit.replies.quality when that module is installed."""
    if importlib.util.find_spec("servaudit.replies.quality") is None:
        return {}
    module = importlib.import_module("servaudit.replies.quality")
    loader: Callable[[Store], dict[int, QualityLike]] | None = getattr(module, "load_quality", None)
    return loader(store) if loader else {}


def states(fact: Any, text: str) -> bool:
    """Whether folded reply text states a scenario fact, by quality.check_facts' rule: any of its
    phrases, or every one of its own words when it lists no phrases."""
    hits = fact.phrases.hits(text)
    return bool(hits) and (not fact.from_own_words or len(hits) == len(fact.phrases.phrases))


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
        self.quality = load_quality(store)
        self.weights = Weights.from_config(info.score)
        self.facts = gather(store.inquiries(), list(self.messages.values()), self.window)
        self.evidence: dict[str, list[EvidenceRecord]] = {}
        for record in store.evidence():
            self.evidence.setdefault(record.inquiry_id, []).append(record)
        # Gathering: what metrics need from evidence files and reply texts, as plain values.
        self.stated = self.stated_facts()
        self.context = MeasureContext(
            now=self.now,
            window=self.window,
            week=self.week if self.clock == "business" else None,
            timezone=info.timezone,
            quality=self.quality,
            chats=self.chat_observations(),
            acknowledgements=self.acknowledgement_traits(),
        )
        configured = {c for company in audit.config.companies.values() for c in company.channels}
        self.channels = channel_order(configured | {f.inquiry.channel for f in self.facts})

    def chat_observations(self) -> dict[str, ChatObservation]:
        """Each chat's transcript (evidence of kind 'transcript') summarised; unreadable ones are left out."""
        found: dict[str, ChatObservation] = {}
        for f in self.facts:
            records = [e for e in self.evidence.get(f.inquiry.id, []) if e.kind == "transcript"]
            path = self.audit.folder / records[0].path if records else None
            if path is None or not path.is_file():
                continue
            try:
                summary = summarise(read_messages(path))
                path_data = read_bot_path(path)
            except ConfigError:
                continue  # a damaged evidence file must not stop the report
            if summary.duration_seconds is None:
                continue  # the visitor never wrote: no chat took place
            company = self.audit.config.companies.get(f.inquiry.company)
            chat = company.chat if company else None
            found[f.inquiry.id] = ChatObservation(
                first_human_seconds=summary.first_human_seconds,
                duration_seconds=summary.duration_seconds,
                messages=summary.messages,
                waited_seconds=chat.wait_seconds if chat else None,
                bot_took_part=bool(path_data.get("bot_took_part")),
                bot_disclosed=bool(path_data.get("disclosed")),
                disclosure_turn=path_data.get("disclosure_turn"),
                human_after_turns=path_data.get("human_after_turns"),
                human_after_seconds=path_data.get("human_after_seconds"),
                asked_for_human=bool(path_data.get("asked_for_human")),
                bot_loops=int(path_data.get("bot_loops") or 0),
                data_before_help=tuple(path_data.get("data_before_help") or ()),
            )
        return found

    def acknowledgement_traits(self) -> dict[int, AcknowledgementTraits]:
        """What each inquiry's first acknowledgement offers (read from its text)."""
        reader: AcknowledgementReader | None = None
        found: dict[int, AcknowledgementTraits] = {}
        for f in self.facts:
            reply = f.first(ACKNOWLEDGEMENT)
            if reply is None:
                continue
            reader = reader or AcknowledgementReader.load(self.audit.folder)
            found[reply.message_id] = reader.traits(mail.parse(self.store.raw_message(reply.message_id)))
        return found

    def stated_facts(self) -> dict[int, frozenset[str]]:
        """Which scenario facts each first human answer states (quality.py's fact rule), by message id.

        Answers to a scenario without facts are left out: nothing to compare."""
        from servaudit.replies.quality import Fact, scenario_context

        vocabulary: Vocabulary | None = None
        found: dict[int, frozenset[str]] = {}
        for f in self.facts:
            human = f.first_human if f.delivered else None
            if human is None:
                continue
            facts = tuple(Fact.parse(text) for text in scenario_context(self.audit, f.inquiry.scenario)[1])
            if not facts:
                continue
            vocabulary = vocabulary or Vocabulary.load(self.audit.folder)
            signals = Signals(mail.parse(self.store.raw_message(human.message_id)), vocabulary)
            text = fold(signals.parts.new_text)
            found[human.message_id] = frozenset(fact.name for fact in facts if states(fact, text))
        return found

    def figures_for(self, facts: Sequence[InquiryFacts]) -> Figures:
        return figures(facts, self.context)

    def company_facts(self, slug: str, channel: str | None = None) -> list[InquiryFacts]:
        return [
            f
            for f in self.facts
            if f.inquiry.company == slug and (channel is None or f.inquiry.channel == channel)
        ]

    def data(self) -> dict[str, Any]:
        """Everything report.json holds (docs/report-json.md describes every key)."""
        config = self.audit.config
        info = config.audit
        companies: dict[str, Any] = {}
        for slug, company in config.companies.items():
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
                    channels[channel] = figs.as_dict()
                    parts[channel] = channel_components(mine, figs, reach[channel], self.context)
            companies[slug] = {
                "name": company.name,
                "page": f"companies/{safe_name(slug)}.html",
                "overall": self.figures_for(facts).as_dict(),
                "channels": channels,
                "reachability": reach,
                "score": company_score(parts, self.weights).as_dict(),
                "consistency": consistency(facts, self.stated),
            }
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
            "channels": {
                channel: self.figures_for([f for f in self.facts if f.inquiry.channel == channel]).as_dict()
                for channel in self.channels
                if any(f.inquiry.channel == channel for f in self.facts)
            },
            "send_times": self.send_times(),
            "chat_online": chat_online_by_time(self.facts, self.week.zone),
            "inquiries": [self.inquiry_data(f) for f in self.facts],
        }

    def summary(self, companies: dict[str, Any]) -> dict[str, Any]:
        tried = [c for c in companies.values() if c["overall"]["delivered"]]
        reach = [status for c in companies.values() for status in c["reachability"].values()]
        return {
            "companies": len(companies),
            "overall": self.figures_for(self.facts).as_dict(),
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


# -- view objects: display values for the templates ---------------------------------------

KIND_BY_SUFFIX = (
    ("_seconds", "duration"),
    ("_rate", "percent"),
    ("_rate_low", "percent"),
    ("_rate_high", "percent"),
    ("share_of_delivered", "percent"),
    ("share_of_answered", "percent"),
    ("share", "percent"),
    ("score", "score"),
    ("value", "score"),
    ("low", "percent"),
    ("high", "percent"),
)


def kind_of(key: str, value: Any) -> str:
    last = key.rsplit(".", 1)[-1]
    for suffix, kind in KIND_BY_SUFFIX:
        if last.endswith(suffix):
            return kind
    if isinstance(value, bool | str) or value is None:
        return "text"
    return "int" if isinstance(value, int) else "number"


@dataclass(frozen=True)
class Fig:
    """One figure as shown: its path in report.json, how it is formatted, and the text."""

    key: str
    kind: str
    text: str
    value: Any


class FigureView:
    """Figures of one group, formatted on access: ``v["human_response_rate"]`` → Fig."""

    def __init__(self, prefix: str, data: dict[str, Any], locale: Locale) -> None:
        self.prefix = prefix
        self.data = data
        self.locale = locale

    def __getitem__(self, key: str) -> Fig:
        value: Any = self.data
        for part in key.split("."):
            value = value[part]
        kind = kind_of(key, value)
        return Fig(f"{self.prefix}.{key}", kind, self.locale.format(kind, value), value)

    def raw(self, key: str) -> Any:
        return self[key].value


@dataclass(frozen=True)
class ReplyView:
    arrived: str
    after: str
    sender: str
    subject: str
    label: str
    label_text: str
    auto_label: str | None
    manual_label: str | None
    reasons: tuple[str, ...]
    match_method: str
    excerpt: str
    evidence: str
    quality: Any
    """The quality helper's score of this reply (rendered by partials/reply_quality.html), or None."""
    manual_score: str


@dataclass(frozen=True)
class EvidenceView:
    kind: str
    caption: str
    href: str
    is_image: bool


@dataclass(frozen=True)
class StepView:
    """One step of an inquiry's timeline: sent → acknowledged → answered."""

    kind: str
    text: str
    when: str
    after: str


@dataclass(frozen=True)
class InquiryView:
    id: str
    channel: str
    channel_text: str
    scenario: str
    target: str
    subject: str
    state: str
    state_text: str
    outcome: str | None
    detail: str
    sent: str
    figures: FigureView
    evidence: str | None
    files: tuple[EvidenceView, ...]
    timeline: tuple[StepView, ...]
    replies: tuple[ReplyView, ...]
    transcript: Any


@dataclass(frozen=True)
class ChannelView:
    channel: str
    name: str
    figures: FigureView
    reachability: str
    reachability_text: str
    score: Fig | None

    @property
    def has_chat(self) -> bool:
        """Whether the channel's data holds chats or chat attempts (the chat table shows it)."""
        return bool(self.figures.data.get("chats") or self.figures.data.get("chat_online", {}).get("of"))


@dataclass(frozen=True)
class ConsistencyView:
    """One company and scenario compared across channels: the facts each channel's answer states."""

    company: str
    company_name: str
    scenario: str
    consistent: bool
    channels: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class ChatOnlineView:
    """Chat online by weekday and hour: the weekdays, and the hours that saw attempts."""

    figures: FigureView
    weekdays: tuple[tuple[str, str], ...]
    hours: tuple[str, ...]


@dataclass(frozen=True)
class CompanyView:
    slug: str
    name: str
    page: str
    rank: int
    overall: FigureView
    score: FigureView
    channels: tuple[ChannelView, ...]
    inquiries: tuple[InquiryView, ...]
    charts: dict[str, Markup]
    matrix: tuple[tuple[str, str], ...]
    """(status, text) per channel of the audit, in the report's channel order."""
    consistency: FigureView
    consistency_cases: tuple[ConsistencyView, ...]


class Views:
    """Turns the report data into view objects in one language."""

    def __init__(self, builder: ReportBuilder, data: dict[str, Any], locale: Locale) -> None:
        self.builder = builder
        self.data = data
        self.locale = locale
        self.transcripts = _transcript_loader()

    def channel_views(self, prefix: str, group: dict[str, Any], slug: str | None) -> tuple[ChannelView, ...]:
        views = []
        for channel, figs in group.items():
            status = self.data["companies"][slug]["reachability"][channel] if slug else ""
            score = None
            if slug and channel in self.data["companies"][slug]["score"]["channels"]:
                score = FigureView(
                    f"companies.{slug}.score.channels.{channel}",
                    self.data["companies"][slug]["score"]["channels"][channel],
                    self.locale,
                )["score"]
            views.append(
                ChannelView(
                    channel=channel,
                    name=self.locale.t_channel(channel),
                    figures=FigureView(f"{prefix}.{channel}", figs, self.locale),
                    reachability=status,
                    reachability_text=self.locale.t_or(f"reach.{status}", status) if status else "",
                    score=score,
                )
            )
        return tuple(views)

    def companies(self) -> list[CompanyView]:
        views = []
        for slug, c in self.data["companies"].items():
            prefix = f"companies.{slug}"
            views.append(
                CompanyView(
                    slug=slug,
                    name=c["name"],
                    page=c["page"],
                    rank=c["rank"],
                    overall=FigureView(f"{prefix}.overall", c["overall"], self.locale),
                    score=FigureView(f"{prefix}.score", c["score"], self.locale),
                    channels=self.channel_views(f"{prefix}.channels", c["channels"], slug),
                    inquiries=tuple(
                        self.inquiry_view(f, index)
                        for index, f in enumerate(self.builder.facts)
                        if f.inquiry.company == slug
                    ),
                    charts=self.company_charts(c),
                    matrix=tuple(
                        (status, self.locale.t_or(f"reach.{status}", status))
                        for status in c["reachability"].values()
                    ),
                    consistency=FigureView(f"{prefix}.consistency", c["consistency"], self.locale),
                    consistency_cases=self.consistency_cases(c["consistency"]),
                )
            )
        return sorted(views, key=lambda v: v.rank)

    def consistency_cases(self, found: dict[str, Any]) -> tuple[ConsistencyView, ...]:
        return tuple(
            ConsistencyView(
                company=case["company"],
                company_name=self.data["companies"].get(case["company"], {}).get("name", case["company"]),
                scenario=case["scenario"],
                consistent=case["consistent"],
                channels=tuple(
                    (self.locale.t_channel(channel), tuple(facts))
                    for channel, facts in case["channels"].items()
                ),
            )
            for case in found["cases"]
        )

    def chat_online(self) -> ChatOnlineView | None:
        found = self.data["chat_online"]
        if not any(v["of"] for v in found["weekday"].values()):
            return None
        return ChatOnlineView(
            figures=FigureView("chat_online", found, self.locale),
            weekdays=tuple((day, self.locale.t(f"weekday.{day}")) for day in found["weekday"]),
            hours=tuple(hour for hour, v in found["hour"].items() if v["of"]),
        )

    def per_channel(self, companies: Sequence[CompanyView]) -> list[tuple[str, str, list[Any]]]:
        """Per channel with data: (key, name, [(company, its ChannelView)]) in ranking order."""
        found = []
        for channel in self.data["channels"]:
            rows = [(c, ch) for c in companies for ch in c.channels if ch.channel == channel]
            found.append((channel, self.locale.t_channel(channel), rows))
        return found

    def company_charts(self, c: dict[str, Any]) -> dict[str, Markup]:
        found: dict[str, Markup] = {}
        groups = [
            (self.locale.t_channel(ch), figs) for ch, figs in c["channels"].items() if figs["delivered"]
        ]
        if groups:
            window = self.builder.window.total_seconds()
            found["curve"] = charts.answered_over_time(
                [(name, figs["answered_curve"]) for name, figs in groups], window, self.locale
            )
            found["distribution"] = charts.distribution(groups, self.locale)
        return found

    def index_charts(self, companies: Sequence[CompanyView]) -> dict[str, Markup]:
        found: dict[str, Markup] = {}
        tried = [c for c in companies if c.overall.raw("delivered")]
        if tried:
            found["distribution"] = charts.distribution(
                [(c.name, c.overall.data) for c in tried], self.locale
            )
            found["curve"] = charts.answered_over_time(
                [(c.name, c.overall.data["answered_curve"]) for c in tried],
                self.builder.window.total_seconds(),
                self.locale,
            )
            channels = list(self.data["channels"])
            found["channels"] = charts.channel_matrix(
                [
                    (
                        c.name,
                        {
                            ch: self.data["companies"][c.slug]["channels"]
                            .get(ch, {})
                            .get("human_response_rate")
                            for ch in channels
                        },
                    )
                    for c in companies
                ],
                channels,
                self.locale,
            )
        if any(self.data["send_times"]["weekday"].values()):
            found["send_times"] = charts.send_times(
                [(self.locale.t(f"weekday.{d}"), n) for d, n in self.data["send_times"]["weekday"].items()],
                self.locale,
            )
        return found

    def inquiry_view(self, f: InquiryFacts, index: int) -> InquiryView:
        inquiry = f.inquiry
        locale = self.locale
        builder = self.builder
        clock = builder.context.clock
        replies = []
        for reply in f.replies:
            record = builder.messages[reply.message_id]
            replies.append(self.reply_view(record, f))
        # Matched but outside the response window: shown, not counted.
        counted = {r.message_id for r in f.replies}
        for record in builder.messages_by_inquiry.get(inquiry.id, ()):
            if record.id not in counted:
                replies.append(self.reply_view(record, f, outside=True))
        steps = [StepView("sent", locale.t("timeline.sent"), locale.moment(inquiry.sent_at), "")]
        acknowledgement = f.first(ACKNOWLEDGEMENT, AUTO_REPLY, BOT)
        if acknowledgement is not None:
            steps.append(
                StepView(
                    "acknowledged",
                    locale.t("timeline.acknowledged"),
                    locale.moment(acknowledgement.arrived_at),
                    locale.duration(f.seconds_to(acknowledgement, clock)),
                )
            )
        if f.first_human is not None:
            steps.append(
                StepView(
                    "answered",
                    locale.t("timeline.answered"),
                    locale.moment(f.first_human.arrived_at),
                    locale.duration(f.seconds_to(f.first_human, clock)),
                )
            )
        elif f.delivered:
            steps.append(StepView("waiting", locale.t("timeline.no_answer"), "", ""))
        state = "bounced" if f.bounced else inquiry.state
        return InquiryView(
            id=inquiry.id,
            channel=inquiry.channel,
            channel_text=locale.t_channel(inquiry.channel),
            scenario=inquiry.scenario,
            target=inquiry.target,
            subject=inquiry.subject or "",
            state=state,
            state_text=locale.t_or(f"state.{state}", state),
            outcome=inquiry.outcome,
            detail=inquiry.detail or "",
            sent=locale.moment(inquiry.sent_at),
            figures=FigureView(f"inquiries.{index}", self.data["inquiries"][index], locale),
            evidence=f"evidence/{safe_name(inquiry.id)}.sent.eml" if inquiry.channel == "email" else None,
            files=tuple(
                EvidenceView(
                    e.kind,
                    e.caption,
                    evidence_href(e.path),
                    e.path.lower().endswith(IMAGE_SUFFIXES),
                )
                for e in builder.evidence.get(inquiry.id, [])
            ),
            timeline=tuple(steps),
            replies=tuple(replies),
            transcript=self.transcripts(builder, inquiry.id) if self.transcripts else None,
        )

    def reply_view(self, record: MessageRecord, f: InquiryFacts, outside: bool = False) -> ReplyView:
        locale = self.locale
        builder = self.builder
        parsed = mail.parse(builder.store.raw_message(record.id))
        label = record.manual_label or record.label or "unclassified"
        excerpt = mail.new_text(mail.body_text(parsed)) or mail.body_text(parsed)
        after = None
        if f.inquiry.sent_at is not None:
            after = builder.context.clock(f.inquiry.sent_at, record.arrived_at)
        manual_score = getattr(record, "manual_score", None)
        return ReplyView(
            arrived=locale.moment(record.arrived_at),
            after=locale.duration(after) + (" " + locale.t("reply.outside_window") if outside else ""),
            sender=record.from_addr or "",
            subject=record.subject or "",
            label=label,
            label_text=locale.t_or(f"label.{label}", label),
            auto_label=record.label,
            manual_label=record.manual_label,
            reasons=record.reasons,
            match_method=record.match_method or "",
            excerpt=excerpt[:EXCERPT_CHARS],
            evidence=f"evidence/message-{record.id}.eml",
            quality=builder.quality.get(record.id),
            manual_score=locale.number(manual_score, 0) if manual_score is not None else "",
        )


def _transcript_loader() -> Callable[[ReportBuilder, str], Any] | None:
    """The chat transcript loader (channels.chat.transcript.load_transcript), when it exists."""
    for module_name, function in (("servaudit.channels.chat.transcript", "load_transcript"),):
        if importlib.util.find_spec(module_name) is None:
            continue
        loader = getattr(importlib.import_module(module_name), function, None)
        if loader is not None:
            return lambda builder, inquiry_id: _load_transcript(loader, builder, inquiry_id)
    return None


def _load_transcript(loader: Callable[..., Any], builder: ReportBuilder, inquiry_id: str) -> Any:
    records = [e for e in builder.evidence.get(inquiry_id, []) if e.kind == "transcript"]
    if not records:
        return None
    path = builder.audit.folder / records[0].path
    return loader(path) if path.is_file() else None


# -- rendering -------------------------------------------------------------------------


def environment(audit_folder: Path | None) -> Environment:
    env = Environment(
        loader=FileSystemLoader([str(p) for p in search_path("report_templates", audit_folder)]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=page_text,
    )
    return env


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
    from servaudit.report import exports

    info = audit.config.audit
    locale = Locale(language or info.language, info.timezone, audit.folder)
    store = open_store(audit)
    try:
        builder = ReportBuilder(audit, store, generated_at, clock)
        data = builder.data()
        views = Views(builder, data, locale)
        companies = views.companies()
        total = len(companies) + 3
        step = on_step or (lambda _text, _done, _total: None)
        report_folder.prepare(out)
        (out / "companies").mkdir(parents=True, exist_ok=True)
        evidence = out / "evidence"
        evidence.mkdir(exist_ok=True)
        step("evidence", 0, total)
        withheld = write_evidence(store, evidence, audit.folder)
        env = environment(audit.folder)
        env.globals.update(t=locale.t, t_or=locale.t_or, t_channel=locale.t_channel, lang=locale.language)
        # Partials other modules ship (quality, transcripts, discovery): used when they exist.
        env.globals["partials"] = {
            name for name in ("reachability", "transcript", "reply_quality") if _has_template(env, name)
        }
        clock_name = builder.clock
        common = {
            "audit": info,
            "generated": locale.moment(builder.now),
            "window": locale.duration(builder.window.total_seconds()),
            "clock": clock_name,
            "method": methodology(builder, locale),
            "channels": [(c, locale.t_channel(c)) for c in builder.channels],
        }
        step("index.html", 1, total)
        index = out / "index.html"
        _write_page(
            index,
            env.get_template("index.html").render(
                **common,
                root="",
                companies=companies,
                summary=FigureView("summary", data["summary"], locale),
                totals=views.channel_views("channels", data["channels"], None),
                charts=views.index_charts(companies),
                per_channel=views.per_channel(companies),
                reachability=_reachability(audit, store),
                consistency=FigureView("summary.consistency", data["summary"]["consistency"], locale),
                cases=views.consistency_cases(data["summary"]["consistency"]),
                chat_online=views.chat_online(),
            ),
        )
        pages = [index]
        page = env.get_template("company.html")
        for done, company in enumerate(companies, start=2):
            step(company.page, done, total)
            target = out / company.page
            _write_page(target, page.render(**common, root="../", company=company))
            pages.append(target)
        step("report.json, CSV", total - 1, total)
        json_path = out / "report.json"
        report_folder.write_bytes(json_path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())
        csv_paths = exports.write_csv(data, out / "csv")
    finally:
        store.close()
    pdfs: list[Path] = []
    if pdf:
        step("PDF", total, total)
        pdfs = exports.write_pdfs(pages, info.chromium)
    report_folder.finish(out)
    return ReportResult(index, pages, json_path, csv_paths, pdfs, withheld)


def _write_page(target: Path, html: str) -> None:
    report_folder.write_bytes(target, html.encode("utf-8"))


def report_data(audit: Audit, clock: str | None = None) -> dict[str, Any]:
    """report.json's content, computed from the store without writing anything (used by `gate`)."""
    store = open_store(audit)
    try:
        return ReportBuilder(audit, store, clock=clock).data()
    finally:
        store.close()


def write_report(audit: Audit, out: Path, language: str | None = None) -> Path:
    """Write the report; return index.html (the library entry used by demo and tests)."""
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


def _reachability(audit: Audit, store: Store) -> Any:
    """The discovery helper's reachability matrix (servaudit.measure.reachability), when it exists."""
    if importlib.util.find_spec("servaudit.measure.reachability") is None:
        return None
    function = getattr(importlib.import_module("servaudit.measure.reachability"), "reachability", None)
    return function(audit, store) if function else None


def write_evidence(store: Store, folder: Path, audit_folder: Path) -> list[str]:
    """Mail is written from the store's bytes; probe files are copied only when their SHA-256 still
    matches the store's. Returns the evidence withheld (missing or changed)."""
    withheld = []
    for item in store.evidence():
        target = folder.parent / evidence_href(item.path)
        if target.exists() or target.is_symlink():
            continue  # the same file recorded twice
        if not report_folder.copy_verified(audit_folder / item.path, target, item.sha256):
            withheld.append(item.path)
    for inquiry in store.inquiries():
        raw = store.sent_raw(inquiry.id)
        if raw:
            report_folder.write_bytes(folder / f"{safe_name(inquiry.id)}.sent.eml", raw)
    for record in store.messages():
        report_folder.write_bytes(folder / f"message-{record.id}.eml", store.raw_message(record.id))
    return withheld
