"""Reminders and follow-ups: which are due now, decided from the store, and how each is written.

A **reminder** goes to an e-mail or form inquiry that no person answered within the scenario's
``reminder.after_business_hours`` of its delivery, counted on the audit's business hours (held
while a reply of class ``unknown`` awaits a consultant's grade, and never after a deflection). A
**follow-up** (``followup.body``, a clarifying question) answers the company's first human answer.
Both are inquiries of their own (kind ``reminder``/``followup``, ``parent_id`` the inquiry), with
the stable ids ``<parent>.reminder1`` and ``<parent>.followup1``: the engine claims them in the store
before the send like any planned inquiry, so neither is ever sent twice.

What counts is what the store knows at ``timing.now()``: a reply that has not arrived by then does
not exist yet; a consultant's grade wins over the classifier's label (a reply graded human stops the
reminder and calls for the follow-up).

Threading. A reminder to an e-mail inquiry is ``Re: <subject>`` with In-Reply-To/References the
inquiry's Message-ID. A form inquiry has no Message-ID and the company may publish no address, so
its reminder goes through the form again (``Re: <subject>``, the reminder text): the channel the
study measures, the one way of contact the company offered. A follow-up is always an e-mail reply to
the company's human answer (In-Reply-To its Message-ID, References its thread, sent to its Reply-To
or From address), for forms too, whose answers come by e-mail. Chats remind and follow up inside the
open session instead (see the README, "Reminders and follow-ups").

Collect matches a reply to the reminder as the inquiry's own answer (replies/match.py), so the time
to the first human answer is still measured from the inquiry's delivery; a reply to a follow-up is
the follow-up's answer, and measure/followups.py compares it with the first one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from servaudit import channels as registry
from servaudit import message as mail
from servaudit.businesshours import business_week
from servaudit.channels.email import SPEC as EMAIL
from servaudit.config import Audit
from servaudit.labels import BOUNCE, FOLLOWUP, HUMAN, HUMAN_WRITTEN, PLANNED, REMINDER, UNKNOWN
from servaudit.plan import Inquiry
from servaudit.replies.vocabulary import Vocabulary, is_noreply
from servaudit.store import SENT, InquiryRecord, MessageRecord, Store
from servaudit.timing import now

if TYPE_CHECKING:
    from servaudit.channels.base import Composed, ProbeContext


def child_id(parent_id: str, kind: str) -> str:
    """The stable id of a parent's reminder or follow-up: the same parent always gives the same id."""
    return f"{parent_id}.{kind}1"


@dataclass(frozen=True)
class Due:
    """A reminder or follow-up to send now, with what threads it to its parent."""

    inquiry: Inquiry
    subject: str
    body: str
    in_reply_to: str | None = None
    """The Message-ID answered; None: sent through the parent's own channel again (a form)."""
    references: tuple[str, ...] = ()
    withheld: str | None = None
    """Why it is never to be sent (the answer came from an address that says it is not read): the
    agenda refuses it and `run` records the refusal, so it is not due again."""


def due(audit: Audit, store: Store, channels: Iterable[str] | None = None) -> list[Due]:
    """The reminders and follow-ups due now, in the order of their parents."""
    if not any(s.reminder or s.followup for s in audit.config.scenarios.values()):
        return []  # every `run` and `plan` asks: no need to read the store's messages for nothing
    wanted = set(channels) if channels is not None else None
    moment = now()
    week = business_week(audit)
    records = store.inquiries()
    known = {record.id for record in records}
    arrived: dict[str, list[MessageRecord]] = {}
    for message in store.messages():
        if message.inquiry_id and message.arrived_at <= moment:
            arrived.setdefault(message.inquiry_id, []).append(message)
    found: list[Due] = []
    vocabulary: list[Vocabulary] = []  # read once, and only when a follow-up is due
    for parent in records:
        if parent.kind != PLANNED or parent.state != SENT or parent.sent_at is None:
            continue
        if wanted is not None and parent.channel not in wanted:
            continue
        if registry.spec(parent.channel).replies != "mailbox":
            continue  # a chat reminds and follows up inside its session
        scenario = audit.config.scenarios.get(parent.scenario)
        if scenario is None:
            continue
        replies = sorted(arrived.get(parent.id, ()), key=lambda m: m.arrived_at)
        if any(_label(m) == BOUNCE for m in replies):
            continue  # never delivered: nobody to remind
        human = next((m for m in replies if _label(m) == HUMAN), None)
        # No reminder once a person wrote (a deflection too: "please call us" is no silence), nor
        # while a reply awaits a consultant's grade: it may be a person's answer.
        held = any(_label(m) in HUMAN_WRITTEN or _label(m) == UNKNOWN for m in replies)
        reminder = scenario.reminder
        waited = week.seconds(parent.sent_at, moment) if reminder and not held else 0.0
        new = child_id(parent.id, REMINDER) not in known
        if reminder and new and waited >= reminder.after_business_hours * 3600:
            found.append(_reminder(parent, reminder.body))
        followup = scenario.followup
        if followup and human is not None and child_id(parent.id, FOLLOWUP) not in known:
            vocabulary = vocabulary or [Vocabulary.load(audit.folder)]
            answer = _followup(store, parent, human, followup.body, vocabulary[0])
            if answer is not None:
                found.append(answer)
    return found


