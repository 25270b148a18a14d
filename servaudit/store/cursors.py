"""Named queries on mailbox cursors: how far collect has read each mailbox (IMAP UIDVALIDITY/UID, Maildir)."""

from __future__ import annotations

import json
from typing import Any

from servaudit.store.connection import Connection


class CursorQueries(Connection):
    def cursor(self, mailbox: str) -> dict[str, Any]:
        row = self.db.execute("SELECT cursor FROM mailbox_cursors WHERE mailbox=?", (mailbox,)).fetchone()
        return {} if row is None else dict(json.loads(row["cursor"]))

    def save_cursor(self, mailbox: str, cursor: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO mailbox_cursors VALUES (?, ?)",
            (mailbox, json.dumps(cursor, sort_keys=True)),
        )
