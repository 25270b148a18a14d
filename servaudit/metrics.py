"""Metrics: pure functions from the store's facts to figures. No I/O here.

Rules from METRICS.md that shape the code: the clock starts when the inquiry
was delivered and ends at the server's arrival time of the reply; a bounce
means the inquiry was never delivered; replies after the response window do
not count; an inquiry without an answer is never a zero in an average (the
time figures are over answered inquiries, and their n is given).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from servaudit.classify import ACKNOWLEDGEMENT, AUTO_REPLY, BOUNCE, DEFLECTION, HUMAN
from servaudit.store import REJECTED, SENT, InquiryRecord, MessageRecord
from servaudit.timing import in_window, seconds_between


@dataclass(frozen=True)
class Reply:
    message_id: int
    arrived_at: datetime
    label: str
    """The class in force: a consultant's manual grade wins over the automatic one."""
    auto_label: str | None
    manual_label: str | None


@dataclass(frozen=True)
class InquiryFacts:
    inquiry: InquiryRecord
    replies: tuple[Reply, ...]
    """Matched replies inside the response window, in arrival order."""

    @property
    def bounced(self) -> bool:
        return any(r.label == BOUNCE for r in self.replies)

    @property
    def delivered(self) -> bool:
        return self.inquiry.state == SENT and not self.bounced

    def first(self, *labels: str) -> Reply | None:
        return next((r for r in self.replies if not labels or r.label in labels), None)

    def seconds_to(self, reply: Reply | None) -> float | None:
        return seconds_between(self.inquiry.sent_at, reply.arrived_at if reply else None)

    @property
    def first_response(self) -> Reply | None:
        return next((r for r in self.replies if r.label != BOUNCE), None)

    @property
    def first_human(self) -> Reply | None:
        return self.first(HUMAN)


def gather(
    inquiries: Sequence[InquiryRecord], messages: Sequence[MessageRecord], window: timedelta
) -> list[InquiryFacts]:
    """Join inquiries with their matched replies, dropping replies outside the window."""
    by_inquiry: dict[str, list[Reply]] = {}
    sent_at = {i.id: i.sent_at for i in inquiries}
    for m in messages:
        if not in_window(sent_at.get(m.inquiry_id or ""), m.arrived_at, window):
            continue
        label = m.manual_label or m.label or HUMAN
        by_inquiry.setdefault(m.inquiry_id or "", []).append(
            Reply(m.id, m.arrived_at, label, m.label, m.manual_label)
        )
    return [
        InquiryFacts(i, tuple(sorted(by_inquiry.get(i.id, []), key=lambda r: r.arrived_at)))
        for i in inquiries
    ]


@dataclass(frozen=True)
class Figures:
    """The figures for one group of inquiries (a company's channel, a company, a channel)."""

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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def median(values: Iterable[float]) -> float | None:
    data = list(values)
    return statistics.median(data) if data else None


def mean(values: Iterable[float]) -> float | None:
    data = list(values)
    return statistics.fmean(data) if data else None


def figures(facts: Sequence[InquiryFacts], now: datetime, window: timedelta) -> Figures:
    delivered = [f for f in facts if f.delivered]
    first_any = [s for f in delivered if (s := f.seconds_to(f.first_response)) is not None]
    first_human = [s for f in delivered if (s := f.seconds_to(f.first_human)) is not None]
    open_window = [
        f
        for f in delivered
        if f.first_human is None and f.inquiry.sent_at is not None and now < f.inquiry.sent_at + window
    ]
    return Figures(
        inquiries=len(facts),
        sent=sum(1 for f in facts if f.inquiry.state == SENT),
        delivered=len(delivered),
        rejected=sum(1 for f in facts if f.inquiry.state == REJECTED),
        bounced=sum(1 for f in facts if f.bounced),
        responded=len(first_any),
        human_responded=len(first_human),
        acknowledged=sum(1 for f in delivered if f.first(ACKNOWLEDGEMENT)),
        auto_replied=sum(1 for f in delivered if f.first(AUTO_REPLY)),
        deflected=sum(1 for f in delivered if f.first(DEFLECTION)),
        window_open=len(open_window),
        median_first_response_seconds=median(first_any),
        median_first_human_response_seconds=median(first_human),
        mean_first_human_response_seconds=mean(first_human),
        fastest_first_human_response_seconds=min(first_human, default=None),
        slowest_first_human_response_seconds=max(first_human, default=None),
        outcome=latest.inquiry.outcome if (latest := _latest_with_outcome(facts)) else None,
        outcomes=dict(Counter(f.inquiry.outcome for f in facts if f.inquiry.outcome)),
    )


def _latest_with_outcome(facts: Sequence[InquiryFacts]) -> InquiryFacts | None:
    with_outcome = [f for f in facts if f.inquiry.outcome]
    return max(with_outcome, key=lambda f: f.inquiry.created_at) if with_outcome else None


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None
