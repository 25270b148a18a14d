"""The channel interface: compose an inquiry (stored before anything is sent), then send it.

Splitting the two is what makes sends safe: the engine commits the composed
inquiry (its Message-ID, its reply address) before `send` runs, so replies
can be matched even when the process dies right after the send.
Channels never write the store; the engine does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from playwright.async_api import Browser

from servaudit.channels.chat.transcript import TranscriptMessage
from servaudit.config import AuditConfig, Persona
from servaudit.plan import Inquiry

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
    transcript: tuple[TranscriptMessage, ...] = ()
    """A chat's messages with page timestamps; the engine stores the company side's ones as replies."""


class Channel(Protocol):
    name: str
    needs_browser: bool

    def ready(self, context: ProbeContext) -> None:
        """Raise ConfigError if this channel cannot send with this audit (checked before any claim)."""
        ...

    def compose(self, inquiry: Inquiry, context: ProbeContext) -> Composed: ...

    async def send(self, composed: Composed, context: ProbeContext) -> Outcome: ...


READY = "ready"
"""The outcome word of a preflight that found the channel usable (nothing was typed in or sent)."""


class BrowserChannel(Channel, Protocol):
    async def preflight(self, composed: Composed, context: ProbeContext) -> Outcome:
        """Open the page like ``send`` and stop before anything reaches the company (for ``check``).

        The outcome word is READY, or what ``send`` would have found instead (no_form, blocked,
        no_widget, offline, prechat_required, …).
        """
        ...


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
