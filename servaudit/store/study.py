"""Named queries for a study over weeks: its seed, the inquiries its limits refused, and what was sent when.

The seed is drawn once (``begin_study``): whoever comes second reads the first one's, so the same
audit and store always plan the same send times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from servaudit.scrubbing import scrub
from servaudit.store.connection import Connection
from servaudit.store.records import PENDING, REFUSED, RELEASED, from_text, now, to_text


@dataclass(frozen=True)
class StudyRecord:
    seed: str
    started_at: datetime


@dataclass(frozen=True)
class SendRecord:
    """One attempt that may have reached a company (claimed, sent, rejected or uncertain)."""

    company: str
    target: str
    started_at: datetime


REFUSAL_FIELDS = ("id", "company", "channel", "scenario", "wave", "target")


class StudyQueries(Connection):
    def study(self) -> StudyRecord | None:
        row = self.db.execute("SELECT seed, started_at FROM study WHERE id=1").fetchone()
        if row is None:
            return None
        return StudyRecord(row["seed"], from_text(row["started_at"]) or now())

    def begin_study(self, seed: str, started_at: datetime) -> StudyRecord:
        """Keep ``seed`` unless the study has one already; returns the study's (the first one drawn)."""
        with self.transaction():
            self.db.execute(
                "INSERT INTO study (id, seed, started_at) VALUES (1, ?, ?) ON CONFLICT DO NOTHING",
                (seed, to_text(started_at)),
            )
        found = self.study()
        assert found is not None
        return found

    def refuse(self, fields: dict[str, object], reason: str) -> bool:
        """Record that the limits stopped an inquiry; returns whether anything changed.

        Only an inquiry nothing was sent for can be refused (never claimed, pending or refused before);
        a later run that finds the reason gone claims it like a pending one.
        """
        values = tuple(fields[name] for name in REFUSAL_FIELDS)
        reason = scrub(reason)
        with self.transaction():
            row = self.db.execute(
                "SELECT state, detail FROM inquiries WHERE id=?", (fields["id"],)
            ).fetchone()
            if row is None:
                self.db.execute(
                    "INSERT INTO inquiries (id, company, channel, scenario, wave, target, state, created_at,"
                    " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*values, REFUSED, to_text(now()), reason),
                )
                return True
            if row["state"] not in (PENDING, REFUSED) or (row["state"], row["detail"]) == (REFUSED, reason):
                return False
            self.db.execute(
                "UPDATE inquiries SET state=?, detail=? WHERE id=?", (REFUSED, reason, fields["id"])
            )
            return True

    def send_history(self) -> list[SendRecord]:
        """Every attempt that may have reached a company, oldest first: what the limits count."""
        rows = self.db.execute(
            "SELECT i.company, i.target, a.started_at FROM attempts a JOIN inquiries i ON i.id = a.inquiry_id"
            " WHERE a.outcome NOT IN (?, ?) ORDER BY a.started_at",
            (PENDING, RELEASED),
        )
        return [SendRecord(r["company"], r["target"], from_text(r["started_at"]) or now()) for r in rows]
