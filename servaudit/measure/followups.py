"""Reminders and follow-ups as figures: answered only after a reminder, resolved after a follow-up (pure).

- **answered only after a reminder**: of the delivered inquiries whose scenario declares a
  reminder, those whose first human answer
  arrived after their reminder was sent (a reply to the reminder is matched to its inquiry, so
  the time to the first human answer still runs from the inquiry's delivery).
- **resolved after a follow-up**: of the inquiries whose first human answer did not answer fully
  (the quality check against the scenario's facts) and that were followed up, those whose
  follow-up got a human answer that did. An e-mail or form inquiry's follow-up is an inquiry of its
  own (kind ``followup``); a chat's follow-ups are its further messages in the session, so there
  a later human turn that answers fully resolves it.

Every share comes with its count and denominator (``part_of``: 95% Wilson interval).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from servaudit.labels import FOLLOWUP, HUMAN, REMINDER
from servaudit.measure.facts import InquiryFacts
from servaudit.measure.figures import QualityLike
from servaudit.measure.stats import part_of
from servaudit.store import SENT

FULLY = "fully"


def _answered_fully(reply_id: int | None, quality: Mapping[int, QualityLike]) -> bool:
    score = quality.get(reply_id) if reply_id is not None else None
    return score is not None and score.answered == FULLY


def reminder_and_followup_figures(
    facts: Sequence[InquiryFacts],
    children: Sequence[InquiryFacts],
    quality: Mapping[int, QualityLike],
    reminding: Iterable[str] = (),
    in_session: Iterable[str] = (),
    followed_in_session: Iterable[str] = (),
) -> dict[str, Any]:
    """Both figures over ``facts`` (planned inquiries); ``children`` are the reminders and follow-ups
    with their own replies; ``reminding``: the inquiries (ids) whose scenario declares a reminder
    (the first figure's denominator: delivered ones of them); ``in_session``: the channels whose
    follow-ups are chat messages in the session, ``followed_in_session``: the inquiries (ids) whose
    scenario asks such follow-ups."""
    sessions, followed, remind = set(in_session), set(followed_in_session), set(reminding)
    reminders = {c.inquiry.parent_id: c for c in children if c.inquiry.kind == REMINDER}
    followups = {c.inquiry.parent_id: c for c in children if c.inquiry.kind == FOLLOWUP}
    delivered = [f for f in facts if f.delivered]
    could_be_reminded = sum(1 for f in delivered if f.inquiry.id in remind)
    reminded = after_reminder = 0
    incomplete = resolved = 0
    for f in delivered:
        reminder = reminders.get(f.inquiry.id)
        if reminder is not None and reminder.inquiry.state == SENT and reminder.inquiry.sent_at:
            reminded += 1
            first = f.first_human
            if first is not None and first.arrived_at > reminder.inquiry.sent_at:
                after_reminder += 1
        first = f.first_human
        if first is None or _answered_fully(first.message_id, quality):
            continue
        if f.inquiry.channel in sessions:
            if f.inquiry.id not in followed:
                continue
            later = [r for r in f.replies if r.label == HUMAN and r.arrived_at > first.arrived_at]
        else:
            followup = followups.get(f.inquiry.id)
            if followup is None or followup.inquiry.state != SENT:
                continue
            later = [r for r in followup.replies if r.label == HUMAN]
        incomplete += 1
        if any(_answered_fully(r.message_id, quality) for r in later):
            resolved += 1
    return {
        "reminders_sent": reminded,
        "answered_only_after_reminder": part_of(after_reminder, could_be_reminded),
        "answered_after_reminder_of_reminded": part_of(after_reminder, reminded),
        "resolved_after_followup": part_of(resolved, incomplete),
    }
