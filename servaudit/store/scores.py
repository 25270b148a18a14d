"""Named queries on quality scores: the automatic score of a reply and a consultant's own score.

A consultant's class for a reply is a classification with origin ``manual`` (``messages.py``).
"""

from __future__ import annotations

from servaudit.store.connection import Connection, upsert
from servaudit.store.records import now, to_text

SET_QUALITY = upsert(
    "quality_scores", ("message_id", "score", "answered", "detail", "created_at"), key=("message_id",)
)
REMOVE_QUALITY = "DELETE FROM quality_scores WHERE message_id=?"


class ScoreQueries(Connection):
    def set_quality(
        self, message_id: int, score: int | None, answered: str | None, detail: str | None
    ) -> None:
        """The automatic quality score (detail: its checks as JSON); None removes it."""
        if score is None or answered is None or detail is None:
            self.db.execute(REMOVE_QUALITY, (message_id,))
            return
        self.db.execute(SET_QUALITY, (message_id, score, answered, detail, to_text(now())))

    def quality_rows(self) -> list[tuple[int, str]]:
        """(message id, the score's JSON) for every automatically scored message."""
        rows = self.db.execute("SELECT message_id, detail FROM quality_scores ORDER BY message_id")
        return [(row["message_id"], row["detail"]) for row in rows]

    def set_manual_score(self, message_id: int, score: int | None) -> None:
        """A consultant's score (0–100) for a reply; None removes it."""
        if score is None:
            self.db.execute("DELETE FROM manual_scores WHERE message_id=?", (message_id,))
            return
        self.db.execute(
            upsert("manual_scores", ("message_id", "score", "created_at"), key=("message_id",)),
            (message_id, score, to_text(now())),
        )
