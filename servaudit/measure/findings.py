"""Findings per group of inquiries (a company, a channel): promises kept or broken, refusals of the
channel, support-mail hygiene, each with its evidence (pure).

Reads only what judging stored (servaudit.judgement.MailFindings per message) and the inquiries'
facts. A promise is the first one an automatic reply (acknowledgement or auto-reply) makes; it is
due counted from that reply's arrival: hours on the calendar, or on the business clock where it
says business hours; days as working days where it says business days (the audit's business
week: ``servaudit.businesshours``), else calendar days; a deadline date at the end of that day in
the audit's time zone. Then:

- kept: the first human answer came by the due moment;
- broken: it came later, or none came and the due moment has passed;
- pending: no human answer yet and the due moment has not passed.

"Acknowledged but never answered": an acknowledged inquiry without a human answer inside the
response window, counted once the window has closed (ECC Handel 2008: 1 in 8).

Chats (what the chat's transcript told, servaudit.judgement.ChatObservation): a bot that took part
without saying it is automated is an indication under AI Act Art. 50 (1), counted for chats held on
or after the article's date of application (2 August 2026, Art. 113 of Regulation (EU) 2024/1689);
a bot chat in which no person was reached is the way to a human not found. A chat agent's turns are
read for language and register like an e-mail answer (``other_language``, ``informal_address``).

The findings registry (``FINDINGS``) names every finding a report section and the gate know;
a later measure (discover's reachability checks, accessibility) adds its own entries beside.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from servaudit.businesshours import BusinessWeek, calendar_seconds
from servaudit.judgement import ChatObservation, MailFindings, Promise
from servaudit.labels import ACKNOWLEDGEMENT, AUTO_REPLY, DEFLECTION, HUMAN, MARKETING
from servaudit.measure.facts import NOT_A_RESPONSE, InquiryFacts, Reply
from servaudit.measure.stats import part_of

AUTOMATIC = (ACKNOWLEDGEMENT, AUTO_REPLY)
"""Classes of reply whose promise and whose refusal of the channel count."""
REFUSING = (ACKNOWLEDGEMENT, AUTO_REPLY, DEFLECTION)
"""A refusal of the channel counts in an automatic reply or a deflection (often judged one)."""


@dataclass(frozen=True)
class Finding:
    """One kind of finding: its key in report.json, what kind it is, and the norm it may touch."""

    key: str
    kind: str
    """promise, reachability (a legal-risk indication), hygiene or accessibility."""
    norm: str | None = None
    """The norm an indication cites (REFERENCES.md); None for hygiene and promises."""


FINDINGS: dict[str, Finding] = {
    f.key: f
    for f in (
        Finding("promise_broken", "promise"),
        Finding("acknowledged_never_answered", "promise"),
        Finding("refuses_channel", "reachability", "§ 5 (1) Nr. 2 DDG (formerly § 5 TMG)"),
        Finding("noreply_sender", "hygiene"),
        Finding("reply_to_differs", "hygiene"),
        Finding("authentication_failed", "hygiene"),
        Finding("tracking_pixel", "hygiene"),
        Finding("tracked_links", "hygiene"),
        Finding("other_language", "hygiene"),
        Finding("informal_address", "hygiene"),
        Finding("chat_bot_undisclosed", "reachability", "AI Act Art. 50 (1)"),
        Finding("chat_no_human", "chat"),
        # Read from the company's site by `servaudit discover` (servaudit/measure/legal.py).
        Finding("imprint_missing", "reachability", "§ 5 (1) DDG"),
        Finding("imprint_without_email", "reachability", "§ 5 (1) Nr. 2 DDG"),
        Finding("costly_hotline", "reachability", "§ 312a (5) BGB (since 13 Jun 2014)"),
        Finding("costly_hotline_listed", "reachability", "§ 312a (5) BGB (since 13 Jun 2014)"),
        Finding(
            "stale_odr_link", "reachability", "Regulation (EU) 2024/3228 (ODR platform closed 20 Jul 2025)"
        ),
        Finding("cancellation_button_missing", "reachability", "§ 312k BGB (since 1 Jul 2022)"),
        # servaudit/measure/accessibility.py; BFSG § 3 with EN 301 549 (WCAG 2.1 AA) as its standard
        Finding("wcag_failed", "accessibility", "BFSG"),
        Finding("keyboard_barrier", "accessibility", "BFSG"),
        Finding("captcha_only", "accessibility", "BFSG"),
    )
}
"""Every finding, by key: the report's section, the CSV export and the gate read counts by these keys."""

