"""Chat transcripts: the messages of one chat with their author side and page timestamps.

A transcript is evidence (a JSON file next to the screenshots) and the
source of the chat's reply rows in the store: every non-visitor message
becomes a small RFC 822 message, so metrics, status and the report count
chat answers exactly like e-mail ones. Timestamps are the page's clock in
milliseconds, stamped when the message appeared in the widget.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from servaudit.channels.base import InChannelReply
from servaudit.errors import ConfigError
from servaudit.judgement import ChatJudgement, ChatObservation, TranscriptLine
from servaudit.labels import COMPANY_WRITERS, HUMAN, UNKNOWN, Author

FORMAT = 1
AUTHOR_NAMES = {
    Author.VISITOR: "Visitor",
    Author.BOT: "Chat bot",
    Author.PERSON: "Agent",
    Author.SYSTEM: "Chat",
    Author.UNATTRIBUTED: "Unattributed",
}


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass(frozen=True)
class TranscriptMessage:
    author: Author
    text: str
    at_ms: int
    """The page's clock (ms since the epoch) when the message appeared in the widget."""
    name: str | None = None
    """The author's display name as the widget shows it."""
    label: str | None = None
    """For the store: human, deflection, bot, system or unknown (None for the visitor)."""
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Attribution and tests may hand in the bare word; the message always carries the Author.
        object.__setattr__(self, "author", Author(self.author))

    @property
    def at(self) -> datetime:
        return from_ms(self.at_ms)

    def as_dict(self) -> dict[str, Any]:
        return {
            "author": str(self.author),
            "text": self.text,
            "at_ms": self.at_ms,
            "name": self.name,
            "label": self.label,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class ChatSummary:
    first_reply_seconds: float | None
    """First message of any kind (bot, human) after the visitor's first message."""
    first_human_seconds: float | None
    duration_seconds: float | None
    """From the visitor's first message to the last message of the chat."""
    messages: int
    """Messages exchanged after the chat started (visitor's included, system notices not)."""


def started_ms(messages: tuple[TranscriptMessage, ...] | list[TranscriptMessage]) -> int | None:
    return next((m.at_ms for m in messages if m.author == Author.VISITOR), None)


def summarise(messages: tuple[TranscriptMessage, ...] | list[TranscriptMessage]) -> ChatSummary:
    start = started_ms(messages)
    if start is None:
        return ChatSummary(None, None, None, 0)
    after = [m for m in messages if m.at_ms >= start]

    def seconds(message: TranscriptMessage | None) -> float | None:
        return None if message is None else (message.at_ms - start) / 1000

    replies = [m for m in after if m.author in COMPANY_WRITERS]
    human = next((m for m in after if m.label == HUMAN), None)
    return ChatSummary(
        first_reply_seconds=seconds(replies[0] if replies else None),
        first_human_seconds=seconds(human),
        duration_seconds=(after[-1].at_ms - start) / 1000,
        messages=sum(1 for m in after if m.author != Author.SYSTEM),
    )


def save_transcript(path: Path, messages: tuple[TranscriptMessage, ...], meta: dict[str, Any]) -> None:
    data = {"format": FORMAT, **meta, "messages": [m.as_dict() for m in messages]}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_messages(path: Path) -> tuple[TranscriptMessage, ...]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return tuple(
            TranscriptMessage(
                author=Author(item["author"]) if item["author"] in set(Author) else Author.SYSTEM,
                text=str(item["text"]),
                at_ms=int(item["at_ms"]),
                name=item.get("name"),
                label=item.get("label"),
                reasons=tuple(item.get("reasons") or ()),
            )
            for item in data["messages"]
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a readable chat transcript: {exc}") from None


def read_bot_path(path: Path) -> dict[str, Any]:
    """The verdict's way-to-a-human figures stored with the transcript ({} for older transcripts)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable chat transcript: {exc}") from None
    found = data.get("bot_path") if isinstance(data, dict) else None
    return found if isinstance(found, dict) else {}


def _offset(ms: int, start: int | None) -> tuple[str, float | None]:
    if start is None:
        return "", None
    seconds = (ms - start) / 1000
    whole = round(abs(seconds))
    sign = "−" if seconds < 0 and whole else "+"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{hours}:{minutes:02d}:{secs:02d}" if hours else f"{sign}{minutes}:{secs:02d}"
    return text, seconds


def load_transcript(path: Path) -> list[TranscriptLine]:
    """A transcript evidence file as report lines (for report_templates/partials/transcript.html)."""
    return transcript_lines(read_messages(path))


def transcript_lines(messages: tuple[TranscriptMessage, ...]) -> list[TranscriptLine]:
    start = started_ms(messages)
    lines = []
    for m in messages:
        offset, seconds = _offset(m.at_ms, start)
        lines.append(
            TranscriptLine(
                side=str(m.author),
                author=m.name or AUTHOR_NAMES[m.author],
                label=m.label or str(m.author),
                text=m.text,
                offset=offset,
                offset_seconds=seconds,
                reasons=m.reasons,
            )
        )
    return lines


SUMMARY_VERSION = "1"
"""The version of read_chat's summary and lines: raised when they change, so stored chats are read again."""


def read_chat(inquiry_id: str, path: Path, waited_seconds: float | None) -> ChatJudgement | None:
    """A chat's transcript evidence file read once for the report: its summary (None when the
    visitor never wrote) and its lines; None when the file cannot be read."""
    try:
        messages = read_messages(path)
        path_data = read_bot_path(path)
    except ConfigError:
        return None  # a damaged evidence file must not stop a run or a report
    summary = summarise(messages)
    observation = None
    if summary.duration_seconds is not None:
        observation = ChatObservation(
            first_human_seconds=summary.first_human_seconds,
            duration_seconds=summary.duration_seconds,
            messages=summary.messages,
            waited_seconds=waited_seconds,
            bot_took_part=bool(path_data.get("bot_took_part")),
            bot_disclosed=bool(path_data.get("disclosed")),
            disclosure_turn=path_data.get("disclosure_turn"),
            human_after_turns=path_data.get("human_after_turns"),
            human_after_seconds=path_data.get("human_after_seconds"),
            asked_for_human=bool(path_data.get("asked_for_human")),
            bot_loops=int(path_data.get("bot_loops") or 0),
            data_before_help=tuple(path_data.get("data_before_help") or ()),
        )
    return ChatJudgement(inquiry_id, SUMMARY_VERSION, observation, tuple(transcript_lines(messages)))


def reply_rows(inquiry_id: str, messages: tuple[TranscriptMessage, ...]) -> list[InChannelReply]:
    """Rows for the messages the company's side wrote after the visitor's first message.

    A greeting shown when the widget opened is no reply to the inquiry: it stays in the
    transcript evidence only.
    """
    start = started_ms(messages)
    if start is None:
        return []
    rows = []
    for seq, m in enumerate(messages):
        if m.author == Author.VISITOR or m.at_ms < start:
            continue
        name = m.name or AUTHOR_NAMES[m.author]
        raw = "\r\n".join(
            [
                f"From: {Header(name, 'utf-8').encode()}",
                f"Date: {format_datetime(m.at)}",
                f"Message-ID: <chat.{seq}.{inquiry_id}@transcript.invalid>",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit",
                "",
                m.text,
                "",
            ]
        ).encode("utf-8")
        label = m.label or (UNKNOWN if m.author == Author.UNATTRIBUTED else str(m.author))
        rows.append(InChannelReply(f"chat:{inquiry_id}:{seq}", raw, m.at, name, label, m.reasons))
    return rows
