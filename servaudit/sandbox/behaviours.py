"""What each behaviour sends in answer to an inquiry, when, and with which headers."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, parsedate_to_datetime
from typing import cast

from servaudit.sandbox import replies
from servaudit.sandbox.dsn import build_dsn
from servaudit.sandbox.fleet import FINDINGS_BEHAVIOURS, SandboxCompany

BOUNCE_DELAY_SECONDS = 1.0


@dataclass(frozen=True)
class Inbound:
    """An inquiry as the simulated company received it, reduced to what its replies need."""

    message: EmailMessage
    message_id: str | None
    subject: str
    sender_name: str
    sender_address: str
    reply_name: str
    reply_address: str
    envelope_sender: str
    received_at: datetime
    in_reply_to: str | None = None
    """Set when the message answers an earlier one: a reminder or a follow-up in a thread."""

    @classmethod
    def parse(cls, raw: bytes, envelope_sender: str, received_at: datetime) -> Inbound:
        message = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
        sender_name, sender_address = _first_address(message, "From")
        reply_to_name, reply_to = _first_address(message, "Reply-To")
        message_id = (message.get("Message-ID") or "").strip() or None
        return cls(
            message=message,
            message_id=message_id,
            subject=str(message.get("Subject") or ""),
            sender_name=sender_name,
            sender_address=sender_address or envelope_sender,
            reply_name=reply_to_name if reply_to else sender_name,
            reply_address=reply_to or sender_address or envelope_sender,
            envelope_sender=envelope_sender,
            received_at=received_at,
            in_reply_to=(message.get("In-Reply-To") or "").strip() or None,
        )

    @property
    def in_thread(self) -> bool:
        """A reminder or follow-up: it answers an earlier message, or (a form sent again) says ``Re:``."""
        return self.in_reply_to is not None or replies.is_reply(self.subject)

    def sent_at(self) -> datetime:
        """The inquiry's Date as written by the sender, for the quote line; receipt time if unusable."""
        try:
            sent = parsedate_to_datetime(str(self.message["Date"]))
        except (TypeError, ValueError):
            return self.received_at
        return sent if sent.tzinfo else sent.replace(tzinfo=UTC)

    def text(self) -> str:
        """The plain text of the inquiry (tags dropped if it came as HTML only)."""
        body = self.message.get_body(preferencelist=("plain", "html"))
        if body is None:
            return ""
        try:
            content = body.get_content()
        except (LookupError, ValueError):
            return ""
        if body.get_content_subtype() == "html":
            content = re.sub(r"<[^>]+>", "", content)
        return str(content)


@dataclass(frozen=True)
class PlannedReply:
    """One reply to deliver ``delay_seconds`` (unscaled) after receipt.

    ``build`` gets the moment of sending and returns the finished message, so
    its Date header is the real send time.
    """

    kind: str
    delay_seconds: float
    envelope_sender: str
    to: str
    build: Callable[[datetime], bytes]


