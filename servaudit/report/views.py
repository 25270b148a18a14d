"""Views: the report data turned into view objects in one language (viewmodels.py), page by page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from servaudit import channels as registry
from servaudit.i18n import Locale
from servaudit.labels import ACKNOWLEDGEMENT, AUTO_REPLY, BOT
from servaudit.measure.facts import InquiryFacts
from servaudit.report import charts
from servaudit.report.data import IMAGE_SUFFIXES, ReportBuilder, evidence_href, safe_name
from servaudit.report.viewmodels import (
    ChannelView,
    ChatOnlineView,
    CompanyView,
    ConsistencyView,
    EvidenceView,
    FigureView,
    InquiryView,
    ReplyView,
    StepView,
)
from servaudit.store import MessageRecord


class Views:
    """Turns the report data into view objects in one language."""

    def __init__(self, builder: ReportBuilder, data: dict[str, Any], locale: Locale) -> None:
        self.builder = builder
        self.data = data
        self.locale = locale

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

    def companies(self, detail: bool = True) -> list[CompanyView]:
        """Every company's view in ranking order; ``detail=False`` leaves out what only its own page
        shows (inquiries, charts): the index's rows, cheap at study size."""
        views = [self.company(slug, detail) for slug in self.data["companies"]]
        return sorted(views, key=lambda v: v.rank)

    def company(self, slug: str, detail: bool = True) -> CompanyView:
        c = self.data["companies"][slug]
        prefix = f"companies.{slug}"
        return CompanyView(
            slug=slug,
            name=c["name"],
            page=c["page"],
            rank=c["rank"],
            overall=FigureView(f"{prefix}.overall", c["overall"], self.locale),
            score=FigureView(f"{prefix}.score", c["score"], self.locale),
            channels=self.channel_views(f"{prefix}.channels", c["channels"], slug),
            inquiries=tuple(
                self.inquiry_view(self.builder.facts[index], index)
                for index in (self.builder.by_company.get(slug, ()) if detail else ())
            ),
            charts=self.company_charts(c) if detail else {},
            matrix=tuple(
                (status, self.locale.t_or(f"reach.{status}", status)) for status in c["reachability"].values()
            ),
            consistency=FigureView(f"{prefix}.consistency", c["consistency"], self.locale),
            consistency_cases=self.consistency_cases(c["consistency"]),
        )

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

    def index_charts(self, companies: Sequence[CompanyView], per_company: bool = True) -> dict[str, Markup]:
        """The index's charts; ``per_company=False`` leaves out those with a bar or line per company."""
        found: dict[str, Markup] = {}
        tried = [c for c in companies if c.overall.raw("delivered")] if per_company else []
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
            evidence=f"evidence/{safe_name(inquiry.id)}.sent.eml" if _sends_mail(inquiry.channel) else None,
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
            transcript=builder.transcripts.get(inquiry.id),
        )

    def sender(self, sender: str | None, label: str) -> str:
        """Who wrote a reply, as a reply's header line says it: an address as it is, a chat's display
        name ("Jana", "Max from Support") as a role: agents' names stay in the evidence (the
        transcript, the .eml), never in what the report sums up (ESOMAR/MSPA)."""
        if not sender or "@" in sender:
            return sender or ""
        return self.locale.t("reply.bot" if label == BOT else "reply.agent")

    def reply_view(self, record: MessageRecord, f: InquiryFacts, outside: bool = False) -> ReplyView:
        locale = self.locale
        builder = self.builder
        label = record.manual_label or record.label or "unclassified"
        judgement = builder.judgements.get(record.id)
        after = None
        if f.inquiry.sent_at is not None:
            after = builder.context.clock(f.inquiry.sent_at, record.arrived_at)
        manual_score = getattr(record, "manual_score", None)
        return ReplyView(
            arrived=locale.moment(record.arrived_at),
            after=locale.duration(after) + (" " + locale.t("reply.outside_window") if outside else ""),
            sender=self.sender(record.from_addr, label),
            subject=record.subject or "",
            label=label,
            label_text=locale.t_or(f"label.{label}", label),
            auto_label=record.label,
            manual_label=record.manual_label,
            reasons=record.reasons,
            match_method=record.match_method or "",
            excerpt=judgement.excerpt if judgement else "",
            evidence=f"evidence/message-{record.id}.eml",
            quality=builder.quality.get(record.id),
            manual_score=locale.number(manual_score, 0) if manual_score is not None else "",
        )


def _sends_mail(channel: str) -> bool:
    """Whether an inquiry over ``channel`` is an e-mail, kept as a .sent.eml beside the report."""
    spec = registry.spec(channel) if channel in registry.names() else None
    return bool(spec and spec.target_is_address)
