"""Named queries on how far collect has got: its cursor in each mailbox (IMAP UIDVALIDITY/UID, Maildir),
and the generations of the inquiries that unmatched messages were compared with."""

from __future__ import annotations

import json
from typing import Any

from servaudit.store.connection import Connection, upsert


class CursorQueries(Connection):
    def cursor(self, mailbox: str) -> dict[str, Any]:
        row = self.db.execute("SELECT cursor FROM mailbox_cursors WHERE mailbox=?", (mailbox,)).fetchone()
        return {} if row is None else dict(json.loads(row["cursor"]))

    def save_cursor(self, mailbox: str, cursor: dict[str, Any]) -> None:
        self.db.execute(
            upsert("mailbox_cursors", ("mailbox", "cursor"), key=("mailbox",)),
            (mailbox, json.dumps(cursor, sort_keys=True)),
        )

    def match_state(self) -> dict[str, Any]:
        """What collect last compared unmatched messages with: ``{"generation": n, "inquiries":
        {id: [fingerprint, company]}, "changes": {generation: [inquiry ids changed in it]}}``."""
        row = self.db.execute("SELECT value FROM meta WHERE key='match_state'").fetchone()
        return {} if row is None else dict(json.loads(row["value"]))

    def save_match_state(self, state: dict[str, Any]) -> None:
        self.db.execute(
            upsert("meta", ("key", "value"), key=("key",)), ("match_state", json.dumps(state, sort_keys=True))
        )

    def known_judge_version(self, key: str) -> str | None:
        """The judge version last built from the judging inputs named by ``key`` (see collect)."""
        row = self.db.execute("SELECT value FROM meta WHERE key='judge_version'").fetchone()
        if row is None:
            return None
        found = json.loads(row["value"])
        return str(found["version"]) if found.get("key") == key else None

    def save_judge_version(self, key: str, version: str) -> None:
        self.db.execute(
            upsert("meta", ("key", "value"), key=("key",)),
            ("judge_version", json.dumps({"key": key, "version": version})),
        )
