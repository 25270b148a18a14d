"""Chat figures: the way to a human behind a bot, the first human message, the widget online (pure)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import Any

from servaudit import channels as registry
from servaudit.businesshours import WEEKDAYS
from servaudit.judgement import ChatObservation
from servaudit.measure.facts import InquiryFacts
from servaudit.measure.stats import median, part_of

FIVE_MINUTES = 5 * 60.0


def chat_bot_path(chats: Sequence[ChatObservation]) -> dict[str, Any]:
    """The way to a human behind a bot (AI Act Art. 50 disclosure, hand-over, loops, data demands)."""
    bots = [c for c in chats if c.bot_took_part]
    handed = [c for c in bots if c.human_after_turns is not None]
    return {
        "bot_chats": part_of(len(bots), len(chats)),
        "disclosed": part_of(sum(c.bot_disclosed for c in bots), len(bots)),
        "reached_human": part_of(len(handed), len(bots)),
        "median_to_human_turns": median(float(c.human_after_turns or 0) for c in handed),
        "median_to_human_seconds": median(s for c in handed if (s := c.human_after_seconds) is not None),
        "asked_for_human": part_of(sum(c.asked_for_human for c in chats), len(chats)),
        "loops": part_of(sum(c.bot_loops > 0 for c in bots), len(bots)),
        "data_before_help": part_of(sum(bool(c.data_before_help) for c in chats), len(chats)),
    }


def no_human_within(chat: ChatObservation, limit: float = FIVE_MINUTES) -> bool | None:
    """True: no human message within the limit; None when the probe stopped watching before it."""
    if chat.first_human_seconds is not None:
        return chat.first_human_seconds > limit
    if chat.waited_seconds is not None and chat.waited_seconds >= limit:
        return True
    return None


def _available(f: InquiryFacts) -> bool | None:
    """Whether the attempt found the channel open for contact (a chat widget online), as the channel's
    outcome word means it (servaudit.channels); None when the word says nothing about it."""
    meaning = registry.meaning(f.inquiry.channel, f.inquiry.outcome)
    return meaning.available if meaning else None


def _chat_attempts(facts: Sequence[InquiryFacts]) -> list[InquiryFacts]:
    return [f for f in facts if _available(f) is not None]


def chat_online(facts: Sequence[InquiryFacts]) -> dict[str, Any]:
    """Chat attempts that found the widget online, over attempts whose page loaded."""
    attempts = _chat_attempts(facts)
    return part_of(sum(1 for f in attempts if _available(f)), len(attempts))


def chat_online_by_time(facts: Sequence[InquiryFacts], zone: tzinfo) -> dict[str, dict[str, dict[str, Any]]]:
    """Chat online by weekday ('mon'…'sun') and hour ('0'…'23') of the attempt, in the audit's time zone.

    The attempt's moment is the chat's start, or for a chat that never started the claim
    (the moment the probe set out)."""
    attempts = [
        ((f.inquiry.sent_at or f.inquiry.created_at).astimezone(zone), _available(f) is True)
        for f in _chat_attempts(facts)
    ]

    def by(key: Callable[[datetime], str], keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {
            k: part_of(
                sum(1 for m, online in attempts if key(m) == k and online),
                sum(1 for m, _ in attempts if key(m) == k),
            )
            for k in keys
        }

    return {
        "weekday": by(lambda m: WEEKDAYS[m.weekday()], WEEKDAYS),
        "hour": by(lambda m: str(m.hour), [str(h) for h in range(24)]),
    }
