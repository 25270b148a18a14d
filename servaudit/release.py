"""Uncertain inquiries: what is known about each, and a consultant's decision to release one.

An inquiry is uncertain when its send started and servaudit cannot know whether it reached the
relay (a crash, a connection lost during DATA). It is never re-sent automatically; a consultant
looks at the evidence (`servaudit status --uncertain`: the attempts, replies matched to it, the
relay's log they can check) and decides with `servaudit release`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from servaudit.audit_store import open_store
from servaudit.config import Audit
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
            replies = len(store.replies_to(record.id))
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


def describe(found: list[Uncertain]) -> list[str]:
    """The uncertain inquiries for a person: each with its attempts, then how to decide."""
    if not found:
        return ["no uncertain inquiries"]
    lines = []
    for u in found:
        lines.append(
            f"{u.inquiry}: to {u.target}, Message-ID {u.message_id or '-'}; {u.replies} replies matched"
        )
        lines.append(f"  {u.detail or ''}")
        lines += [f"  attempt {a['started_at']}: {a['outcome']} {a['detail'] or ''}" for a in u.attempts]
    lines.append(
        "decide each: servaudit release ID --as not-sent (due again) or --as sent "
        "(check the relay's log for its Message-ID first)"
    )
    return lines


def release(audit: Audit, inquiry_id: str, decision: str, comment: str) -> None:
    """Record a consultant's decision: ``not-sent`` makes the inquiry due again, ``sent`` counts it."""
    if decision not in ("sent", "not-sent"):
        raise UsageError(f"--as must be sent or not-sent, not {decision!r}")
    store = open_store(audit)
    try:
        store.release(inquiry_id, decision == "sent", comment)
    finally:
        store.close()
