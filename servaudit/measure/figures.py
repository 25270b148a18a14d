"""Figures: pure functions from the store's facts to figures (METRICS.md). No I/O here.

Rules from METRICS.md that shape the code: the clock starts when the inquiry
was delivered and ends at the server's arrival time of the reply; a bounce
means the inquiry was never delivered; replies after the response window do
not count; an inquiry without an answer is never a zero in an average (the
time figures are over answered inquiries, and their n is given) and is
censored, not dropped, in the "answered by time t" curve. Rates come with
95% Wilson intervals. Only a person's answer ("human") is an answer: chat
"bot" messages count as a response of some kind, "system" notices (an
agent joined, the chat ended) and bounces do not count at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Protocol

from servaudit.businesshours import BusinessWeek, calendar_seconds, calendar_working_days
from servaudit.judgement import AcknowledgementTraits, ChatObservation
from servaudit.labels import (
    ACKNOWLEDGEMENT,
    AUTO_REPLY,
    BOT,
    DEFLECTION,
)
from servaudit.measure.acknowledgements import acknowledgement_figures, answered_elsewhere
from servaudit.measure.chat import chat_bot_path, chat_online, no_human_within
from servaudit.measure.facts import NOT_A_RESPONSE, InquiryFacts
from servaudit.measure.stats import answered_curve, mean, median, part_of, percentile, rate, wilson
from servaudit.store import REJECTED, SENT

THRESHOLDS: tuple[tuple[str, float], ...] = (
    ("5min", 5 * 60),
    ("15min", 15 * 60),
    ("1h", 3600),
    ("4h", 4 * 3600),
    ("24h", 24 * 3600),
    ("48h", 48 * 3600),
    ("7d", 7 * 86400),
)
"""The 'share answered within' thresholds of METRICS.md, by stable key."""
WORKING_DAYS = (("same", 0), ("next", 1), ("two", 2))


class QualityLike(Protocol):
    """What the quality helper's score per message provides (servaudit.judgement.QualityScore)."""

    @property
    def score(self) -> float: ...

    @property
    def answered(self) -> str: ...


@dataclass(frozen=True)
class MeasureContext:
    """How figures are measured: the moment of the report, the window and the clock."""

    now: datetime
    window: timedelta
    week: BusinessWeek | None = None
    """Business hours; None measures calendar time."""
    timezone: str = "UTC"
    quality: Mapping[int, QualityLike] = field(default_factory=dict)
    """Automatic quality scores by message row id (from the quality helper), if any."""
    chats: Mapping[str, ChatObservation] = field(default_factory=dict)
    """What each chat's transcript says, by inquiry id (loaded by the report's gathering step)."""
    acknowledgements: Mapping[int, AcknowledgementTraits] = field(default_factory=dict)
    """What each acknowledgement's text offers, by message row id."""
    measured: dict[int, tuple[InquiryFacts, Measured]] = field(
        init=False, default_factory=dict, compare=False, repr=False
    )
    """Each delivered inquiry's own figures on this context's clock, by id() of its facts (kept
    beside them, so the id stays theirs): a report measures an inquiry for its channel, its company,
    the channel's total and the summary, and the clock is the costly part."""

    def clock(self, start: datetime, end: datetime) -> float:
        return self.week.seconds(start, end) if self.week else calendar_seconds(start, end)

    def working_days(self, start: datetime, end: datetime) -> int:
        if self.week:
            return self.week.working_days_between(start, end)
        return calendar_working_days(start, end, self.timezone)


@dataclass(frozen=True)
class Measured:
    """One delivered inquiry's own figures, which the figures of every group it is in add up."""

    first_response_seconds: float | None
    first_human_seconds: float | None
    observation: tuple[float, bool]
    working_days: int | None
    quality: QualityLike | None
    acknowledged: bool
    auto_replied: bool
    deflected: bool
    acknowledged_without_human: bool
    bot_only: bool
    answered_elsewhere: bool