HYGIENE = tuple(key for key, f in FINDINGS.items() if f.kind == "hygiene")
AI_ACT_ART_50_APPLIES = datetime(2026, 8, 2, tzinfo=UTC)
"""AI Act Art. 50 applies from 2 August 2026 (Regulation (EU) 2024/1689, Art. 113): a chat held
earlier owed no disclosure yet (REFERENCES.md)."""


def due(promise: Promise, start: datetime, week: BusinessWeek) -> datetime | None:
    """When a promise made at ``start`` falls due; None when it gives no time servaudit can count."""
    zone = week.zone
    if promise.deadline:
        day = date.fromisoformat(promise.deadline)
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    if promise.days is not None:
        if not promise.business:
            return start + timedelta(days=promise.days)
        # The end of the n-th working day after the one the promise was made on.
        day, counted = start.astimezone(zone).date(), 0
        for _ in range(400):
            day += timedelta(days=1)
            if week.is_working_day(day):
                counted += 1
                if counted >= promise.days:
                    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        return None
    if promise.hours is None:
        return None
    if not promise.business:
        return start + timedelta(hours=promise.hours)
    return _after_business_seconds(start, promise.hours * 3600, week)


def _after_business_seconds(start: datetime, seconds: float, week: BusinessWeek) -> datetime | None:
    day = start.astimezone(week.zone).date()
    left = seconds
    for _ in range(400):
        hours = week.hours_of(day)
        if hours is not None:
            lo, hi = max(hours[0], start), hours[1]
            if hi > lo:
                span = calendar_seconds(lo, hi)
                if span >= left:
                    return lo + timedelta(seconds=left)
                left -= span
        day += timedelta(days=1)
    return None


@dataclass(frozen=True)
class PromiseOutcome:
    inquiry_id: str
    message_id: int
    phrase: str
    status: str
    """kept, broken or pending."""
    due: datetime | None


def promise_outcome(
    f: InquiryFacts, findings: Mapping[int, MailFindings], week: BusinessWeek, now: datetime
) -> PromiseOutcome | None:
    """The first promise an automatic reply to ``f`` made, and whether the first human answer kept it."""
    made = next(
        (
            (r, found.promise)
            for r in f.replies
            if r.label in AUTOMATIC and (found := findings.get(r.message_id)) and found.promise
        ),
        None,
    )
    if made is None:
        return None
    reply, promise = made
    deadline = due(promise, reply.arrived_at, week)
    human = f.first_human
    if deadline is None:
        status = "pending" if human is None else "kept"
    elif human is not None:
        status = "kept" if human.arrived_at <= deadline else "broken"
    else:
        status = "broken" if now > deadline else "pending"
    return PromiseOutcome(f.inquiry.id, reply.message_id, promise.phrase, status, deadline)


def _hits(found: MailFindings, label: str) -> dict[str, str]:
    """The hygiene findings of one reply: key → what was found (the evidence's detail)."""
    hits: dict[str, str] = {}
    if found.noreply_sender:
        hits["noreply_sender"] = ""  # the finding's title says it; the .eml shows the sender
    if found.reply_to:
        hits["reply_to_differs"] = found.reply_to
    if found.authentication_failed:
        hits["authentication_failed"] = ", ".join(found.authentication_failed)
    if found.tracking_pixels:
        hits["tracking_pixel"] = ", ".join(found.tracking_pixels)
    if found.tracked_links:
        hits["tracked_links"] = ", ".join(found.tracked_links)
    if label == HUMAN and found.language:
        hits["other_language"] = found.language
    if label == HUMAN and found.informal:
        hits["informal_address"] = ", ".join(found.informal)
    return hits


def _evidence(key: str, f: InquiryFacts, reply: Reply | None, detail: str) -> dict[str, Any]:
    """One finding's evidence: the reply it was read from, or (``reply`` None) the chat's transcript."""
    return {
        "finding": key,
        "inquiry_id": f.inquiry.id,
        "channel": f.inquiry.channel,
        "message_id": reply.message_id if reply is not None else None,
        "detail": detail,
    }