def plan_replies(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    """The replies ``company`` sends for ``inquiry``; empty for silence (reject never gets here)."""
    from servaudit.sandbox.findings_fleet import plan_findings

    if company.behaviour in FINDINGS_BEHAVIOURS:
        return plan_findings(company, inquiry, rng)
    planners: dict[str, Callable[[SandboxCompany, Inbound, random.Random], list[PlannedReply]]] = {
        "human": _plan_human,
        "ack_then_human": _plan_ack_then_human,
        "out_of_office": _plan_out_of_office,
        "bounce": _plan_bounce,
        "silence": lambda *_: [],
        "noreply_human": _plan_noreply_human,
        "hotline": _plan_hotline,
        "after_reminder": _plan_after_reminder,
        "partial_then_full": _plan_partial_then_full,
    }
    return planners[company.behaviour](company, inquiry, rng)


def _plan_human(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    agent = replies.pick_agent(company, inquiry.message_id or inquiry.subject)
    subject = replies.reply_subject(inquiry.subject, company.language)
    text = replies.human_body(company, inquiry.sender_name, inquiry.subject, agent)
    return [_agent_reply("human", company.delay_seconds, company, inquiry, agent, subject, text)]


def _plan_after_reminder(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    """Silence for a new inquiry; a full human answer once reminded in its thread."""
    if not inquiry.in_thread:
        return []
    return _plan_threaded(company, inquiry, replies.full_body)


def _plan_partial_then_full(
    company: SandboxCompany, inquiry: Inbound, rng: random.Random
) -> list[PlannedReply]:
    """A partial human answer to a new inquiry; the full one to a follow-up (or reminder) in its thread."""
    return _plan_threaded(company, inquiry, replies.full_body if inquiry.in_thread else replies.partial_body)


def _plan_threaded(
    company: SandboxCompany, inquiry: Inbound, body: Callable[[SandboxCompany, str, str], str]
) -> list[PlannedReply]:
    agent = replies.pick_agent(company, inquiry.message_id or inquiry.subject)
    subject = replies.reply_subject(inquiry.subject, company.language)
    text = body(company, inquiry.sender_name, agent)
    return [_agent_reply("human", company.delay_seconds, company, inquiry, agent, subject, text)]


def _plan_hotline(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    agent = replies.pick_agent(company, inquiry.message_id or inquiry.subject)
    subject = replies.reply_subject(inquiry.subject, company.language)
    text = replies.hotline_body(company, inquiry.sender_name, agent)
    return [_agent_reply("deflection", company.delay_seconds, company, inquiry, agent, subject, text)]


def _plan_ack_then_human(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    ticket = f"{rng.randrange(100000, 1000000)}"
    team = f"{company.name} {replies.TEAM[company.language]}"

    def build_ack(now: datetime) -> bytes:
        message = _new_message(company, now, Address(team, addr_spec=company.address), inquiry)
        message["Subject"] = replies.ack_subject(ticket, inquiry.subject, company.language)
        _thread(message, inquiry)
        # Real helpdesks mark their receipt confirmations; the human follow-up carries no such mark.
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(replies.ack_body(company, inquiry.sender_name, ticket), cte="quoted-printable")
        return _finish(message)

    agent = replies.pick_agent(company, inquiry.message_id or inquiry.subject)
    subject = replies.ticket_reply_subject(ticket, inquiry.subject, company.language)
    text = replies.human_body(company, inquiry.sender_name, inquiry.subject, agent)
    ack = PlannedReply("acknowledgement", 0.0, company.address, inquiry.reply_address, build_ack)
    return [ack, _agent_reply("human", company.delay_seconds, company, inquiry, agent, subject, text)]


def _plan_out_of_office(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    agent = replies.pick_agent(company, company.slug)
    back_on = (inquiry.received_at + timedelta(days=rng.randrange(5, 15))).date()

    def build(now: datetime) -> bytes:
        message = _new_message(company, now, Address(agent, addr_spec=company.address), inquiry)
        message["Subject"] = replies.ooo_subject(inquiry.subject, company.language)
        _thread(message, inquiry)
        # RFC 3834 plus what Exchange and cPanel/qmail-style responders add.
        message["Auto-Submitted"] = "auto-replied"
        message["X-Autoreply"] = "yes"
        message["X-Auto-Response-Suppress"] = "All"
        message["Precedence"] = "auto_reply"
        message.set_content(replies.ooo_body(company, agent, back_on), cte="quoted-printable")
        return _finish(message)

    return [PlannedReply("auto_reply", 0.0, company.address, inquiry.reply_address, build)]


def _plan_bounce(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    # An MTA bounces to the envelope sender, not to Reply-To or From.
    to = inquiry.envelope_sender or inquiry.reply_address

    def build(now: datetime) -> bytes:
        return build_dsn(
            inquiry.message, company.address, f"mx.{company.domain}", inquiry.received_at, to=to, sent_at=now
        )

    return [PlannedReply("bounce", BOUNCE_DELAY_SECONDS, "", to, build)]


def _plan_noreply_human(company: SandboxCompany, inquiry: Inbound, rng: random.Random) -> list[PlannedReply]:
    agent = replies.pick_agent(company, inquiry.message_id or inquiry.subject)
    sender = f"noreply@{company.domain}"

    def build(now: datetime) -> bytes:
        ticket = f"{now:%Y%m%d}{rng.randrange(10**7, 10**8)}"
        message = _new_message(company, now, Address(company.name, addr_spec=sender), inquiry)
        # A ticket system opening its own thread: no In-Reply-To, no References, no quote.
        message["Subject"] = replies.noreply_subject(ticket, inquiry.subject)
        body = replies.noreply_body(company, inquiry.sender_name, agent, ticket)
        message.set_content(body, cte="quoted-printable")
        return _finish(message)

    return [PlannedReply("human", company.delay_seconds, sender, inquiry.reply_address, build)]


def _agent_reply(
    kind: str,
    delay: float,
    company: SandboxCompany,
    inquiry: Inbound,
    agent: str,
    subject: str,
    text: str,
) -> PlannedReply:
    """A reply an agent writes in a mail client: threaded, quoting the inquiry."""

    def build(now: datetime) -> bytes:
        message = _new_message(company, now, Address(agent, addr_spec=company.address), inquiry)
        message["Subject"] = subject
        _thread(message, inquiry)
        quoted = replies.quote(
            company.language, inquiry.sender_name, inquiry.sender_address, inquiry.sent_at(), inquiry.text()
        )
        message.set_content(f"{text}\n\n{quoted}\n", cte="quoted-printable")
        return _finish(message)

    return PlannedReply(kind, delay, company.address, inquiry.reply_address, build)


def _new_message(company: SandboxCompany, now: datetime, sender: Address, inquiry: Inbound) -> EmailMessage:
    message = EmailMessage(policy=policy.default)
    message["Date"] = format_datetime(now.astimezone())
    message["From"] = sender
    message["To"] = _recipient(inquiry)
    # Short ids as helpdesks write them; make_msgid's long ones make headers fold.
    message["Message-ID"] = f"<{now:%Y%m%d%H%M%S}.{uuid.uuid4().hex[:16]}@{company.domain}>"
    return message


def _recipient(inquiry: Inbound) -> Address | str:
    """The reply address exactly as given (plus tag and all), with the name a mail client shows."""
    try:
        return Address(inquiry.reply_name, addr_spec=inquiry.reply_address)
    except (ValueError, IndexError):
        return inquiry.reply_address


def _thread(message: EmailMessage, inquiry: Inbound) -> None:
    if inquiry.message_id:
        message["In-Reply-To"] = inquiry.message_id
        message["References"] = inquiry.message_id


def _finish(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=policy.default)


def _first_address(message: EmailMessage, header: str) -> tuple[str, str]:
    """(display name, addr-spec) of the header's first address; empty strings if absent or broken."""
    value = message.get(header)
    if value is None:
        return "", ""
    try:
        addresses = value.addresses
    except AttributeError:
        return "", ""
    if not addresses:
        return "", ""
    return addresses[0].display_name, addresses[0].addr_spec
