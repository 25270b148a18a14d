"""A finished chat's verdict: the outcome word, the detail text, the reply rows and the way to a human.

One pure decision over the attributed transcript, so the three can never disagree:
the outcome says `human` exactly when a reply row is labelled human, the detail's
"first human reply after" is that row's time, and the figures about the bot (did it
say it is automated, turns and seconds until a person, asked for a person, loops,
personal data demanded before any help) come from the same messages. Tested without
a browser, like forms/outcome.decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from servaudit.channels.chat import BOT_ONLY, HUMAN_ANSWERED, NO_ANSWER, REDIRECTED, UNATTRIBUTED
from servaudit.channels.chat.judge import ChatVocabulary, asks_for_human, deflects, demands_data, discloses
from servaudit.channels.chat.transcript import TranscriptMessage, summarise
from servaudit.labels import BOT, COMPANY_WRITERS, DEFLECTION, HUMAN, Author
from servaudit.replies.classify import fold

OUTCOMES = (HUMAN_ANSWERED, REDIRECTED, BOT_ONLY, NO_ANSWER, UNATTRIBUTED)


@dataclass(frozen=True)
class BotPath:
    """The way from a bot to a person in one chat (all None/False/0 when no bot took part)."""

    bot_took_part: bool = False
    disclosed: bool = False
    disclosure_turn: int | None = None
    """The company's message (1-based, after the visitor's first) in which a bot said it is automated."""
    disclosure_phrase: str | None = None
    human_after_turns: int | None = None
    """Visitor messages sent before the first person's answer (1: the first question sufficed)."""
    human_after_seconds: float | None = None
    asked_for_human: bool = False
    asked_turn: int | None = None
    """Which visitor message asked for a person (1-based)."""
    bot_loops: int = 0
    """Bot messages that repeat an earlier bot message word for word."""
    data_before_help: tuple[str, ...] = ()
    """Personal data the company asked for before its first answer that did not ask for any."""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["data_before_help"] = list(self.data_before_help)
        return data


@dataclass(frozen=True)
class Observation:
    messages: tuple[TranscriptMessage, ...]
    """The whole transcript, judged (author and label per message), in page order."""
    wait_seconds: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    outcome: str
    detail: str
    replies: tuple[TranscriptMessage, ...]
    """What becomes the store's reply rows: every non-visitor message after the first visitor message."""
    path: BotPath
    first_human_seconds: float | None


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} s"


def bot_path(messages: Sequence[TranscriptMessage], start: int, vocabulary: ChatVocabulary) -> BotPath:
    after = [m for m in messages if m.at_ms >= start]
    company = [m for m in after if m.author in COMPANY_WRITERS]
    bots = [m for m in company if m.label == BOT]
    first_human = next((m for m in company if m.label == HUMAN), None)
    disclosure = None
    for turn, m in enumerate(company, 1):
        hits = discloses(m.text, vocabulary) if m.label == BOT else []
        if hits:
            disclosure = (turn, hits[0])
            break
    visitor = [m for m in after if m.author == Author.VISITOR]
    asked = next(
        (turn for turn, m in enumerate(visitor, 1) if turn > 1 and asks_for_human(m.text, vocabulary)), None
    )
    seen: set[str] = set()
    loops = 0
    for m in bots:
        key = fold(m.text)
        loops += key in seen
        seen.add(key)
    demanded: list[str] = []
    for m in company:
        hits = demands_data(m.text, vocabulary)
        if m.label == HUMAN and not hits:
            break  # help came; what is asked later is part of it
        demanded += [h for h in hits if h not in demanded]
    return BotPath(
        bot_took_part=bool(bots),
        disclosed=disclosure is not None,
        disclosure_turn=disclosure[0] if disclosure else None,
        disclosure_phrase=disclosure[1] if disclosure else None,
        human_after_turns=(
            sum(1 for m in visitor if m.at_ms <= first_human.at_ms) if first_human is not None else None
        ),
        human_after_seconds=(first_human.at_ms - start) / 1000 if first_human is not None else None,
        asked_for_human=asked is not None,
        asked_turn=asked,
        bot_loops=loops,
        data_before_help=tuple(demanded),
    )


def decide(observation: Observation, vocabulary: ChatVocabulary) -> Verdict:
    messages = observation.messages
    start = next((m.at_ms for m in messages if m.author == Author.VISITOR), None)
    if start is None:
        return Verdict(NO_ANSWER, "no message of the visitor showed in the chat", (), BotPath(), None)
    replies = tuple(m for m in messages if m.author != Author.VISITOR and m.at_ms >= start)
    path = bot_path(messages, start, vocabulary)
    first_human = next((m for m in replies if m.label == HUMAN), None)
    first_human_seconds = None if first_human is None else (first_human.at_ms - start) / 1000
    bots = [m for m in replies if m.label == BOT]
    unattributed = [m for m in replies if m.author == Author.UNATTRIBUTED]
    if first_human is not None:
        outcome, what = HUMAN_ANSWERED, f"first human reply after {_seconds(first_human_seconds)}"
        if any(m.label == DEFLECTION for m in replies if m.at_ms < first_human.at_ms):
            what += ", after first being sent to another channel"
    elif any(m.label == DEFLECTION for m in replies):
        outcome, what = REDIRECTED, "the agent sent the customer to another channel; no human answered"
    elif any(deflects(m.text, vocabulary) for m in bots):
        outcome, what = REDIRECTED, "the bot sent the customer to another channel; no human answered"
    elif bots:
        first = (bots[0].at_ms - start) / 1000
        outcome, what = BOT_ONLY, f"only a bot answered (first after {_seconds(first)})"
    elif unattributed:
        outcome = UNATTRIBUTED
        what = (
            f"no answer that could be attributed within {observation.wait_seconds:.0f} s; "
            f"{len(unattributed)} message(s) whose author could not be told ({unattributed[0].reasons[0]})"
        )
    else:
        outcome, what = NO_ANSWER, f"no answer within {observation.wait_seconds:.0f} s"
    parts = [what]
    if unattributed and outcome != UNATTRIBUTED:
        parts.append(f"{len(unattributed)} message(s) not attributed (never counted as an answer)")
    if path.bot_took_part:
        said = (
            f"said so in its message {path.disclosure_turn}"
            if path.disclosed
            else "never said it is automated"
        )
        parts.append(f"a bot took part and {said}")
    if path.asked_for_human:
        parts.append(f"the visitor asked for a person (message {path.asked_turn})")
    if path.bot_loops:
        parts.append(f"the bot repeated itself {path.bot_loops} time(s)")
    if path.data_before_help:
        parts.append("asked for " + ", ".join(path.data_before_help) + " before any help")
    summary = summarise(messages)
    duration = "–" if summary.duration_seconds is None else f"{summary.duration_seconds:.0f} s"
    parts.append(f"{summary.messages} messages, chat lasted {duration}")
    parts += observation.notes
    return Verdict(outcome, "; ".join(parts), replies, path, first_human_seconds)