def measured(f: InquiryFacts, context: MeasureContext) -> Measured:
    """A delivered inquiry's figures, measured once per context."""
    known = context.measured.get(id(f))
    if known is not None and known[0] is f:
        return known[1]
    clock = context.clock
    human = f.first_human
    sent = f.inquiry.sent_at
    result = Measured(
        first_response_seconds=f.seconds_to(f.first_response, clock),
        first_human_seconds=f.seconds_to(human, clock),
        observation=observation(f, context),
        working_days=context.working_days(sent, human.arrived_at)
        if human is not None and sent is not None
        else None,
        quality=_quality(f, context.quality),
        acknowledged=f.first(ACKNOWLEDGEMENT) is not None,
        auto_replied=f.first(AUTO_REPLY) is not None,
        deflected=f.first(DEFLECTION) is not None,
        acknowledged_without_human=f.first(ACKNOWLEDGEMENT, AUTO_REPLY) is not None and human is None,
        bot_only=f.first(BOT) is not None and all(r.label in NOT_A_RESPONSE | {BOT} for r in f.replies),
        answered_elsewhere=answered_elsewhere(f),
    )
    context.measured[id(f)] = (f, result)
    return result


@dataclass(frozen=True)
class Figures:
    """The figures for one group of inquiries (a company's channel, a company, a channel).

    Every key is part of report.json's documented format (docs/report-json.md): add, never rename.
    Times are seconds on the report's clock (calendar or business hours).
    """

    inquiries: int
    sent: int
    delivered: int
    rejected: int
    bounced: int
    responded: int
    human_responded: int
    acknowledged: int
    auto_replied: int
    deflected: int
    window_open: int
    """Delivered, not answered by a person yet, and still inside the response window."""
    median_first_response_seconds: float | None
    median_first_human_response_seconds: float | None
    mean_first_human_response_seconds: float | None
    fastest_first_human_response_seconds: float | None
    slowest_first_human_response_seconds: float | None
    outcome: str | None
    """The channel's own result word of the latest inquiry (form: submitted, blocked, …); None for e-mail."""
    outcomes: dict[str, int]
    """How often each channel result word occurred."""
    response_rate: float | None = None
    response_rate_low: float | None = None
    response_rate_high: float | None = None
    human_response_rate: float | None = None
    human_response_rate_low: float | None = None
    human_response_rate_high: float | None = None
    mean_first_response_seconds: float | None = None
    p90_first_response_seconds: float | None = None
    fastest_first_response_seconds: float | None = None
    slowest_first_response_seconds: float | None = None
    p90_first_human_response_seconds: float | None = None
    acknowledged_without_human: int = 0
    bot_only: int = 0
    """Delivered inquiries whose only responses came from a chat bot."""
    answered_within: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Threshold key ('1h') → count, share_of_delivered, share_of_answered (first human answer)."""
    answered_within_working_days: dict[str, dict[str, Any]] = field(default_factory=dict)
    """'same' / 'next' / 'two' working days → count, share_of_delivered, share_of_answered."""
    answered_curve: list[tuple[float, float]] = field(default_factory=list)
    """Kaplan–Meier steps (seconds, share answered by a person by then); unanswered censored."""
    censored: int = 0
    """Delivered inquiries without a human answer: censored in the curve, not zeros."""
    quality_n: int = 0
    mean_quality_score: float | None = None
    mean_manual_score: float | None = None
    answered_fully: int = 0
    answered_partly: int = 0
    answered_not: int = 0
    accuracy_rate: float | None = None
    """Eptica's accuracy: first human answers stating every scenario fact / delivered inquiries
    (questions asked); None when no quality scores exist at all."""
    accuracy_rate_low: float | None = None
    accuracy_rate_high: float | None = None
    acknowledgement_rate: float | None = None
    """Delivered inquiries that got an automatic acknowledgement / delivered."""
    acknowledgement_rate_low: float | None = None
    acknowledgement_rate_high: float | None = None
    acknowledgements: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Of the acknowledged inquiries (first acknowledgement): 'states_response_time',
    'reference_number', 'offers_alternatives', 'without_human' → count, of, share, low, high."""
    answered_elsewhere: int = 0
    """Delivered inquiries answered with a request to use another channel (a deflection reply,
    or a chat that ended 'redirected')."""
    answered_elsewhere_rate: float | None = None
    answered_elsewhere_rate_low: float | None = None
    answered_elsewhere_rate_high: float | None = None
    chats: int = 0
    """Delivered chats with a transcript."""
    chat_no_human_5min: dict[str, Any] = field(default_factory=dict)
    """Chats without a human message within 5 minutes: count, of (chats where that can be told),
    share, low, high."""
    median_chat_duration_seconds: float | None = None
    mean_chat_duration_seconds: float | None = None
    median_chat_messages: float | None = None
    mean_chat_messages: float | None = None
    chat_online: dict[str, Any] = field(default_factory=dict)
    chat_bot: dict[str, Any] = field(default_factory=dict)
    """The way to a human behind a bot, over the chats with a transcript (see chat_bot_path)."""
    """Chat attempts that found the widget online: count, of (attempts whose page loaded),
    share, low, high."""

    def as_dict(self, fresh: bool = True) -> dict[str, Any]:
        """What dataclasses.asdict gives (fresh dicts and lists, the curve's points as lists), without
        its deep copy of every number: that was most of the report data's time at study size.
        ``fresh=False`` hands over the figures' own dicts and lists, uncopied: for a caller that made
        these figures for this one dict (the report's data; 55 ms of copies at 500 companies)."""
        if not fresh:
            data = {name: getattr(self, name) for name in _FIGURE_FIELDS}
            data["answered_curve"] = [list(point) for point in self.answered_curve]
            return data
        data = {name: _plain(getattr(self, name)) for name in _FIGURE_FIELDS}
        data["answered_curve"] = [list(point) for point in self.answered_curve]
        return data


