"""Named queries on received messages and their classifications.

Received mail is kept as raw bytes, deduplicated by source and content, so collecting twice or
after a mailbox renumbering loses nothing and adds nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from servaudit.store.connection import Connection, upsert
from servaudit.store.judgements import SET_JUDGEMENT
from servaudit.store.records import RUN_JUDGED, Decided, MessageRecord, from_text, now, to_text
from servaudit.store.scores import REMOVE_QUALITY, SET_QUALITY

_SELECT = (
    "SELECT m.id, m.source, m.arrived_at, m.header_message_id, m.from_addr, m.subject,"
    " m.inquiry_id, m.match_method, a.label, a.reasons, g.label AS manual_label,"
    " g.comment AS manual_comment, ms.score AS manual_score, m.arrival_resolution, m.unreadable,"
    " a.version, m.decided FROM messages m"
    " LEFT JOIN classifications a ON a.message_id = m.id AND a.origin = 'auto'"
    " LEFT JOIN classifications g ON g.message_id = m.id AND g.origin = 'manual'"
    " LEFT JOIN manual_scores ms ON ms.message_id = m.id"
)
"""A message with its automatic class, a consultant's class and score; the named queries add the WHERE."""
SET_CLASSIFICATION = upsert(
    "classifications",
    ("message_id", "origin", "label", "reasons", "comment", "created_at", "version"),
    key=("message_id", "origin"),
)
_UNDECIDED = Decided(decided="")
"""The decision columns of a message stored before it is decided (all NULL)."""
_ADD_MESSAGE = (
    "INSERT INTO messages (source, sha256, raw, arrived_at, collected_at, header_message_id,"
    " from_addr, subject, arrival_resolution, inquiry_id, match_method, decided, unreadable)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
KEPT_APART = 256 * 1024
"""Raw mail from this size on is kept in ``message_bytes`` (its ``messages.raw`` empty), written into
its row in place and read back from it. SQLite copies a value bound to a statement twice (the
binding, then the row's record; the cached statement keeps the binding's copy until its next use)
and a selected one twice, and writes a blob in place without a copy only into a row's last column
(``messages.raw`` is not): so a 25 MiB message would cost 50 MiB more at its peak and 25 MiB after
it. Written apart it costs a few pages of the page cache; read back, one copy."""
_RAW = (
    "SELECT m.id, coalesce(b.raw, m.raw) AS raw FROM messages m"
    " LEFT JOIN message_bytes b ON b.message_id = m.id"
)
"""A message's bytes, wherever they are kept (the named queries add the WHERE)."""
_RAW_OR_APART = (
    "SELECT m.raw, b.message_id AS apart FROM messages m"
    " LEFT JOIN message_bytes b ON b.message_id = m.id WHERE m.id=?"
)
"""A message's row bytes and, not NULL where they are kept in ``message_bytes``, ``apart``: one query."""


class MessageQueries(Connection):
    def is_known_source(self, source: str) -> bool:
        return self.db.execute("SELECT 1 FROM messages WHERE source=?", (source,)).fetchone() is not None

    def known_sources(self) -> set[str]:
        """The source of every stored message, read once (a mailbox reader in another thread checks
        against this set; the store's connection stays in the thread that opened it)."""
        return {row["source"] for row in self.db.execute("SELECT source FROM messages")}

    def add_message(
        self,
        source: str,
        raw: bytes,
        arrived_at: datetime,
        header_message_id: str | None,
        from_addr: str | None,
        subject: str | None,
        arrival_resolution: float = 0.0,
        *,
        digest: str | None = None,
        decided: Decided | None = None,
    ) -> int | None:
        """Keep a received message; None when the same source or the same bytes are already stored.
        ``digest``: its SHA-256 in hex, when the caller has it already. ``decided``: its decision's
        columns of ``messages``, written with it (its other rows: ``save_decided``)."""
        stamp = decided or _UNDECIDED
        apart = self.postgres is None and len(raw) >= KEPT_APART
        row = (
            source,
            digest or hashlib.sha256(raw).hexdigest(),
            b"" if apart else raw,
            to_text(arrived_at),
            to_text(now()),
            header_message_id,
            from_addr,
            subject,
            arrival_resolution,
            stamp.inquiry_id,
            stamp.match_method,
            decided.decided if decided else None,
            stamp.unreadable,
        )
        if not apart:
            return self._insert(_ADD_MESSAGE, row)
        with self.transaction():  # the row and its bytes together, or neither
            stored = self._insert(_ADD_MESSAGE, row)
            if stored is not None:
                self.db.execute("INSERT INTO message_bytes VALUES (?, zeroblob(?))", (stored, len(raw)))
                with self.db.blobopen("message_bytes", "raw", stored) as blob:
                    blob.write(raw)
        return stored

    def is_known_content(self, digest: str) -> bool:
        """Whether a message with these bytes (their SHA-256 in hex) is stored."""
        return self.db.execute("SELECT 1 FROM messages WHERE sha256=?", (digest,)).fetchone() is not None

    def save_decided(self, decisions: Sequence[tuple[int, Decided]]) -> None:
        """The rows beside ``messages`` of new messages' decisions (class, score, reading), a few
        statements for all of them: a message stored with ``add_message(decided=…)`` is then decided."""
        created = to_text(now())
        classified = [
            (i, "auto", *d.classification[:2], None, created, d.classification[2])
            for i, d in decisions
            if d.classification is not None
        ]
        scored = [(i, *d.quality, created) for i, d in decisions if d.quality is not None]
        unscored = [(i,) for i, d in decisions if d.quality is None and d.unreadable is None]
        read = [
            (i, *d.judgement[:4], created, d.judgement[4]) for i, d in decisions if d.judgement is not None
        ]
        for statement, rows in (
            (SET_CLASSIFICATION, classified),
            (SET_QUALITY, scored),
            (REMOVE_QUALITY, unscored),
            (SET_JUDGEMENT, read),
        ):
            if rows:
                self.db.executemany(statement, rows)

    def raw_messages(self, message_ids: list[int]) -> dict[int, bytes]:
        """Several messages' bytes in one query (at most a few hundred ids at a time)."""
        marks = ",".join("?" * len(message_ids))
        rows = self.db.execute(f"{_RAW} WHERE m.id IN ({marks})", message_ids)
        return {row["id"]: bytes(row["raw"]) for row in rows}

    def raw_messages_all(self) -> Iterator[tuple[int, bytes]]:
        """Every message's id and bytes in id order, one row at a time (a study's are too many to hold)."""
        for row in self._in_id_order(f"SELECT id, raw FROM ({_RAW}) AS r WHERE 1=1"):
            yield row["id"], bytes(row["raw"])

    def raw_message(self, message_id: int) -> bytes:
        row = self.db.execute(_RAW_OR_APART, (message_id,)).fetchone()
        if row["apart"] is None:
            return bytes(row["raw"])
        # A large message (kept apart only in SQLite): read from its blob, one copy.
        with self.db.blobopen("message_bytes", "raw", message_id, readonly=True) as blob:
            return blob.read()

    def set_match(self, message_id: int, inquiry_id: str | None, method: str | None) -> None:
        self.db.execute(
            "UPDATE messages SET inquiry_id=?, match_method=? WHERE id=?", (inquiry_id, method, message_id)
        )

    def set_classification(
        self,
        message_id: int,
        label: str,
        reasons: list[str],
        origin: str = "auto",
        comment: str | None = None,
        version: str | None = None,
    ) -> None:
        row = (message_id, origin, label, json.dumps(reasons), comment, to_text(now()), version)
        self.db.execute(SET_CLASSIFICATION, row)

    def remove_manual_grade(self, message_id: int) -> None:
        """Take back a consultant's class for a message (the automatic one stands again)."""
        self.db.execute("DELETE FROM classifications WHERE message_id=? AND origin='manual'", (message_id,))

    def set_decided(self, message_id: int, decided: str, unreadable: str | None = None) -> None:
        """Record with what a message was decided (and why it could not be read, if so)."""
        self.db.execute(
            "UPDATE messages SET decided=?, unreadable=? WHERE id=?", (decided, unreadable, message_id)
        )

    def message_totals(self) -> tuple[int, int, int, dict[str, int]]:
        """(matched, unmatched, unreadable, automatic class → count) over all messages, counted in SQL."""
        row = self.db.execute(
            "SELECT COUNT(CASE WHEN unreadable IS NULL AND inquiry_id IS NOT NULL THEN 1 END) AS matched,"
            " COUNT(CASE WHEN unreadable IS NULL AND inquiry_id IS NULL THEN 1 END) AS unmatched,"
            " COUNT(unreadable) AS unreadable FROM messages"
        ).fetchone()
        # Every automatic class, less those of unreadable messages (few, found by the messages_state
        # index). Joining each class to its message read 10,000 rows of the raw-mail table, a page
        # each, to see one column: two thirds of this count in the benchmark's store. A class
        # always has its message (foreign keys are on; messages are never deleted).
        labels = self.db.execute(
            "SELECT label, COUNT(*) AS n FROM classifications WHERE origin = 'auto' GROUP BY label"
        )
        counts = {r["label"]: r["n"] for r in labels}
        if row["unreadable"]:
            of_unreadable = self.db.execute(
                "SELECT label, COUNT(*) AS n FROM classifications WHERE origin = 'auto' AND message_id IN"
                " (SELECT id FROM messages WHERE unreadable IS NOT NULL) GROUP BY label"
            )
            for r in of_unreadable:
                counts[r["label"]] -= r["n"]
            counts = {label: n for label, n in counts.items() if n}
        return row["matched"] or 0, row["unmatched"] or 0, row["unreadable"] or 0, counts

    # -- lists of messages, each in arrival order ---------------------------------

    def messages(self) -> list[MessageRecord]:
        """Every message the audit received."""
        return self._messages("1=1")

    def replies_to(self, inquiry_id: str) -> list[MessageRecord]:
        """The messages matched to one inquiry (its replies: position 1 is the first to arrive)."""
        return self._messages("m.inquiry_id = ?", (inquiry_id,))

    def undecided_messages(self, matched_key: str, *unmatched_keys: str) -> list[MessageRecord]:
        """Messages whose decision could change: never decided, or decided with another judge or
        (unmatched ones) another set of inquiries than any of ``unmatched_keys`` names. Replies
        judged during a run are not among them."""
        marks = ", ".join("?" * len(unmatched_keys))
        return self._messages(
            "m.decided IS NULL OR (m.decided != ? AND ("
            "(m.inquiry_id IS NOT NULL AND m.decided != ?) OR "
            f"(m.inquiry_id IS NULL AND m.decided NOT IN ({marks}))))",
            (RUN_JUDGED, matched_key, *unmatched_keys),
        )

    def pending_grades(self) -> list[MessageRecord]:
        """Messages the classifier could not place (``unknown``) that no consultant has graded yet."""
        return self._messages("a.label = 'unknown' AND g.label IS NULL")

    def unread_run_replies(self, version: str) -> list[MessageRecord]:
        """Replies judged during a run (chat turns) without a reading of this judge version: collect
        never re-decides them, so the report's refresh reads them (their class stands)."""
        return self._messages(
            "m.decided = ? AND m.unreadable IS NULL AND NOT EXISTS"
            " (SELECT 1 FROM judgements j WHERE j.message_id = m.id AND j.version = ?)",
            (RUN_JUDGED, version),
        )

    def _messages(self, where: str, params: tuple[Any, ...] = ()) -> list[MessageRecord]:
        # ``where`` is always one of the literal conditions above, never a caller's text.
        rows = self.db.execute(f"{_SELECT} WHERE {where} ORDER BY m.arrived_at, m.id", params)
        # By position: _SELECT's columns are MessageRecord's fields in their order (a test holds them
        # together). By name, sqlite3.Row compared each name with every column's: a third of the
        # time a study's report spent reading its 20,000 messages. Replies share a few lists of
        # reasons: each is decoded once.
        reasons: dict[str, tuple[str, ...]] = {}
        return [
            MessageRecord(
                row[0],
                row[1],
                from_text(row[2]) or now(),
                row[3],
                row[4],
                row[5],
                row[6],
                row[7],
                row[8],
                (reasons.get(row[9]) or reasons.setdefault(row[9], tuple(json.loads(row[9]))))
                if row[9]
                else (),
                row[10],
                row[11],
                row[12],
                row[13],
                row[14],
                row[15],
                row[16],
            )
            for row in rows
        ]
