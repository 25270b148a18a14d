"""Manual grades: a consultant confirms or overrides a reply's class and quality score, with a comment.

The automatic values stay in the store untouched; a grade is kept next to
them (a classification with origin "manual", and a manual score), so the
report can show both side by side and metrics use the consultant's class.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.errors import UsageError
from servaudit.labels import GRADABLE_LABELS, UNKNOWN
from servaudit.replies.quality import load_quality
from servaudit.store import InquiryRecord, Store

MANUAL_REASON = "graded by a consultant"


@dataclass(frozen=True)
class GradedReply:
    """One reply of an inquiry as `servaudit grade` shows it; ``position`` counts from 1 in arrival order."""

    position: int
    message_id: int
    arrived_at: str
    sender: str
    subject: str
    auto_label: str | None
    manual_label: str | None
    auto_score: int | None
    auto_answered: str | None
    manual_score: int | None
    comment: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def find_inquiry(store: Store, wanted: str) -> InquiryRecord:
    """The inquiry by its id, or by a prefix that names exactly one inquiry."""
    inquiries = store.inquiries()
    exact = [i for i in inquiries if i.id == wanted]
    found = exact or [i for i in inquiries if i.id.startswith(wanted)]
    if len(found) == 1:
        return found[0]
    if not found:
        known = ", ".join(i.id for i in inquiries[:8]) or "none yet"
        raise UsageError(f"no inquiry {wanted!r} in this audit (inquiries: {known}; see `servaudit status`)")
    names = ", ".join(i.id for i in found[:5])
    raise UsageError(f"{wanted!r} names {len(found)} inquiries ({names}); give more of the id")


def replies(store: Store, inquiry_id: str) -> list[GradedReply]:
    scores = load_quality(store)
    rows = []
    for position, record in enumerate(store.replies_to(inquiry_id), start=1):
        auto = scores.get(record.id)
        rows.append(
            GradedReply(
                position=position,
                message_id=record.id,
                arrived_at=record.arrived_at.isoformat(timespec="seconds"),
                sender=record.from_addr or "",
                subject=record.subject or "",
                auto_label=record.label,
                manual_label=record.manual_label,
                auto_score=auto.score if auto else None,
                auto_answered=auto.answered if auto else None,
                manual_score=record.manual_score,
                comment=record.manual_comment,
            )
        )
    return rows


def list_replies(audit: Audit, inquiry: str) -> tuple[InquiryRecord, list[GradedReply]]:
    store = open_store(audit)
    try:
        found = find_inquiry(store, inquiry)
        return found, replies(store, found.id)
    finally:
        store.close()


def grade(
    audit: Audit,
    inquiry: str,
    position: int | None,
    label: str | None = None,
    score: int | None = None,
    comment: str | None = None,
    clear: bool = False,
) -> tuple[InquiryRecord, GradedReply]:
    """Record a consultant's grade for one reply; without ``label`` the automatic class is confirmed."""
    if label is not None and label not in GRADABLE_LABELS:
        raise UsageError(f"--label {label!r} is not a class; choose one of: {', '.join(GRADABLE_LABELS)}")
    if score is not None and not 0 <= score <= 100:
        raise UsageError(f"--score {score} is outside 0–100")
    store = open_store(audit)
    try:
        found = find_inquiry(store, inquiry)
        rows = replies(store, found.id)
        target = _pick(found, rows, position)
        with store.transaction():
            if clear:
                store.remove_manual_grade(target.message_id)
                store.set_manual_score(target.message_id, None)
            else:
                chosen = label or target.auto_label
                if chosen == UNKNOWN:
                    raise UsageError(
                        f"reply {target.position} of {found.id} is unknown to the classifier; "
                        "give --label with the class you read it as"
                    )
                if chosen is None:
                    raise UsageError(
                        f"reply {target.position} of {found.id} has no automatic class yet "
                        "(run `servaudit collect`); give --label"
                    )
                store.set_classification(
                    target.message_id, chosen, [MANUAL_REASON], origin="manual", comment=comment
                )
                if score is not None:
                    store.set_manual_score(target.message_id, score)
        graded = replies(store, found.id)[target.position - 1]
        return found, graded
    finally:
        store.close()


def _pick(inquiry: InquiryRecord, rows: list[GradedReply], position: int | None) -> GradedReply:
    if not rows:
        raise UsageError(f"{inquiry.id} has no replies to grade yet (run `servaudit collect`)")
    if position is None:
        if len(rows) > 1:
            raise UsageError(
                f"{inquiry.id} has {len(rows)} replies; say which with --message 1..{len(rows)} "
                f"(list them with `servaudit grade {inquiry.id}`)"
            )
        return rows[0]
    if not 1 <= position <= len(rows):
        raise UsageError(f"--message {position}: {inquiry.id} has replies 1..{len(rows)}")
    return rows[position - 1]


@dataclass(frozen=True)
class PendingGrade:
    """A matched reply the classifier could not place: it counts as no answer until graded."""

    inquiry: str
    position: int
    arrived_at: str
    sender: str
    subject: str
    why: str
    """The classifier's deciding line."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def pending(audit: Audit) -> list[PendingGrade]:
    """Every matched ``unknown`` reply without a consultant's grade, in arrival order."""
    store = open_store(audit)
    try:
        found = []
        for record in store.pending_grades():
            if record.inquiry_id is None:
                continue  # unmatched: it counts for no inquiry, so no figure waits for it
            siblings = replies(store, record.inquiry_id)
            position = next(r.position for r in siblings if r.message_id == record.id)
            found.append(
                PendingGrade(
                    record.inquiry_id,
                    position,
                    record.arrived_at.isoformat(timespec="seconds"),
                    record.from_addr or "",
                    (record.subject or "")[:120],
                    record.reasons[0] if record.reasons else "",
                )
            )
        return found
    finally:
        store.close()
