"""View objects: report.json's figures as the templates show them (formatted in one language).

Templates only lay these out; every figure carries the ``data-key`` of its place in
report.json (``Fig.key``), so a page and the data cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from markupsafe import Markup

from servaudit.i18n import Locale
from servaudit.judgement import QualityScore, TranscriptLine

KIND_BY_SUFFIX = (
    ("_p", "p_value"),
    ("_seconds", "duration"),
    ("_rate", "percent"),
    ("_rate_low", "percent"),
    ("_rate_high", "percent"),
    ("share_of_delivered", "percent"),
    ("share_of_answered", "percent"),
    ("share", "percent"),
    ("score", "score"),
    ("value", "score"),
    ("low", "percent"),
    ("high", "percent"),
)

KINDS = frozenset({kind for _suffix, kind in KIND_BY_SUFFIX} | {"text", "int", "number"})
"""Every kind ``kind_of`` gives (none holds a character to escape)."""


def kind_of(key: str, value: Any) -> str:
    kind = _kind_by_name(key.rsplit(".", 1)[-1])
    if kind is not None:
        return kind
    if isinstance(value, bool | str) or value is None:
        return "text"
    return "int" if isinstance(value, int) else "number"


@lru_cache(maxsize=4096)
def _kind_by_name(name: str) -> str | None:
    """The kind a figure's name implies, if any (a study's pages ask for a few hundred names
    some hundred thousand times)."""
    for suffix, kind in KIND_BY_SUFFIX:
        if name.endswith(suffix):
            return kind
    return None


class Fig(NamedTuple):
    """One figure as shown: its path in report.json, how it is formatted, and the text. (A named
    tuple: made hundreds of thousands of times for a study, where a frozen dataclass is slower.)"""

    key: str
    kind: str
    text: str
    value: Any


class FigureView:
    """Figures of one group, formatted on access: ``v["human_response_rate"]`` → Fig."""

    def __init__(self, prefix: str, data: dict[str, Any], locale: Locale) -> None:
        self.prefix = prefix
        self.data = data
        self.locale = locale

    def __getitem__(self, key: str) -> Fig:
        value: Any = self.data
        if "." in key or type(value) is not dict:
            for part in key.split("."):
                value = value[int(part)] if isinstance(value, list) else value[part]
        else:  # most names: one level down
            value = value[key]
        kind = kind_of(key, value)
        return Fig(f"{self.prefix}.{key}", kind, self.locale.format(kind, value), value)

    def raw(self, key: str) -> Any:
        return self[key].value


@dataclass(frozen=True)
class ReplyView:
    arrived: str
    after: str
    sender: str
    subject: str
    label: str
    label_text: str
    auto_label: str | None
    manual_label: str | None
    reasons: tuple[str, ...]
    match_method: str
    excerpt: str
    evidence: str
    quality: QualityScore | None
    """The quality helper's score of this reply (rendered by partials/reply_quality.html), or None."""
    manual_score: str


@dataclass(frozen=True)
class EvidenceView:
    kind: str
    caption: str
    href: str
    is_image: bool


@dataclass(frozen=True)
class StepView:
    """One step of an inquiry's timeline: sent → acknowledged → answered."""

    kind: str
    text: str
    when: str
    after: str


@dataclass(frozen=True)
class InquiryView:
    id: str
    channel: str
    channel_text: str
    scenario: str
    target: str
    subject: str
    state: str
    state_text: str
    outcome: str | None
    detail: str
    sent: str
    figures: FigureView
    evidence: str | None
    files: tuple[EvidenceView, ...]
    timeline: tuple[StepView, ...]
    replies: tuple[ReplyView, ...]
    transcript: tuple[TranscriptLine, ...] | None
    """The chat's lines as stored when it was judged (partials/transcript.html), or None."""


@dataclass(frozen=True)
class ChannelView:
    channel: str
    name: str
    figures: FigureView
    reachability: str
    reachability_text: str
    score: Fig | None

    @property
    def has_chat(self) -> bool:
        """Whether the channel's data holds chats or chat attempts (the chat table shows it)."""
        return bool(self.figures.data.get("chats") or self.figures.data.get("chat_online", {}).get("of"))


@dataclass(frozen=True)
class ConsistencyView:
    """One company and scenario compared across channels: the facts each channel's answer states."""

    company: str
    company_name: str
    scenario: str
    consistent: bool
    channels: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class ChatOnlineView:
    """Chat online by weekday and hour: the weekdays, and the hours that saw attempts."""

    figures: FigureView
    weekdays: tuple[tuple[str, str], ...]
    hours: tuple[str, ...]


@dataclass(frozen=True)
class CompanyView:
    slug: str
    name: str
    page: str
    rank: int
    overall: FigureView
    score: FigureView
    channels: tuple[ChannelView, ...]
    inquiries: tuple[InquiryView, ...]
    charts: dict[str, Markup]
    matrix: tuple[tuple[str, str], ...]
    """(status, text) per channel of the audit, in the report's channel order."""
    consistency: FigureView
    consistency_cases: tuple[ConsistencyView, ...]