def _label(message: MessageRecord) -> str | None:
    return message.manual_label or message.label


def _child_of(parent: Inquiry, kind: str) -> Inquiry:
    return replace(parent, id=child_id(parent.id, kind), kind=kind, parent_id=parent.id)


def _child(parent: InquiryRecord, kind: str, channel: str, target: str) -> Inquiry:
    return Inquiry(
        child_id(parent.id, kind),
        parent.company,
        channel,
        parent.scenario,
        parent.wave,
        target,
        kind=kind,
        parent_id=parent.id,
    )


def _reminder(parent: InquiryRecord, body: str) -> Due:
    inquiry = _child(parent, REMINDER, parent.channel, parent.target)
    subject = parent.subject or ""
    if parent.message_id:
        return Due(inquiry, subject, body, parent.message_id, (parent.message_id,))
    return Due(inquiry, subject, body)


def _followup(
    store: Store, parent: InquiryRecord, answer: MessageRecord, body: str, vocabulary: Vocabulary
) -> Due | None:
    """A reply to the company's answer, to its Reply-To (else From); None when it names no address or id.

    An address that says it is not read (no-reply, do-not-reply, …) is not written to: the follow-up
    is withheld with that reason instead (a question to a dead letter box measures nothing and
    burdens a mail server for no one)."""
    parsed = mail.parse(store.raw_message(answer.id))
    address = next(iter(mail.addresses(parsed, "Reply-To") or mail.addresses(parsed, "From")), None)
    answered = answer.header_message_id
    if not address or not answered:
        return None
    thread = mail.MESSAGE_ID.findall(mail.header(parsed, "References"))
    if not thread and parent.message_id:
        thread = [parent.message_id]
    subject = mail.header(parsed, "Subject") or parent.subject or ""
    inquiry = _child(parent, FOLLOWUP, EMAIL.name, address)
    withheld = None
    if is_noreply(address, vocabulary):
        withheld = f"not sent: the company answered from {address}, an address that says it is not read"
    return Due(inquiry, subject, body, answered, tuple(thread), withheld)


def compose(item: Due, context: ProbeContext) -> Composed:
    """What to send: an e-mail in the thread, or the parent channel's own message (a form's) with the text."""
    from servaudit.channels.base import fill_placeholders
    from servaudit.channels.email.thread import compose_in_thread, reply_subject

    if item.in_reply_to is not None:
        return compose_in_thread(
            item.inquiry, context, item.subject, item.body, item.in_reply_to, item.references
        )
    composed = registry.probe(item.inquiry.channel).compose(item.inquiry, context)
    company = context.config.companies[item.inquiry.company]
    body = fill_placeholders(item.body, context.config.persona, company.name)
    return replace(composed, subject=reply_subject(item.subject), body=body)


def record_session_reminder(store: Store, parent: Inquiry, composed: Composed, at: datetime) -> None:
    """A chat's nudge, sent inside the session the parent's claim covered, kept as its reminder.

    The session ran once under the parent's claim, so the nudge was sent at most once; it is stored
    after the fact (claimed and finished at once) so the figures read chat reminders like e-mail ones.
    """
    inquiry = _child_of(parent, REMINDER)
    fields = {
        "id": inquiry.id,
        **{name: getattr(inquiry, name) for name in ("company", "channel", "scenario", "wave", "target")},
        **{"kind": REMINDER, "parent_id": parent.id, "sender": composed.sender, "subject": composed.subject},
    }
    attempt = store.claim(fields)
    if attempt is not None:
        store.finish(inquiry.id, attempt, SENT, "sent in the chat session: no person answered in time", at)
