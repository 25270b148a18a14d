"""Live chat probing: widget recipes (probes/chat/*.toml), the in-page observer, the session, transcripts.

This module is the channel's description for the registry and imports no browser code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from servaudit.channels.chat.settings import ChatSettings
from servaudit.channels.spec import READY, READY_MEANING, ChannelSpec, OutcomeMeaning

HUMAN_ANSWERED, REDIRECTED, BOT_ONLY, NO_ANSWER, UNATTRIBUTED = (
    "human",
    "redirected",
    "bot_only",
    "no_answer",
    "unattributed",
)
"""What a chat that started came to (channels.chat.verdict decides which)."""
PRECHAT_REQUIRED, OFFLINE, NO_WIDGET, PAGE_UNREACHABLE = (
    "prechat_required",
    "offline",
    "no_widget",
    "page_unreachable",
)
"""Why a chat did not start."""


def _found(item: Mapping[str, Any]) -> str:
    return f"{item.get('vendor_name') or item.get('vendor')} on {item.get('url')}"


SPEC = ChannelSpec(
    name="chat",
    order=30,
    settings=ChatSettings,
    probe="servaudit.channels.chat.probe:ChatChannel",
    url_shorthand=True,
    needs_browser=True,
    replies="in_channel",
    evidence=("screenshot", "transcript"),
    outcomes={
        HUMAN_ANSWERED: OutcomeMeaning("a person answered in the chat", available=True),
        REDIRECTED: OutcomeMeaning(
            "a person answered by sending the visitor elsewhere", available=True, answered_elsewhere=True
        ),
        BOT_ONLY: OutcomeMeaning("only a bot answered", available=True),
        NO_ANSWER: OutcomeMeaning("the chat started but nobody answered in time", available=True),
        UNATTRIBUTED: OutcomeMeaning("answers came whose author could not be told", available=True),
        PRECHAT_REQUIRED: OutcomeMeaning("the widget asked for details before a chat", available=True),
        OFFLINE: OutcomeMeaning("the widget said it is offline", available=False),
        NO_WIDGET: OutcomeMeaning(
            "no chat widget was on the page at that moment (some hide outside hours)", available=False
        ),
        PAGE_UNREACHABLE: OutcomeMeaning("the page never loaded: nothing is known about the widget"),
        READY: READY_MEANING,
    },
    discovered_as="chats",
    found_text=_found,
)