def _chat_findings(f: InquiryFacts, chat: ChatObservation) -> dict[str, str]:
    """The chat findings of one chat: key → what was found (the evidence's detail)."""
    hits: dict[str, str] = {}
    held = f.inquiry.sent_at or f.inquiry.created_at
    if chat.bot_took_part and not chat.bot_disclosed and held >= AI_ACT_ART_50_APPLIES:
        hits["chat_bot_undisclosed"] = ""
    if chat.bot_took_part and chat.human_after_turns is None:
        hits["chat_no_human"] = ""  # the transcript shows the way tried
    return hits


def findings_figures(
    facts: Sequence[InquiryFacts],
    findings: Mapping[int, MailFindings],
    week: BusinessWeek,
    now: datetime,
    window: timedelta,
    chats: Mapping[str, ChatObservation] | None = None,
) -> dict[str, Any]:
    """Promises, indications and hygiene counted over ``facts``, with one evidence item per finding;
    ``chats``: each chat inquiry's observation (inquiry id → what its transcript told)."""
    evidence: list[dict[str, Any]] = []
    outcomes = [o for f in facts if (o := promise_outcome(f, findings, week, now)) is not None]
    by_id = {f.inquiry.id: f for f in facts}
    for o in outcomes:
        if o.status == "broken":
            f = by_id[o.inquiry_id]
            reply = next(r for r in f.replies if r.message_id == o.message_id)
            evidence.append(_evidence("promise_broken", f, reply, o.phrase))
    acknowledged = [f for f in facts if f.delivered and f.first(ACKNOWLEDGEMENT) is not None]
    closed = [f for f in acknowledged if f.inquiry.sent_at is not None and f.inquiry.sent_at + window <= now]
    never = [f for f in closed if f.first_human is None]
    for f in never:
        first = f.first(ACKNOWLEDGEMENT)
        assert first is not None
        evidence.append(_evidence("acknowledged_never_answered", f, first, ""))
    refusing = 0
    hygiene = dict.fromkeys(HYGIENE, 0)
    replies = authenticated = 0
    for f in facts:
        refused = False
        for reply in f.replies:
            found = findings.get(reply.message_id)
            if found is None or reply.label in NOT_A_RESPONSE or reply.label == MARKETING:
                continue
            if reply.label in REFUSING and found.refuses_channel and not refused:
                refused = True
                evidence.append(_evidence("refuses_channel", f, reply, found.refuses_channel))
            replies += 1
            authenticated += bool(found.authentication)
            for key, detail in _hits(found, reply.label).items():
                hygiene[key] += 1
                evidence.append(_evidence(key, f, reply, detail))
        refusing += refused
    observed = chats or {}
    chat_counts = {key: 0 for key, f in FINDINGS.items() if key.startswith("chat_")}
    chats_checked = 0
    for f in facts:
        chat = observed.get(f.inquiry.id)
        if chat is None:
            continue
        chats_checked += 1
        for key, detail in _chat_findings(f, chat).items():
            chat_counts[key] += 1
            evidence.append(_evidence(key, f, None, detail))
    counts = {
        "promise_broken": sum(1 for o in outcomes if o.status == "broken"),
        "acknowledged_never_answered": len(never),
        "refuses_channel": refusing,
        **hygiene,
        **chat_counts,
    }
    return {
        "promises": {
            "made": len(outcomes),
            "kept": sum(1 for o in outcomes if o.status == "kept"),
            "broken": counts["promise_broken"],
            "pending": sum(1 for o in outcomes if o.status == "pending"),
            "kept_rate": part_of(
                sum(1 for o in outcomes if o.status == "kept"),
                sum(1 for o in outcomes if o.status != "pending"),
            ),
        },
        "acknowledged_never_answered": part_of(len(never), len(closed)),
        "refuses_channel": refusing,
        "replies_checked": replies,
        "chats_checked": chats_checked,
        "authentication_recorded": authenticated,
        "hygiene": hygiene,
        "counts": counts,
        "total": sum(counts.values()),
        "evidence": evidence,
    }
