"""The store's facts of an inquiry: its matched replies inside the response window (pure).

A bounce means the inquiry was never delivered; replies after the response window do not
count; a reply not judged yet counts as ``unknown``, never silently as a person's answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from servaudit.businesshours import calendar_seconds
from servaudit.labels import (
    BOUNCE,
    HUMAN,
    MARKETING,
    SYSTEM,
    THREAD,
)
from servaudit.labels import UNKNOWN as UNKNOWN_LABEL
from servaudit.store import SENT, InquiryRecord, MessageRecord
from servaudit.timing import in_window

NOT_A_RESPONSE = frozenset({BOUNCE, SYSTEM, MARKETING})
"""No response to an inquiry: a delivery failure, a chat system notice, a newsletter."""

Clock = Callable[[datetime, datetime], float]


@dataclass(frozen=True)
class Reply:
    message_id: int
    arrived_at: datetime
    label: str
    """The class in force: a consultant's manual grade wins over the automatic one."""
    auto_label: str | None
    manual_label: str | None
    manual_score: float | None = None


@dataclass(frozen=True)
class InquiryFacts:
    inquiry: InquiryRecord
    replies: tuple[Reply, ...]
    """Matched replies inside the response window, in arrival order."""

    @cached_property  # asked for many times per figure; the facts never change
    def bounced(self) -> bool:
        return any(r.label == BOUNCE for r in self.replies)

    @cached_property
    def delivered(self) -> bool:
        return self.inquiry.state == SENT and not self.bounced

    def first(self, *labels: str) -> Reply | None:
        return next((r for r in self.replies if not labels or r.label in labels), None)

    def seconds_to(self, reply: Reply | None, clock: Clock = calendar_seconds) -> float | None:
        if reply is None or self.inquiry.sent_at is None:
            return None
        return clock(self.inquiry.sent_at, reply.arrived_at)

    @cached_property
    def first_response(self) -> Reply | None:
        return next((r for r in self.replies if r.label not in NOT_A_RESPONSE), None)

    @cached_property
    def first_human(self) -> Reply | None:
        return self.first(HUMAN)


def gather(
    inquiries: Sequence[InquiryRecord], messages: Sequence[MessageRecord], window: timedelta
) -> list[InquiryFacts]:
    """Join inquiries with their matched replies, dropping replies outside the window."""
    by_inquiry: dict[str, list[Reply]] = {}
    sent_at = {i.id: i.sent_at for i in inquiries}
    for m in messages:
        resolution = getattr(m, "arrival_resolution", 0.0)
        threaded = m.match_method == THREAD
        if not in_window(sent_at.get(m.inquiry_id or ""), m.arrived_at, window, resolution, threaded):
            continue
        # Not yet judged counts as no answer, like ``unknown``: never silently as a person's.
        label = m.manual_label or m.label or UNKNOWN_LABEL
        manual_score = getattr(m, "manual_score", None)  # provided by the quality helper's store
        by_inquiry.setdefault(m.inquiry_id or "", []).append(
            Reply(m.id, m.arrived_at, label, m.label, m.manual_label, manual_score)
        )
    return [
        InquiryFacts(i, tuple(sorted(by_inquiry.get(i.id, []), key=lambda r: r.arrived_at)))
        for i in inquiries
    ]