_FIGURE_FIELDS = tuple(f.name for f in fields(Figures))


def _plain(value: Any) -> Any:
    """A copy of the dicts and lists in a figure (its numbers, strings and None are immutable)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _shares(count: int, delivered: int, answered: int) -> dict[str, Any]:
    return {
        "count": count,
        "share_of_delivered": rate(count, delivered),
        "share_of_answered": rate(count, answered),
    }


def figures(
    facts: Sequence[InquiryFacts], context: MeasureContext | datetime, window: timedelta | None = None
) -> Figures:
    """The figures of a group of inquiries; ``figures(facts, now, window)`` measures calendar time."""
    if isinstance(context, datetime):
        context = MeasureContext(now=context, window=window or timedelta(days=14))
    delivered = [f for f in facts if f.delivered]
    each = [measured(f, context) for f in delivered]
    first_any = [s for m in each if (s := m.first_response_seconds) is not None]
    first_human = [s for m in each if (s := m.first_human_seconds) is not None]
    open_window = [
        f
        for f in delivered
        if f.first_human is None
        and f.inquiry.sent_at is not None
        and context.now < f.inquiry.sent_at + context.window
    ]
    observations = [m.observation for m in each]
    working_days = [days for m in each if (days := m.working_days) is not None]
    human_ci = wilson(len(first_human), len(delivered))
    any_ci = wilson(len(first_any), len(delivered))
    scores = [q for m in each if (q := m.quality) is not None]
    manual = [r.manual_score for f in delivered if (r := f.first_human) and r.manual_score is not None]
    answered_words = Counter(q.answered for q in scores)
    correct = answered_words.get("fully", 0)
    accuracy_ci = wilson(correct, len(delivered)) if context.quality else None
    acknowledged = [f for f, m in zip(delivered, each, strict=True) if m.acknowledged]
    acknowledgement_ci = wilson(len(acknowledged), len(delivered))
    elsewhere = sum(1 for m in each if m.answered_elsewhere)
    elsewhere_ci = wilson(elsewhere, len(delivered))
    chats = [c for f in delivered if (c := context.chats.get(f.inquiry.id)) is not None]
    no_human = [flag for c in chats if (flag := no_human_within(c)) is not None]
    return Figures(
        inquiries=len(facts),
        sent=sum(1 for f in facts if f.inquiry.state == SENT),
        delivered=len(delivered),
        rejected=sum(1 for f in facts if f.inquiry.state == REJECTED),
        bounced=sum(1 for f in facts if f.bounced),
        responded=len(first_any),
        human_responded=len(first_human),
        acknowledged=len(acknowledged),
        auto_replied=sum(1 for m in each if m.auto_replied),
        deflected=sum(1 for m in each if m.deflected),
        window_open=len(open_window),
        median_first_response_seconds=median(first_any),
        median_first_human_response_seconds=median(first_human),
        mean_first_human_response_seconds=mean(first_human),
        fastest_first_human_response_seconds=min(first_human, default=None),
        slowest_first_human_response_seconds=max(first_human, default=None),
        outcome=latest.inquiry.outcome if (latest := _latest_with_outcome(facts)) else None,
        outcomes=dict(Counter(f.inquiry.outcome for f in facts if f.inquiry.outcome)),
        response_rate=rate(len(first_any), len(delivered)),
        response_rate_low=any_ci[0] if any_ci else None,
        response_rate_high=any_ci[1] if any_ci else None,
        human_response_rate=rate(len(first_human), len(delivered)),
        human_response_rate_low=human_ci[0] if human_ci else None,
        human_response_rate_high=human_ci[1] if human_ci else None,
        mean_first_response_seconds=mean(first_any),
        p90_first_response_seconds=percentile(first_any, 0.9),
        fastest_first_response_seconds=min(first_any, default=None),
        slowest_first_response_seconds=max(first_any, default=None),
        p90_first_human_response_seconds=percentile(first_human, 0.9),
        acknowledged_without_human=sum(1 for m in each if m.acknowledged_without_human),
        bot_only=sum(1 for m in each if m.bot_only),
        answered_within={
            key: _shares(sum(1 for s in first_human if s <= limit), len(delivered), len(first_human))
            for key, limit in THRESHOLDS
        },
        answered_within_working_days={
            key: _shares(sum(1 for d in working_days if d <= days), len(delivered), len(first_human))
            for key, days in WORKING_DAYS
        },
        answered_curve=answered_curve(observations),
        censored=sum(1 for _, answered in observations if not answered),
        quality_n=len(scores),
        mean_quality_score=mean(q.score for q in scores),
        mean_manual_score=mean(manual),
        answered_fully=answered_words.get("fully", 0),
        answered_partly=answered_words.get("partly", 0),
        answered_not=answered_words.get("not", 0),
        accuracy_rate=rate(correct, len(delivered)) if context.quality else None,
        accuracy_rate_low=accuracy_ci[0] if accuracy_ci else None,
        accuracy_rate_high=accuracy_ci[1] if accuracy_ci else None,
        acknowledgement_rate=rate(len(acknowledged), len(delivered)),
        acknowledgement_rate_low=acknowledgement_ci[0] if acknowledgement_ci else None,
        acknowledgement_rate_high=acknowledgement_ci[1] if acknowledgement_ci else None,
        acknowledgements=acknowledgement_figures(acknowledged, context.acknowledgements),
        answered_elsewhere=elsewhere,
        answered_elsewhere_rate=rate(elsewhere, len(delivered)),
        answered_elsewhere_rate_low=elsewhere_ci[0] if elsewhere_ci else None,
        answered_elsewhere_rate_high=elsewhere_ci[1] if elsewhere_ci else None,
        chats=len(chats),
        chat_no_human_5min=part_of(sum(no_human), len(no_human)),
        median_chat_duration_seconds=median(d for c in chats if (d := c.duration_seconds) is not None),
        mean_chat_duration_seconds=mean(d for c in chats if (d := c.duration_seconds) is not None),
        median_chat_messages=median(c.messages for c in chats),
        mean_chat_messages=mean(c.messages for c in chats),
        chat_online=chat_online(facts),
        chat_bot=chat_bot_path(chats),
    )


def observation(f: InquiryFacts, context: MeasureContext) -> tuple[float, bool]:
    """(time, answered): the time to the first human answer, or how long it was watched without one
    (censored at the window's end, or now while it is open). Also the input of measure/compare.py."""
    sent = f.inquiry.sent_at
    assert sent is not None  # delivered inquiries have a send time
    human = f.first_human
    if human is not None:
        return context.clock(sent, human.arrived_at), True
    return context.clock(sent, min(sent + context.window, max(context.now, sent))), False


def _quality(f: InquiryFacts, quality: Mapping[int, QualityLike]) -> QualityLike | None:
    human = f.first_human
    return quality.get(human.message_id) if human is not None else None


def _latest_with_outcome(facts: Sequence[InquiryFacts]) -> InquiryFacts | None:
    with_outcome = [f for f in facts if f.inquiry.outcome]
    return max(with_outcome, key=lambda f: f.inquiry.created_at) if with_outcome else None


# -- reachability ------------------------------------------------------------------

WORKING, OFFERED, MISSING, CHANNEL_FAILED, UNKNOWN = "working", "offered", "missing", "failed", "unknown"


def reachability_status(facts: Sequence[InquiryFacts], offered: bool) -> str:
    """One channel of one company: working (an inquiry was delivered), failed (every try was refused,
    bounced or failed), offered (listed, nothing tried yet), missing (not offered), unknown (only
    pending or uncertain sends)."""
    if not facts:
        return OFFERED if offered else MISSING
    if any(f.delivered for f in facts):
        return WORKING
    if any(f.inquiry.state in (SENT, REJECTED) for f in facts):
        return CHANNEL_FAILED
    return UNKNOWN
