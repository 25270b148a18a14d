"""Named queries on accessibility checks: what a form or chat probe's check found (schema 7), kept once
at run time so the report reads the store, never the probe's evidence file."""

from __future__ import annotations

import json
from typing import Any

from servaudit.store.connection import Connection, upsert
from servaudit.store.records import now, to_text


class AccessibilityQueries(Connection):
    def set_accessibility(self, inquiry_id: str, channel: str, result: dict[str, Any]) -> None:
        """Keep one probe's accessibility check (replacing an older one of the same inquiry)."""
        self.db.execute(
            upsert("accessibility", ("inquiry_id", "channel", "result", "created_at"), key=("inquiry_id",)),
            (inquiry_id, channel, json.dumps(result, ensure_ascii=False), to_text(now())),
        )

    def accessibility(self) -> dict[str, dict[str, Any]]:
        """Inquiry id → its probe's accessibility check."""
        rows = self.db.execute("SELECT inquiry_id, result FROM accessibility ORDER BY inquiry_id")
        return {row["inquiry_id"]: json.loads(row["result"]) for row in rows}
