"""What judging produces, as plain frozen records: written at collect or run time, read by the report.

The classifier (servaudit/replies/), the chat channel (servaudit/channels/chat/) and the
engine write these; the store keeps them; servaudit/measure/ and servaudit/report/ read
them. This module imports nothing of servaudit, so a reader of judgements never pulls in
the judging code: a report shows what was decided when the message came in, and changes
only when a newer judge decides again (collect, or the report verb's refresh).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Literal

EXCERPT_CHARS = 1200
"""Characters of a reply's own text kept for the report's excerpt."""

Answered = Literal["fully", "partly", "not"]


@dataclass(frozen=True)
class Check:
    """One check of a reply's quality score."""

    name: str
    passed: bool
    points: int
    """Points this check contributed (0 when failed)."""
    rule: str
    """The rule in one readable sentence, including what was found."""


@dataclass(frozen=True)
class QualityScore:
    """A reply's automatic quality score (servaudit/replies/quality.py) with the checks behind it."""

    score: int
    answered: Answered
    checks: tuple[Check, ...]

    def to_json(self) -> str:
        # What asdict() gives, built directly: asdict copies every value through the dataclass
        # machinery, which cost collect more than storing the score.
        checks = [
            {"name": c.name, "passed": c.passed, "points": c.points, "rule": c.rule} for c in self.checks
        ]
        found = {"score": self.score, "answered": self.answered, "checks": checks}
        return json.dumps(found, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> QualityScore:
        data = json.loads(text)
        return cls(data["score"], data["answered"], tuple(Check(**c) for c in data["checks"]))


@dataclass(frozen=True)
class AcknowledgementTraits:
    """What an acknowledgement's text offers the customer (found by servaudit.replies.acknowledgement)."""

    response_time: bool
    reference_number: bool
    alternatives: bool


@dataclass(frozen=True)
class Promise:
    """A reply time an acknowledgement or auto-reply promises (servaudit.replies.promise).

    Either a duration (``hours``; on the business clock when ``business``) or a deadline date."""

    phrase: str
    """The words that made the promise, as found (the evidence)."""
    hours: float | None = None
    """Promised hours: "48 Stunden" → 48; days are counted as ``days`` instead."""
    days: int | None = None
    """Promised days: "2 Werktage" → 2 (business), "3 Tage" → 3 (calendar)."""
    business: bool = False
    """Counted on the business-hours clock (working days, business hours)."""
    deadline: str | None = None
    """An ISO date ("spätestens am 12.12.") by which the answer is promised."""


@dataclass(frozen=True)
class MailFindings:
    """What a reply shows beyond its class: its promise, a refusal of the channel, support-mail
    hygiene (servaudit.replies.findings). Read once with the judgement; empty values find nothing."""

    promise: Promise | None = None
    ticket: str | None = None
    """The ticket or reference the reply gives (quality.py's reference check), as written."""
    refuses_channel: str | None = None
    """The phrase by which an automatic reply refuses the channel ("this address is not monitored")."""
    noreply_sender: bool = False
    reply_to: str | None = None
    """The Reply-To address where it differs from From."""
    authentication: tuple[tuple[str, str], ...] = ()
    """(method, result) pairs of the mailbox's Authentication-Results: ("spf", "fail"), ("dkim", "pass")."""
    tracking_pixels: tuple[str, ...] = ()
    """Hosts of 1×1 images or known trackers the reply loads."""
    tracked_links: tuple[str, ...] = ()
    """Links that go through a redirect host or carry click ids (utm_*, gclid …): their hosts."""
    language: str | None = None
    """The reply's language where it differs from the inquiry's."""
    informal: tuple[str, ...] = ()
    """Words of informal address (du) in a German reply to a formal (Sie) inquiry."""

    @property
    def authentication_failed(self) -> tuple[str, ...]:
        return tuple(f"{method}={result}" for method, result in self.authentication if result in AUTH_FAILED)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> MailFindings:
        if not text:
            return cls()
        data: dict[str, Any] = json.loads(text)
        promise = data.get("promise")
        return cls(
            **{
                **data,
                "promise": Promise(**promise) if promise else None,
                "authentication": tuple(tuple(pair) for pair in data.get("authentication") or ()),
                "tracking_pixels": tuple(data.get("tracking_pixels") or ()),
                "tracked_links": tuple(data.get("tracked_links") or ()),
                "informal": tuple(data.get("informal") or ()),
            }
        )


AUTH_FAILED = frozenset({"fail", "softfail", "permerror", "temperror"})
"""Authentication-Results results (RFC 8601 §2.7) that count as a failed check; none, neutral and
policy say nothing either way."""


@dataclass(frozen=True)
class ReplyJudgement:
    """What the report needs from one stored message beyond its class, read once with the judge version."""

    message_id: int
    version: str
    """The judge version (replies.classify.judge_version) it was read with."""
    excerpt: str
    """The reply's own text (quote removed), at most EXCERPT_CHARS, as the report shows it."""
    stated: frozenset[str] | None
    """The scenario facts the reply's own text states; None when its scenario lists no facts."""
    acknowledgement: AcknowledgementTraits
    """What the text offers if it is an acknowledgement (read for every matched message: cheap)."""
    findings: MailFindings = MailFindings()
    """Promise, refusal of the channel and support-mail hygiene (servaudit.replies.findings)."""


@dataclass(frozen=True)
class ChatObservation:
    """One chat as its transcript tells it (servaudit.channels.chat.transcript.summarise), in plain values."""

    first_human_seconds: float | None
    """From the visitor's first message to the first human (not bot) message; None: none came."""
    duration_seconds: float | None
    messages: int
    waited_seconds: float | None = None
    """How long the probe waited for a human answer (the company's chat wait_seconds)."""
    bot_took_part: bool = False
    bot_disclosed: bool = False
    disclosure_turn: int | None = None
    human_after_turns: int | None = None
    """Visitor messages sent before the first person's answer (None: no person answered)."""
    human_after_seconds: float | None = None
    asked_for_human: bool = False
    bot_loops: int = 0
    data_before_help: tuple[str, ...] = ()
    """Personal data demanded before any help (customer number, date of birth …)."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> ChatObservation:
        data: dict[str, Any] = json.loads(text)
        return cls(**{**data, "data_before_help": tuple(data.get("data_before_help") or ())})


@dataclass(frozen=True)
class TranscriptLine:
    """One line of a chat transcript as the report shows it (templates only lay these out)."""

    side: str
    """visitor, bot, human or system: the CSS class and the alignment."""
    author: str
    """The display name, or a neutral word for the side."""
    label: str
    text: str
    offset: str
    """Time since the visitor's first message: "+0:12", "−0:03" for a greeting before it."""
    offset_seconds: float | None
    reasons: tuple[str, ...] = ()
    """Why the probe gave the message this author and label (the evidence a consultant checks)."""


@dataclass(frozen=True)
class ChatJudgement:
    """One chat inquiry's transcript, read once at run time (or by the report verb's refresh)."""

    inquiry_id: str
    version: str
    """The chat reading's version (channels.chat.transcript.SUMMARY_VERSION)."""
    observation: ChatObservation | None
    """None when the visitor never wrote: no chat took place."""
    transcript: tuple[TranscriptLine, ...]

    def transcript_json(self) -> str:
        return json.dumps([asdict(line) for line in self.transcript], ensure_ascii=False)

    @staticmethod
    def transcript_from_json(text: str) -> tuple[TranscriptLine, ...]:
        return tuple(
            TranscriptLine(**{**item, "reasons": tuple(item.get("reasons") or ())})
            for item in json.loads(text)
        )
