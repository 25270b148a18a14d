"""The channel interface: compose an inquiry (stored before anything is sent), then send it.

Splitting the two is what makes sends safe: the engine commits the composed
inquiry (its Message-ID, its reply address) before `send` runs, so replies
can be matched even when the process dies right after the send.
Channels never write the store; the engine does. A channel also checks itself for
`servaudit check` (``Channel.check``), without sending anything to a company.

No Playwright here: the browser is only a type for probes that need it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from servaudit.channels.spec import READY
from servaudit.config import AuditConfig, Persona
from servaudit.plan import Inquiry

if TYPE_CHECKING:
    from playwright.async_api import Browser

SendStatus = Literal["sent", "rejected", "not_sent", "uncertain"]


@dataclass(frozen=True)
class ProbeContext:
    config: AuditConfig
    evidence_dir: Path
    """Where a probe writes its evidence files (use ``evidence_path``)."""
    browser: Browser | None = None
    """The shared Chromium, open when any due inquiry's channel ``needs_browser``."""

    def evidence_path(self, inquiry: Inquiry, name: str) -> Path:
        folder = self.evidence_dir / inquiry.id
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name


@dataclass(frozen=True)
class Evidence:
    """A file that shows what happened: a screenshot, a transcript, a saved page."""

    kind: str
    """"screenshot", "transcript", "page", … (images are shown inline in the report)"""
    path: Path
    caption: str = ""


@dataclass(frozen=True)
class Composed:
    inquiry: Inquiry
    subject: str
    body: str
    sender: str
    reply_address: str | None = None
    message_id: str | None = None
    raw: bytes | None = None
    """The exact bytes that will be sent, kept as evidence."""


@dataclass(frozen=True)
class Outcome:
    """What happened to one send.

    ``sent``: the company's side accepted it (the response clock starts at
    ``delivered_at``). ``rejected``: refused for good, which is a finding about
    the channel. ``not_sent``: nothing left the machine (our relay was down, a
    temporary refusal); the inquiry stays due. ``uncertain``: it may have gone
    out; never retried automatically.
    """

    status: SendStatus
    detail: str
    delivered_at: datetime | None = None
    outcome: str | None = None
    """The channel's own result word (form: submitted/failed/blocked/no_form; chat: …), shown in reports."""
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    infrastructure_failed: bool = False
    """True when servaudit's own relay/browser failed: the run stops instead of trying every inquiry."""
    replies: tuple[InChannelReply, ...] = ()
    """Answers the company gave in the channel itself (a chat's), in order; the engine stores them
    like mail replies without knowing the channel."""
    said: tuple[str, ...] = ()
    """What the persona wrote in the channel (a chat's messages): an answer echoing it is no answer."""
    reminded_at: datetime | None = None
    """When a reminder was sent in the channel's own session (a chat's nudge); the engine records it
    as the inquiry's reminder (servaudit/reminders.py)."""


@dataclass(frozen=True)
class InChannelReply:
    """One answer received in the channel, as a row of the store's messages table."""

    source: str
    """Unique per answer (e.g. ``chat:<inquiry>:<seq>``): storing it twice is a no-op."""
    raw: bytes
    """The answer as a small RFC 822 message, so collect, metrics and the report read it like mail."""
    arrived_at: datetime
    from_name: str
    label: str
    """What it counts as (servaudit.labels), decided by the channel that saw it."""
    reasons: tuple[str, ...]


CONFIG, INFRASTRUCTURE, FINDING = "config", "infrastructure", "finding"
"""What a failed check is: the audit file's, servaudit's own relay/mailbox/browser's, or the company's."""
CHECK_OK, CHECK_FAILED = "ok", "failed"


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str
    """CHECK_OK or CHECK_FAILED."""
    detail: str
    kind: str = CONFIG
    """What a failure is: the audit file's (exit 2), servaudit's own relay, mailbox or browser
    (exit 3), or a finding about a company's channel such as a CAPTCHA or an offline chat (exit 1)."""


class Channel(Protocol):
    name: str
    needs_browser: bool

    def ready(self, context: ProbeContext) -> None:
        """Raise ConfigError if this channel cannot send with this audit (checked before any claim)."""
        ...

    def compose(self, inquiry: Inquiry, context: ProbeContext) -> Composed: ...

    async def send(self, composed: Composed, context: ProbeContext) -> Outcome: ...

    async def check(self, inquiries: Sequence[Inquiry], context: ProbeContext) -> list[CheckResult]:
        """Is this channel ready for these planned inquiries? Contacts no person (`servaudit check`).

        ``context.browser`` is open when the channel ``needs_browser``."""
        ...


class BrowserChannel(Channel, Protocol):
    async def preflight(self, composed: Composed, context: ProbeContext) -> Outcome:
        """Open the page like ``send`` and stop before anything reaches the company (for ``check``).

        The outcome word is READY, or what ``send`` would have found instead (no_form, blocked,
        no_widget, offline, prechat_required, …).
        """
        ...


async def check_pages(
    channel: BrowserChannel, inquiries: Sequence[Inquiry], context: ProbeContext
) -> list[CheckResult]:
    """Open each company's page once, as `run` would, and stop before anything reaches the company.

    What the probe saw is kept under evidence/<inquiry>.check/ for the consultant to look at.
    """
    first: dict[str, Inquiry] = {}
    for inquiry in inquiries:  # the page is the same whatever the scenario
        first.setdefault(inquiry.company, inquiry)
    results = []
    for inquiry in first.values():
        probe = replace(inquiry, id=f"{inquiry.id}.check")
        outcome = await channel.preflight(channel.compose(probe, context), context)
        name = f"{inquiry.channel}: {inquiry.company}"
        if outcome.infrastructure_failed:
            results.append(CheckResult(name, CHECK_FAILED, outcome.detail, INFRASTRUCTURE))
        else:
            status = CHECK_OK if outcome.outcome == READY else CHECK_FAILED
            results.append(CheckResult(name, status, f"{outcome.outcome}: {outcome.detail}", FINDING))
    return results


_PLACEHOLDER = re.compile(r"\{(name|first_name|last_name|email|phone|company)\}")


def fill_placeholders(text: str, persona: Persona, company_name: str) -> str:
    """Replace {name}, {first_name}, {last_name}, {email}, {phone}, {company}; leave other braces alone."""
    values = {
        "name": persona.name,
        "first_name": persona.first_name,
        "last_name": persona.last_name,
        "email": persona.email,
        "phone": persona.phone or "",
        "company": company_name,
    }
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)
