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

from servaudit.channels.chat.transcript import TranscriptMessage
from servaudit.labels import BOT, DEFLECTION, HUMAN, SYSTEM, UNKNOWN, Author
from servaudit.replies.classify import Phrases, Vocabulary, fold
from servaudit.resources import load_toml


@dataclass(frozen=True)
class ChatVocabulary:
    replies: Vocabulary
    disclosure: Phrases
    automated: Phrases
    ask_human: Phrases
    personal_data: Phrases
    handover: Phrases

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
            phrases("handover"),
        )


@lru_cache(maxsize=8)
def chat_vocabulary(audit_folder: Path | None = None, extra: tuple[str, ...] = ()) -> ChatVocabulary:
    return ChatVocabulary.load(audit_folder, extra)


@dataclass(frozen=True)
class Judgement:
    author: Author
    """Who wrote it."""
    label: str | None
    """What it counts as: human, deflection, bot, system, unknown (None for the visitor)."""
    reasons: tuple[str, ...]


def _quote(kind: str, hits: list[str]) -> str:
    return f"{kind}: " + ", ".join(repr(h) for h in hits[:3])


def judge(side: str, text: str, why: tuple[str, ...], vocabulary: ChatVocabulary) -> Judgement:
    """One message. ``side``: an Author a recipe marked (visitor, bot, system), unattributed, or the
    company's side (attribution.COMPANY_SIDE, "agent" in a recipe): then bot or person is told here."""
    if side == Author.VISITOR:
        return Judgement(Author.VISITOR, None, why)
    if side == Author.SYSTEM:
        return Judgement(Author.SYSTEM, SYSTEM, why)
    if side == Author.UNATTRIBUTED:
        return Judgement(Author.UNATTRIBUTED, UNKNOWN, (*why, "never counted as an answer until graded"))
    folded = fold(text)
    lowered = " ".join(text.lower().split())
    v = vocabulary.replies
    disclosed = vocabulary.disclosure.hits(lowered)
    automatic = [
        *vocabulary.automated.hits(lowered),
        *v.ack_receipt.hits(folded),
        *v.auto_body.hits(folded),
    ]
    if side == Author.BOT or disclosed or automatic:
        reasons = list(why)
        if disclosed:
            reasons.append(_quote("says it is automated", disclosed))
        if automatic:
            reasons.append(_quote("an automatic formula", automatic))
        return Judgement(Author.BOT, BOT, tuple(reasons))
    deflection = [*v.deflection_body.hits(lowered), *v.refusal_body.hits(lowered)]
    if deflection:
        reason = _quote("sends the customer elsewhere", deflection)
        return Judgement(Author.PERSON, DEFLECTION, (*why, reason))
    return Judgement(Author.PERSON, HUMAN, (*why, "no automatic formula, no deflection: a person's answer"))


def discloses(text: str, vocabulary: ChatVocabulary) -> list[str]:
    return vocabulary.disclosure.hits(" ".join(text.lower().split()))


def asks_for_human(text: str, vocabulary: ChatVocabulary) -> list[str]:
    return vocabulary.ask_human.hits(" ".join(text.lower().split()))


def deflects(text: str, vocabulary: ChatVocabulary) -> list[str]:
    """Deflection phrases of the e-mail vocabulary in a chat message (a bot's too)."""
    lowered = " ".join(text.lower().split())
    v = vocabulary.replies
    return [*v.deflection_body.hits(lowered), *v.refusal_body.hits(lowered)]


def demands_data(text: str, vocabulary: ChatVocabulary) -> list[str]:
    return vocabulary.personal_data.hits(" ".join(text.lower().split()))


def after_bot(messages: list[TranscriptMessage], vocabulary: ChatVocabulary) -> list[TranscriptMessage]:
    """Messages of an unmarked company side that follow a bot stay the bot's until a person takes over.

    A widget no recipe describes often shows the bot and the person alike; a bot's plain
    question ("your customer number, please?") reads like a person's. A person is taken to
    have taken over when the message introduces them, a notice announced them, or the
    widget shows another author name than the bot's.
    """
    result = []
    bot_name: str | None = None
    bot_active = False
    for m in messages:
        if m.author == Author.SYSTEM:
            bot_active = False
        elif m.author == Author.BOT:
            bot_active, bot_name = True, m.name or bot_name
        elif m.author == Author.PERSON and bot_active:
            lowered = " ".join(m.text.lower().split())
            introduced = vocabulary.handover.hits(lowered)
            renamed = m.name is not None and bot_name is not None and m.name != bot_name
            if introduced or renamed:
                why = _quote("a person takes over", introduced) if introduced else f"written by {m.name!r}"
                m = TranscriptMessage(m.author, m.text, m.at_ms, m.name, m.label, (*m.reasons, why))
                bot_active = False
            else:
                m = TranscriptMessage(
                    Author.BOT,
                    m.text,
                    m.at_ms,
                    m.name,
                    BOT,
                    (*m.reasons, "follows the bot's messages and no person took over: the bot's"),
                )
        result.append(m)
    return result
