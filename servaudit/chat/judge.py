"""What one chat message counts as (bot, person, deflection, system), judged with the e-mail vocabulary.

Deflections and automatic formulas are the same phrase lists the e-mail classifier uses
(probes/vocabulary/replies.toml, matched by its Phrases); what only a chat has (a bot
saying it is automated, queue messages, a visitor asking for a person, personal data
asked for) is the [chat] section of the same file. A side the widget marks (a vendor
recipe's bot or system markup) is kept; a message whose author could not be told is
never a person's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from servaudit.classify import BOT, DEFLECTION, HUMAN, SYSTEM, Phrases, Vocabulary, fold
from servaudit.resources import load_toml

UNKNOWN = "unknown"
"""The label of a chat message the probe could not attribute: a consultant decides."""


@dataclass(frozen=True)
class ChatVocabulary:
    replies: Vocabulary
    disclosure: Phrases
    automated: Phrases
    ask_human: Phrases
    personal_data: Phrases

    @classmethod
    def load(cls, audit_folder: Path | None = None, extra_automated: tuple[str, ...] = ()) -> ChatVocabulary:
        section = load_toml("vocabulary/replies.toml", audit_folder).get("chat", {})

        def phrases(key: str, *more: str) -> Phrases:
            return Phrases.of(tuple(str(p).lower() for p in (*section.get(key, ()), *more)))

        return cls(
            Vocabulary.load(audit_folder),
            phrases("disclosure"),
            phrases("automated", *extra_automated),
            phrases("ask_human"),
            phrases("personal_data"),
        )


@lru_cache(maxsize=8)
def chat_vocabulary(audit_folder: Path | None = None, extra: tuple[str, ...] = ()) -> ChatVocabulary:
    return ChatVocabulary.load(audit_folder, extra)


@dataclass(frozen=True)
class Judgement:
    author: str
    """visitor, bot, human, system or unattributed (who wrote it)."""
    label: str | None
    """What it counts as: human, deflection, bot, system, unknown (None for the visitor)."""
    reasons: tuple[str, ...]


def _quote(kind: str, hits: list[str]) -> str:
    return f"{kind}: " + ", ".join(repr(h) for h in hits[:3])


def judge(side: str, text: str, why: tuple[str, ...], vocabulary: ChatVocabulary) -> Judgement:
    """One message. ``side``: visitor, company, agent, bot, system, unattributed (or unknown)."""
    if side == "visitor":
        return Judgement("visitor", None, why)
    if side == "system":
        return Judgement("system", SYSTEM, why)
    if side == "unattributed":
        return Judgement("unattributed", UNKNOWN, (*why, "never counted as an answer until graded"))
    folded = fold(text)
    lowered = " ".join(text.lower().split())
    v = vocabulary.replies
    disclosed = vocabulary.disclosure.hits(lowered)
    automatic = [
        *vocabulary.automated.hits(lowered),
        *v.ack_receipt.hits(folded),
        *v.auto_body.hits(folded),
    ]
    if side == "bot" or disclosed or automatic:
        reasons = list(why)
        if disclosed:
            reasons.append(_quote("says it is automated", disclosed))
        if automatic:
            reasons.append(_quote("an automatic formula", automatic))
        return Judgement("bot", BOT, tuple(reasons))
    deflection = [*v.deflection_body.hits(lowered), *v.refusal_body.hits(lowered)]
    if deflection:
        return Judgement("human", DEFLECTION, (*why, _quote("sends the customer elsewhere", deflection)))
    return Judgement("human", HUMAN, (*why, "no automatic formula, no deflection: a person's answer"))


def discloses(text: str, vocabulary: ChatVocabulary) -> list[str]:
    return vocabulary.disclosure.hits(" ".join(text.lower().split()))


def asks_for_human(text: str, vocabulary: ChatVocabulary) -> list[str]:
    return vocabulary.ask_human.hits(" ".join(text.lower().split()))


def demands_data(text: str, vocabulary: ChatVocabulary) -> list[str]:
    return vocabulary.personal_data.hits(" ".join(text.lower().split()))
