"""The sandbox's chat companies: who they are, how their chat behaves, and what their agents say.

Pure data; chat_site.py serves them.
"""

from __future__ import annotations

from dataclasses import dataclass

BEHAVIOURS = frozenset(
    {
        "human",
        "bot_then_human",
        "bot_only",
        "offline",
        "redirect",
        "silence",
        "no_widget",
        "after_nudge",
        # Findings (issue 14): a bot that never says it is one, an agent who says "du".
        "bot_undisclosed",
        "human_informal",
    }
)
WIDGETS = frozenset({"light", "shadow", "iframe", "userlike"})


@dataclass(frozen=True)
class ChatCompany:
    """One simulated company with a chat; ``delay_seconds`` is when its human agent first answers."""

    slug: str
    name: str
    behaviour: str
    language: str
    delay_seconds: float = 0.0
    widget: str = "light"
    """light: in the page; shadow: script-injected into a shadow root; iframe; userlike: vendor-shaped."""
    prechat: bool = False
    poll_seconds: float = 0.0
    """0: answers are pushed; else the widget asks the server this often."""
    answers_in: str | None = None
    """The language its chat speaks, where it is not the one it is asked in (``language``, which
    chooses the audit's scenario): a German shop whose chat answers in English."""

    @property
    def speaks(self) -> str:
        return self.answers_in or self.language
    div_launcher: bool = False
    """The light widget's launcher is a div with a click handler: no keyboard can open the chat."""

    def __post_init__(self) -> None:
        if self.behaviour not in BEHAVIOURS:
            raise ValueError(f"chat company {self.slug!r}: behaviour {self.behaviour!r} unknown")
        if self.widget not in WIDGETS:
            raise ValueError(f"chat company {self.slug!r}: widget {self.widget!r} unknown")

    @property
    def transport(self) -> str:
        return "poll" if self.poll_seconds else "push"


CHAT_FLEET: tuple[ChatCompany, ...] = (
    ChatCompany("kaiserhof", "Hotel Kaiserhof Reisen", "human", "de", 3.0, widget="shadow"),
    ChatCompany("sunnyside", "Sunnyside Solar Ltd", "bot_then_human", "en", 3.0, widget="userlike"),
    ChatCompany("roboreply", "Roboreply Telecom plc", "bot_only", "en"),
    ChatCompany("mondschein", "Mondschein Möbelhaus", "offline", "de"),
    ChatCompany("tideway", "Tideway Ferries", "human", "en", 2.0, widget="iframe"),
    ChatCompany("formfirst", "Formfirst Leasing AG", "human", "de", 2.0, prechat=True),
    ChatCompany("slowpoll", "Slowpoll Stadtwerke", "human", "de", 2.5, poll_seconds=2.0),
    ChatCompany("callcentre", "Callcentre Couriers", "redirect", "en", 2.0),
    ChatCompany("plainpage", "Plainpage Printing", "no_widget", "en"),
    ChatCompany("stillwater", "Stillwater Water Supply", "silence", "en"),
)
"""Short delays: a run holds each chat open while it waits, one chat after the other."""
THREAD_CHATS: tuple[ChatCompany, ...] = (
    ChatCompany("zauderhaft", "Zauderhaft Reisen GmbH", "after_nudge", "de", 1.0),
)
"""A chat whose agent answers only a second message (the visitor's nudge), not the first one."""
A11Y_CHATS: tuple[ChatCompany, ...] = (
    ChatCompany("klickweg", "Klickweg Reisen GmbH", "human", "de", 1.0, div_launcher=True),
)
"""A chat whose launcher is a div with a click handler (not in the demo): the keyboard cannot open it."""
DEMO_CHATS: tuple[str, ...] = ("kaiserhof", "sunnyside", "roboreply", "mondschein", "slowpoll")
"""The chats `servaudit demo` holds (a human, bot then human, bot only, offline, polling): one at a time,
so each costs the demo its whole length; tests/test_chat_channel.py covers the whole fleet."""


TEXTS: dict[str, dict[str, str]] = {
    "de": {
        "agent": "Jana",
        "bot": "Servicebot",
        "welcome": "Hallo! Wie können wir helfen?",
        "bot_greeting": "Ich bin der digitale Assistent. Ein Mitarbeiter wird sich gleich um Sie kümmern.",
        "bot_answer": "Ich bin ein Bot. Vielleicht hilft Ihnen unsere FAQ weiter?",
        "human": "Guten Tag, hier ist Jana. Gern helfe ich. Können Sie mir Ihre Kundennummer nennen?",
        "followup": "Danke. Ohne Kundennummer kann ich leider nicht nachsehen, das tut mir leid.",
        "redirect": "Das kann ich im Chat nicht klären. Bitte rufen Sie uns unter 0800 000000 an.",
        "offline": "Wir sind derzeit offline. Hinterlassen Sie uns eine Nachricht, wir antworten per E-Mail.",
        "bot_alias": "Mia",
        "bot_plain": "Hallo, schön dass Sie da sind! Das habe ich nicht verstanden. Siehe unsere FAQ.",
        "human_du": "Hi, hier ist Jana! Klar helfe ich dir gern. Schickst du mir kurz deine Kundennummer?",
        "followup_du": "Danke dir! Ohne deine Kundennummer kann ich leider nicht nachsehen, sorry.",
    },
    "en": {
        "agent": "Sam",
        "bot": "Assistant",
        "welcome": "Hi there! How can we help today?",
        "bot_greeting": "Hi, I'm Sunny, the virtual assistant. An agent will be with you shortly.",
        "bot_answer": "I'm a bot and could not understand that. Have you tried our FAQ?",
        "human": "Hello, this is Sam. Happy to help: could you give me your customer number first?",
        "followup": "Thanks. Without the customer number I cannot look it up, sorry.",
        "redirect": "I cannot handle this in the chat, sorry. Please call us on 0800 000 000.",
        "offline": "We're offline right now. Leave us a message and we will answer by e-mail.",
        "bot_alias": "Mia",
        "bot_plain": "Hello and welcome! I did not understand that. Our help centre has answers.",
        "human_du": "Hello, this is Sam. Happy to help: could you give me your customer number first?",
        "followup_du": "Thanks. Without the customer number I cannot look it up, sorry.",
    },
}

CHAT_FINDINGS: tuple[ChatCompany, ...] = (
    ChatCompany("schweigebot", "Schweigebot Versicherung AG", "bot_undisclosed", "de"),
    ChatCompany("duzbar", "Duzbar Mode GmbH", "human_informal", "de", 2.0),
    ChatCompany("britline", "Britline Reisen GmbH", "human", "de", 2.0, answers_in="en"),
)
"""Chats that show a finding each (issue 14): a bot named like a person ("Mia") that never says it
is automated and never hands over (its formulas, "das habe ich nicht verstanden", give it away);
an agent who says "du" to a formal inquiry; a German shop whose agent answers in English.
Ground truth: ``CHAT_FINDINGS_TRUTH``."""
CHAT_FINDINGS_TRUTH: dict[str, frozenset[str]] = {
    "schweigebot": frozenset({"chat_bot_undisclosed", "chat_no_human"}),
    "duzbar": frozenset({"informal_address"}),
    "britline": frozenset({"other_language"}),
    "roboreply": frozenset({"chat_no_human"}),  # says it is a bot, never hands over
    "sunnyside": frozenset(),  # says it is a bot, then a person answers
    "kaiserhof": frozenset(),  # a person answers formally, in the inquiry's language
}
"""Chat company → the findings its chats show (servaudit/measure/findings.py keys)."""
