"""What a channel is, as plain data: the description every channel package declares.

This module imports nothing from any probe, nor Playwright: config, check, measure and
discovery read channel names and what a channel's outcome words mean from here, and the
commands that only read records must not start a browser to do so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Replies = Literal["mailbox", "in_channel"]


@dataclass(frozen=True)
class OutcomeMeaning:
    """What one of a channel's outcome words (``Outcome.outcome``) means for the measurements."""

    means: str
    """One line for a reader: what the probe found."""
    available: bool | None = None
    """The channel was open for contact at that moment (a chat widget online); False: closed or absent;
    None: this word says nothing about it (the page never loaded, or the channel is always open)."""
    blocked: bool = False
    """A barrier (a CAPTCHA) stopped the probe before it could send: a finding about the company."""
    answered_elsewhere: bool = False
    """The company's answer sent the customer to another channel ("call us")."""


@dataclass(frozen=True)
class ChannelSpec:
    """One channel as config, check, measure, discovery and the engine need to know it."""

    name: str
    """The channel's word in audits, inquiry ids, the store and reports."""
    order: int
    """Where reports list it (lowest first)."""
    settings: Any
    """What a company's ``<name>`` key holds in audit.toml: a type pydantic validates (a model or an
    annotated str). The key in audit.toml is the channel's name."""
    probe: str
    """``module:Class`` of the probe, imported on first use (it may load Playwright)."""
    url_shorthand: bool = False
    """``<name> = "https://…"`` in audit.toml is short for ``<name> = { url = "https://…" }``."""
    needs_browser: bool = False
    replies: Replies = "mailbox"
    """Where the company's answers arrive: the persona's mailbox, or in the channel itself (a chat)."""
    target_is_address: bool = False
    """The target is an e-mail address: mail from its domain belongs to the company, and a domain that
    cannot receive mail makes the channel unreachable."""
    evidence: tuple[str, ...] = ()
    """The kinds of evidence file its probe writes (``Evidence.kind``)."""
    outcomes: Mapping[str, OutcomeMeaning] = field(default_factory=dict)
    """Its outcome words and what each means; a channel without words (e-mail) has only the send status."""
    discovered_as: str = ""
    """The key of its list in a discovered site's JSON (servaudit.discover.model)."""
    found_text: Callable[[Mapping[str, Any]], str] | None = None
    """How the reachability matrix shows one discovered item (default: its url)."""

    def meaning(self, word: str | None) -> OutcomeMeaning | None:
        return self.outcomes.get(word) if word else None


READY = "ready"
"""The outcome word of a check (preflight) that found the channel usable: nothing was typed in or sent."""
READY_MEANING = OutcomeMeaning("the page loaded and the channel could be used (`servaudit check` only)")
