"""What the store hands out: frozen records, the words stored in their state columns, and stored times.

Plain data with no connection behind it, so ``measure/`` and the report compute on records
without being able to write anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from servaudit.labels import (
    FINAL_STATES,
    PENDING,
    QUEUED,
    REFUSED,
    REJECTED,
    RELEASED,
    SENDING,
    SENT,
    UNCERTAIN,
)
from servaudit.timing import now

__all__ = [
    "FINAL_STATES",
    "PENDING",
    "QUEUED",
    "REFUSED",
    "REJECTED",
    "RELEASED",
    "SENDING",
    "SENT",
    "UNCERTAIN",
    "now",
]

RUN_JUDGED = "run"
"""``messages.decided`` of a reply judged when it came in during a run (a chat turn): collect keeps it."""


# -- times: stored as ISO 8601 text in UTC ---------------------------------------


def to_text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def from_text(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


# -- records -------------------------------------------------------------------


@dataclass(frozen=True)
class InquiryRecord:
    id: str
    company: str
    channel: str
    scenario: str
    wave: int
    target: str
    state: str
    sender: str | None
    reply_address: str | None
    subject: str | None
    body: str | None
    message_id: str | None
    created_at: datetime
    sent_at: datetime | None
    detail: str | None
    outcome: str | None = None
    kind: str = "inquiry"
    """``inquiry`` (planned), ``reminder`` or ``followup`` (sent in the thread of ``parent_id``)."""
    parent_id: str | None = None


class InquiryKeys(NamedTuple):
    """What matching reads of an inquiry (its InquiryRecord's fields of these names), without its
    body: all a collect with nothing to decide reads of every inquiry."""

    id: str
    company: str
    state: str
    sent_at: datetime | None
    message_id: str | None
    reply_address: str | None
    subject: str | None


@dataclass(frozen=True)
class AttemptRecord:
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    detail: str | None


@dataclass(frozen=True)
class EvidenceRecord:
    inquiry_id: str
    kind: str
    path: str
    """Relative to the audit folder."""
    caption: str
    sha256: str | None = None
    """Of the file when the probe recorded it; None in stores from before schema 2."""


@dataclass(frozen=True)
class Decided:
    """A new message's decision as its rows hold it, encoded where it was judged (a judging process
    may do that), so the collect that stores it only writes them (``MessageQueries.add_message`` and
    ``save_decided``). JSON columns are text here already."""

    decided: str
    """``messages.decided``: the judge version, for an unmatched message with the inquiries' generation."""
    inquiry_id: str | None = None
    match_method: str | None = None
    unreadable: str | None = None
    """Why it could not be judged; then nothing below is set."""
    classification: tuple[str, str, str] | None = None
    """(label, reasons as JSON, judge version): the automatic class."""
    quality: tuple[int, str, str] | None = None
    """(score, answered, checks as JSON); None: the message gets no score."""
    judgement: tuple[str, str, str | None, str, str] | None = None
    """(version, excerpt, stated, acknowledgement, findings): its reading, as ``judgement_values``
    gives it."""


@dataclass(frozen=True)
class MessageRecord:
    id: int
    source: str
    arrived_at: datetime
    header_message_id: str | None
    from_addr: str | None
    subject: str | None
    inquiry_id: str | None
    match_method: str | None
    label: str | None
    reasons: tuple[str, ...]
    manual_label: str | None
    manual_comment: str | None
    manual_score: int | None = None
    arrival_resolution: float = 0.0
    """Seconds the server's arrival time is uncertain by (INTERNALDATE: 1); ``arrived_at`` is the middle."""
    unreadable: str | None = None
    """Why the message could not be parsed, matched or classified (kept byte for byte all the same)."""
    version: str | None = None
    """The judge version of the automatic class."""
    decided: str | None = None
    """With what collect decided it: the judge version, for an unmatched one also the inquiries'
    generation it was compared with (``messages.decided``)."""
