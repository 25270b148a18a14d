"""Uncertain inquiries: what is known about each, and a consultant's decision to release one.

An inquiry is uncertain when its send started and servaudit cannot know whether it reached the
relay (a crash, a connection lost during DATA). It is never re-sent automatically; a consultant
looks at the evidence (`servaudit status --uncertain`: the attempts, replies matched to it, the
relay's log they can check) and decides with `servaudit release`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from servaudit.config import Audit
from servaudit.engine import open_store
from servaudit.errors import UsageError
from servaudit.store import UNCERTAIN


@dataclass(frozen=True)
class Uncertain:
    inquiry: str
    target: str
    subject: str | None
    message_id: str | None
    detail: str | None
    attempts: list[dict[str, Any]]
    replies: int
    """Replies already matched to it: a reply means it was sent."""

    def as_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def uncertain(audit: Audit) -> list[Uncertain]:
    store = open_store(audit)
    try:
        found = []
        for record in store.inquiries():
            if record.state != UNCERTAIN:
                continue
            attempts = [
                {
                    "started_at": a.started_at.isoformat(),
                    "finished_at": a.finished_at.isoformat() if a.finished_at else None,
                    "outcome": a.outcome,
                    "detail": a.detail,
                }
                for a in store.attempts(record.id)
            ]
            replies = len(store.messages("m.inquiry_id = ?", (record.id,)))
            found.append(
                Uncertain(
                    record.id,
                    record.target,
                    record.subject,
                    record.message_id,
                    record.detail,
                    attempts,
                    replies,
                )
            )
        return found
    finally:
        store.close()


def release(audit: Audit, inquiry_id: str, decision: str, comment: str) -> None:
    """Record a consultant's decision: ``not-sent`` makes the inquiry due again, ``sent`` counts it."""
    if decision not in ("sent", "not-sent"):
        raise UsageError(f"--as must be sent or not-sent, not {decision!r}")
    store = open_store(audit)
    try:
        store.release(inquiry_id, decision == "sent", comment)
    finally:
        store.close()
