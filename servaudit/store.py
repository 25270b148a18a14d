"""The store: the audit's single source of truth, in SQLite (explicit SQL, no ORM).

Two rules shape it. An inquiry is claimed (state ``sending``) and committed
*before* anything leaves the machine, so a crash can never lead to a second
send. Received mail is kept as raw bytes, deduplicated by source and content,
so collecting twice or after a mailbox renumbering loses nothing and adds
nothing.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from servaudit.errors import ConfigError, ReleaseRefused, StoreError
from servaudit.judgement import AcknowledgementTraits, ChatJudgement, ChatObservation, ReplyJudgement
from servaudit.secrets import scrub

SCHEMA_VERSION = 3
"""The store's schema, with its history (each step is a migration in MIGRATIONS):

1. The first schema (servaudit 0.1.0): inquiries, attempts, messages, classifications,
   evidence, cursors, quality and manual scores, discoveries.
2. Messages record their arrival time's resolution (IMAP INTERNALDATE: 1 s), whether they
   could not be read (and why), and with which judge version and inquiry set they were
   decided, so collect re-judges only what could change; automatic classifications record
   the judge version that made them; evidence files record their SHA-256, so a report copies
   only files unchanged since the probe wrote them.
3. Judge once: what the report needs from a message (its excerpt, the scenario facts it states,
   its acknowledgement traits) is stored at collect time in ``judgements``, and what it needs
   from a chat (its summary, its transcript lines) at run time in ``chats``, each with the
   version that read it; the report reads these and never the raw mail or evidence files.
"""
DEFAULT_FILE = "servaudit.sqlite"
RUN_JUDGED = "run"
"""``messages.decided`` of a reply judged when it came in during a run (a chat turn): collect keeps it."""

# Inquiry states. ``pending``: known, nothing left the machine, will be tried
# again. ``sending``: claimed; if a run finds it, that run died mid-send and the
# inquiry becomes ``uncertain`` (never re-sent automatically).
PENDING, SENDING, SENT, REJECTED, UNCERTAIN = "pending", "sending", "sent", "rejected", "uncertain"
FINAL_STATES = frozenset({SENDING, SENT, REJECTED, UNCERTAIN})
RELEASED = "released"
"""An attempt's outcome when a consultant decided an uncertain inquiry (servaudit release)."""

JUDGEMENT_TABLES = """
CREATE TABLE IF NOT EXISTS judgements (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    version TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    stated TEXT,
    acknowledgement TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chats (
    inquiry_id TEXT PRIMARY KEY REFERENCES inquiries(id),
    version TEXT NOT NULL,
    observation TEXT,
    transcript TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""
"""Schema 3: what judging read from a message or a chat, for the report (see SCHEMA_VERSION)."""

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inquiries (
    id TEXT PRIMARY KEY,
    company TEXT NOT NULL,
    channel TEXT NOT NULL,
    scenario TEXT NOT NULL,
    wave INTEGER NOT NULL,
    target TEXT NOT NULL,
    state TEXT NOT NULL,
    sender TEXT,
    reply_address TEXT,
    subject TEXT,
    body TEXT,
    message_id TEXT UNIQUE,
    sent_raw BLOB,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    detail TEXT,
    outcome TEXT
);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    inquiry_id TEXT NOT NULL REFERENCES inquiries(id),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT NOT NULL,
    detail TEXT
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL UNIQUE,
    raw BLOB NOT NULL,
    arrived_at TEXT NOT NULL,
    collected_at TEXT NOT NULL,
    header_message_id TEXT,
    from_addr TEXT,
    subject TEXT,
    inquiry_id TEXT REFERENCES inquiries(id),
    match_method TEXT,
    arrival_resolution REAL NOT NULL DEFAULT 0,
    unreadable TEXT,
    decided TEXT
);
CREATE INDEX IF NOT EXISTS messages_inquiry ON messages(inquiry_id);
CREATE TABLE IF NOT EXISTS classifications (
    message_id INTEGER NOT NULL REFERENCES messages(id),
    origin TEXT NOT NULL,
    label TEXT NOT NULL,
    reasons TEXT NOT NULL,
    comment TEXT,
    created_at TEXT NOT NULL,
    version TEXT,
    PRIMARY KEY (message_id, origin)
);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY,
    inquiry_id TEXT NOT NULL REFERENCES inquiries(id),
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    caption TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    sha256 TEXT
);
CREATE TABLE IF NOT EXISTS mailbox_cursors (mailbox TEXT PRIMARY KEY, cursor TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS quality_scores (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    score INTEGER NOT NULL,
    answered TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS manual_scores (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    score INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS discoveries (
    company TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    discovered_at TEXT NOT NULL,
    result TEXT NOT NULL
);
"""
    + JUDGEMENT_TABLES
)


MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (
        "ALTER TABLE messages ADD COLUMN arrival_resolution REAL NOT NULL DEFAULT 0",
        "ALTER TABLE messages ADD COLUMN unreadable TEXT",
        "ALTER TABLE messages ADD COLUMN decided TEXT",
        "ALTER TABLE classifications ADD COLUMN version TEXT",
        "ALTER TABLE evidence ADD COLUMN sha256 TEXT",
    ),
    3: tuple(statement for statement in JUDGEMENT_TABLES.split(";") if statement.strip()),
}
"""Version → the statements that bring a store of the version before up to it."""


def now() -> datetime:
    return datetime.now(UTC)


def to_text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def from_text(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


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


def sqlite_path(url: str | None, folder: Path) -> Path:
    """The database file for a store URL; only SQLite is implemented so far."""
    if url is None:
        return folder / DEFAULT_FILE
    scheme, sep, rest = url.partition(":")
    usage = "sqlite:///relative/path.sqlite or sqlite:////absolute/path.sqlite"
    if not sep or scheme != "sqlite":
        raise ConfigError(f"audit.store = {url!r}: only sqlite URLs are supported in this version ({usage})")
    # SQLAlchemy's convention: three slashes, then the path (absolute when it starts with one more).
    if rest.startswith("///"):
        rest = rest[3:]
    elif rest.startswith("//"):
        raise ConfigError(f"audit.store = {url!r}: an sqlite URL names no host ({usage})")
    path = Path(rest)
    return path if path.is_absolute() else folder / path


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.backup: Path | None = None
        """Where the store was copied before a migration (None when none ran)."""
        self._savepoints = 0
        if path.is_file() and path.stat().st_size == 0:
            # A store lost or truncated (a failed copy, a full disk), never a new audit: SQLite would
            # take it as a new database, and a run would send every inquiry again.
            raise StoreError(
                f"{path} is empty (0 bytes): the audit's record of what was sent is lost. "
                "Restore it from a copy; to really start a new audit, delete the file"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        except (sqlite3.DatabaseError, OSError) as exc:
            raise StoreError(f"{path}: cannot open the store: {exc}") from None
        self.db.row_factory = sqlite3.Row
        try:
            self._check_foreign()
            # No WAL: every commit must be in the main file itself, because backups and CI caches
            # copy only servaudit.sqlite, and a claim living in servaudit.sqlite-wal is lost with
            # it (then the inquiry is sent twice). FULL syncs each commit before the send starts.
            mode = self.db.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
            if str(mode).lower() != "delete":
                raise StoreError(
                    f"{path}: another servaudit process holds the store in WAL mode; "
                    "let it finish, then run this command again"
                )
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._open_schema()
        except sqlite3.OperationalError as exc:
            self.db.close()
            raise StoreError(f"{path}: cannot open the store: {exc}") from None
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise StoreError(f"{path}: not a servaudit store ({exc}); restore it from a copy") from None
        except StoreError:
            self.db.close()
            raise

    def _check_foreign(self) -> None:
        """Refuse an SQLite file of another program rather than add our tables to it."""
        tables = {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and not {"meta", "inquiries"} <= tables:
            raise StoreError(
                f"{self.path}: an SQLite database, but not a servaudit store (its tables: "
                f"{', '.join(sorted(tables)[:5])}); point audit.store at the audit's own store"
            )

    def is_empty(self) -> bool:
        """No inquiry was ever claimed in this store."""
        return self.db.execute("SELECT 1 FROM inquiries LIMIT 1").fetchone() is None

    def _version(self) -> int | None:
        has_meta = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
        ).fetchone()
        if not has_meta:
            return None
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return None if row is None else int(row["value"])

    def _open_schema(self) -> None:
        """Create a new store, or bring an older one up to SCHEMA_VERSION (a backup is kept first)."""
        version = self._version()
        if version is None:
            with self.transaction() as db:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            return
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: written by a newer servaudit (schema {version}, this one reads up to"
                f" {SCHEMA_VERSION}); upgrade servaudit"
            )
        if version == SCHEMA_VERSION:
            return
        self.backup = self._backup(version)
        with self.transaction() as db:
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    db.execute(statement)
            db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))

    def _backup(self, version: int) -> Path:
        """A copy of the whole store as it was, before the first migration touches it."""
        target = self.path.with_name(f"{self.path.name}.schema-{version}.bak")
        backup = sqlite3.connect(target)
        try:
            self.db.backup(backup)
        finally:
            backup.close()
        return target

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing. Inside another transaction it is a savepoint: it undoes only its own
        work, and the outer transaction commits (so a batch can fail one item and keep the rest)."""
        if self.db.in_transaction:
            self._savepoints += 1
            name = f"s{self._savepoints}"
            self.db.execute(f"SAVEPOINT {name}")
            try:
                yield self.db
            except BaseException:
                self.db.execute(f"ROLLBACK TO {name}")
                self.db.execute(f"RELEASE {name}")
                raise
            self.db.execute(f"RELEASE {name}")
            return
        # IMMEDIATE takes the write lock at once, so two processes cannot both
        # claim the same inquiry.
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- inquiries ---------------------------------------------------------

    def inquiry_states(self) -> dict[str, str]:
        return {row["id"]: row["state"] for row in self.db.execute("SELECT id, state FROM inquiries")}

    def mark_interrupted_sends(self) -> list[str]:
        """Inquiries a crashed run left in ``sending``: they may have gone out, so never again."""
        stamp = to_text(now())
        with self.transaction() as db:
            ids = [r["id"] for r in db.execute("SELECT id FROM inquiries WHERE state=?", (SENDING,))]
            db.execute(
                "UPDATE attempts SET finished_at=?, outcome=?, detail=? WHERE finished_at IS NULL"
                " AND inquiry_id IN (SELECT id FROM inquiries WHERE state=?)",
                (stamp, UNCERTAIN, "found still sending: the run that sent it had stopped", SENDING),
            )
            db.execute(
                "UPDATE inquiries SET state=?, detail=? WHERE state=?",
                (
                    UNCERTAIN,
                    "the run stopped while this inquiry was being sent; it may have gone out",
                    SENDING,
                ),
            )
        return ids

    def claim(self, fields: dict[str, Any]) -> int | None:
        """Record that an inquiry is about to be sent; returns the attempt id, or None if not due.

        Committed before the send: whatever happens next, a later run sees the
        claim and does not send again.
        """
        if self.db.in_transaction:
            raise RuntimeError("a claim must be committed on its own, before the send: not inside a batch")
        started = to_text(now())
        with self.transaction() as db:
            row = db.execute("SELECT state FROM inquiries WHERE id=?", (fields["id"],)).fetchone()
            if row is not None and row["state"] != PENDING:
                return None
            columns = {**fields, "state": SENDING, "created_at": started}
            if row is None:
                names = ", ".join(columns)
                marks = ", ".join("?" for _ in columns)
                db.execute(f"INSERT INTO inquiries ({names}) VALUES ({marks})", tuple(columns.values()))
            else:
                columns.pop("created_at")
                assignments = ", ".join(f"{name}=?" for name in columns)
                db.execute(
                    f"UPDATE inquiries SET {assignments} WHERE id=?", (*columns.values(), fields["id"])
                )
            cursor = db.execute(
                "INSERT INTO attempts (inquiry_id, started_at, outcome) VALUES (?, ?, ?)",
                (fields["id"], started, SENDING),
            )
            return int(cursor.lastrowid or 0)

    def finish(
        self,
        inquiry_id: str,
        attempt_id: int,
        state: str,
        detail: str,
        sent_at: datetime | None,
        outcome: str | None = None,
        evidence: Sequence[tuple[str, str, str, str | None]] = (),
    ) -> None:
        """Record how a send ended; ``evidence`` is (kind, path relative to the audit folder, caption,
        the file's SHA-256)."""
        finished = to_text(now())
        detail = scrub(detail)  # error text may quote a password (a relay echoing it)
        with self.transaction() as db:
            db.execute(
                "UPDATE attempts SET finished_at=?, outcome=?, detail=? WHERE id=?",
                (finished, state, detail, attempt_id),
            )
            db.execute(
                "UPDATE inquiries SET state=?, detail=?, sent_at=?, outcome=? WHERE id=?",
                (state, detail, to_text(sent_at), outcome, inquiry_id),
            )
            db.executemany(
                "INSERT INTO evidence (inquiry_id, kind, path, caption, created_at, sha256)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (inquiry_id, kind, path, caption, finished, digest)
                    for kind, path, caption, digest in evidence
                ],
            )

    def attempts(self, inquiry_id: str) -> list[AttemptRecord]:
        rows = self.db.execute(
            "SELECT started_at, finished_at, outcome, detail FROM attempts WHERE inquiry_id=? ORDER BY id",
            (inquiry_id,),
        )
        return [
            AttemptRecord(
                from_text(r["started_at"]) or now(), from_text(r["finished_at"]), r["outcome"], r["detail"]
            )
            for r in rows
        ]

    def release(self, inquiry_id: str, sent: bool, comment: str) -> None:
        """A consultant's decision on an uncertain inquiry, kept as an attempt of its own.

        Not sent: the inquiry is due again. Sent: it counts as sent at the moment it was claimed
        (the send started right after that commit).
        """
        stamp = to_text(now())
        with self.transaction() as db:
            row = db.execute("SELECT state FROM inquiries WHERE id=?", (inquiry_id,)).fetchone()
            if row is None or row["state"] != UNCERTAIN:
                state = "unknown" if row is None else row["state"]
                raise ReleaseRefused(f"inquiry {inquiry_id} is {state}, not uncertain: nothing to release")
            claimed = db.execute(
                "SELECT MAX(started_at) FROM attempts WHERE inquiry_id=? AND outcome != ?",
                (inquiry_id, RELEASED),
            ).fetchone()[0]
            decision = "sent" if sent else "not sent"
            detail = scrub(f"released by a consultant as {decision}" + (f": {comment}" if comment else ""))
            db.execute(
                "INSERT INTO attempts (inquiry_id, started_at, finished_at, outcome, detail)"
                " VALUES (?, ?, ?, ?, ?)",
                (inquiry_id, stamp, stamp, RELEASED, detail),
            )
            db.execute(
                "UPDATE inquiries SET state=?, detail=?, sent_at=? WHERE id=?",
                (SENT if sent else PENDING, detail, claimed if sent else None, inquiry_id),
            )

    def evidence(self) -> list[EvidenceRecord]:
        rows = self.db.execute("SELECT inquiry_id, kind, path, caption, sha256 FROM evidence ORDER BY id")
        return [EvidenceRecord(**dict(row)) for row in rows]

    def inquiries(self) -> list[InquiryRecord]:
        rows = self.db.execute(
            "SELECT id, company, channel, scenario, wave, target, state, sender, reply_address, subject,"
            " body, message_id, created_at, sent_at, detail, outcome FROM inquiries"
            " ORDER BY company, channel, id"
        )
        return [
            InquiryRecord(
                **{
                    **dict(row),
                    "created_at": from_text(row["created_at"]),
                    "sent_at": from_text(row["sent_at"]),
                }
            )
            for row in rows
        ]

    def sent_raw(self, inquiry_id: str) -> bytes | None:
        row = self.db.execute("SELECT sent_raw FROM inquiries WHERE id=?", (inquiry_id,)).fetchone()
        return None if row is None else row["sent_raw"]

    # -- messages ----------------------------------------------------------

    def is_known_source(self, source: str) -> bool:
        return self.db.execute("SELECT 1 FROM messages WHERE source=?", (source,)).fetchone() is not None

    def add_message(
        self,
        source: str,
        raw: bytes,
        arrived_at: datetime,
        header_message_id: str | None,
        from_addr: str | None,
        subject: str | None,
        arrival_resolution: float = 0.0,
    ) -> int | None:
        """Keep a received message; None when the same source or the same bytes are already stored."""
        digest = hashlib.sha256(raw).hexdigest()
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO messages (source, sha256, raw, arrived_at, collected_at,"
            " header_message_id, from_addr, subject, arrival_resolution) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                source,
                digest,
                raw,
                to_text(arrived_at),
                to_text(now()),
                header_message_id,
                from_addr,
                subject,
                arrival_resolution,
            ),
        )
        return cursor.lastrowid if cursor.rowcount else None

    def raw_message(self, message_id: int) -> bytes:
        row = self.db.execute("SELECT raw FROM messages WHERE id=?", (message_id,)).fetchone()
        return bytes(row["raw"])

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
        self.db.execute(
            "INSERT OR REPLACE INTO classifications"
            " (message_id, origin, label, reasons, comment, created_at, version)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (message_id, origin, label, json.dumps(reasons), comment, to_text(now()), version),
        )

    def remove_manual_grade(self, message_id: int) -> None:
        """Take back a consultant's class for a message (the automatic one stands again)."""
        self.db.execute("DELETE FROM classifications WHERE message_id=? AND origin='manual'", (message_id,))

    def set_decided(self, message_id: int, decided: str, unreadable: str | None = None) -> None:
        """Record with what a message was decided (and why it could not be read, if so)."""
        self.db.execute(
            "UPDATE messages SET decided=?, unreadable=? WHERE id=?", (decided, unreadable, message_id)
        )

    def undecided_messages(self, matched_key: str, unmatched_key: str) -> list[MessageRecord]:
        """Messages whose decision could change: never decided, or decided with another judge or
        (unmatched ones) another set of inquiries. Replies judged during a run are not among them."""
        return self.messages(
            "m.decided IS NULL OR (m.decided != ? AND ("
            "(m.inquiry_id IS NOT NULL AND m.decided != ?) OR (m.inquiry_id IS NULL AND m.decided != ?)))",
            (RUN_JUDGED, matched_key, unmatched_key),
        )

    def message_totals(self) -> tuple[int, int, int, dict[str, int]]:
        """(matched, unmatched, unreadable, automatic class → count) over all messages, counted in SQL."""
        row = self.db.execute(
            "SELECT SUM(unreadable IS NULL AND inquiry_id IS NOT NULL) AS matched,"
            " SUM(unreadable IS NULL AND inquiry_id IS NULL) AS unmatched,"
            " SUM(unreadable IS NOT NULL) AS unreadable FROM messages"
        ).fetchone()
        labels = self.db.execute(
            "SELECT a.label, COUNT(*) AS n FROM messages m JOIN classifications a"
            " ON a.message_id = m.id AND a.origin = 'auto' WHERE m.unreadable IS NULL GROUP BY a.label"
        )
        counts = {r["label"]: r["n"] for r in labels}
        return row["matched"] or 0, row["unmatched"] or 0, row["unreadable"] or 0, counts

    def pending_grades(self) -> list[MessageRecord]:
        """Messages the classifier could not place (``unknown``) that no consultant has graded yet."""
        return self.messages("a.label = 'unknown' AND g.label IS NULL")

    def messages(self, where: str = "1=1", params: tuple[Any, ...] = ()) -> list[MessageRecord]:
        rows = self.db.execute(
            "SELECT m.id, m.source, m.arrived_at, m.header_message_id, m.from_addr, m.subject,"
            " m.inquiry_id, m.match_method, a.label, a.reasons, g.label AS manual_label,"
            " g.comment AS manual_comment, ms.score AS manual_score, m.arrival_resolution, m.unreadable,"
            " a.version FROM messages m"
            " LEFT JOIN classifications a ON a.message_id = m.id AND a.origin = 'auto'"
            " LEFT JOIN classifications g ON g.message_id = m.id AND g.origin = 'manual'"
            " LEFT JOIN manual_scores ms ON ms.message_id = m.id"
            f" WHERE {where} ORDER BY m.arrived_at, m.id",
            params,
        )
        return [
            MessageRecord(
                id=row["id"],
                source=row["source"],
                arrived_at=from_text(row["arrived_at"]) or now(),
                header_message_id=row["header_message_id"],
                from_addr=row["from_addr"],
                subject=row["subject"],
                inquiry_id=row["inquiry_id"],
                match_method=row["match_method"],
                label=row["label"],
                reasons=tuple(json.loads(row["reasons"])) if row["reasons"] else (),
                manual_label=row["manual_label"],
                manual_comment=row["manual_comment"],
                manual_score=row["manual_score"],
                arrival_resolution=row["arrival_resolution"],
                unreadable=row["unreadable"],
                version=row["version"],
            )
            for row in rows
        ]

    # -- quality scores and manual grades --------------------------------------

    def set_quality(
        self, message_id: int, score: int | None, answered: str | None, detail: str | None
    ) -> None:
        """The automatic quality score (detail: its checks as JSON); None removes it."""
        if score is None or answered is None or detail is None:
            self.db.execute("DELETE FROM quality_scores WHERE message_id=?", (message_id,))
            return
        self.db.execute(
            "INSERT OR REPLACE INTO quality_scores VALUES (?, ?, ?, ?, ?)",
            (message_id, score, answered, detail, to_text(now())),
        )

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
            "INSERT OR REPLACE INTO manual_scores VALUES (?, ?, ?)", (message_id, score, to_text(now()))
        )

    # -- mailbox cursors -----------------------------------------------------

    def cursor(self, mailbox: str) -> dict[str, Any]:
        row = self.db.execute("SELECT cursor FROM mailbox_cursors WHERE mailbox=?", (mailbox,)).fetchone()
        return {} if row is None else dict(json.loads(row["cursor"]))

    def save_cursor(self, mailbox: str, cursor: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO mailbox_cursors VALUES (?, ?)",
            (mailbox, json.dumps(cursor, sort_keys=True)),
        )

    # -- discovery (servaudit discover -a) ----------------------------------------

    def save_discovery(self, company: str, url: str, result: dict[str, Any]) -> None:
        """Keep a company's latest discovery result (the JSON of servaudit/discover/model.py)."""
        self.db.execute(
            "INSERT OR REPLACE INTO discoveries VALUES (?, ?, ?, ?)",
            (company, url, to_text(now()), json.dumps(result, ensure_ascii=False)),
        )

    def discoveries(self) -> dict[str, dict[str, Any]]:
        """Company slug → its latest discovery result, with ``discovered_at`` added."""
        rows = self.db.execute("SELECT company, discovered_at, result FROM discoveries ORDER BY company")
        return {
            row["company"]: {**json.loads(row["result"]), "discovered_at": row["discovered_at"]}
            for row in rows
        }

    # -- judgements: read once at collect or run time, what the report shows (schema 3) ----------

    def set_judgement(self, judgement: ReplyJudgement) -> None:
        """Keep what a message was read as (replacing an older reading of it)."""
        traits = judgement.acknowledgement
        self.db.execute(
            "INSERT OR REPLACE INTO judgements VALUES (?, ?, ?, ?, ?, ?)",
            (
                judgement.message_id,
                judgement.version,
                judgement.excerpt,
                None if judgement.stated is None else json.dumps(sorted(judgement.stated)),
                json.dumps([traits.response_time, traits.reference_number, traits.alternatives]),
                to_text(now()),
            ),
        )

    def judgements(self) -> dict[int, ReplyJudgement]:
        """Message row id → its stored reading."""
        rows = self.db.execute("SELECT message_id, version, excerpt, stated, acknowledgement FROM judgements")
        return {
            row["message_id"]: ReplyJudgement(
                message_id=row["message_id"],
                version=row["version"],
                excerpt=row["excerpt"],
                stated=None if row["stated"] is None else frozenset(json.loads(row["stated"])),
                acknowledgement=AcknowledgementTraits(*map(bool, json.loads(row["acknowledgement"]))),
            )
            for row in rows
        }

    def unread_run_replies(self, version: str) -> list[MessageRecord]:
        """Replies judged during a run (chat turns) without a reading of this judge version: collect
        never re-decides them, so the report's refresh reads them (their class stands)."""
        return self.messages(
            "m.decided = ? AND m.unreadable IS NULL AND NOT EXISTS"
            " (SELECT 1 FROM judgements j WHERE j.message_id = m.id AND j.version = ?)",
            (RUN_JUDGED, version),
        )

    def set_chat(self, chat: ChatJudgement) -> None:
        """Keep a chat inquiry's summary and transcript lines (replacing an older reading)."""
        observation = chat.observation
        self.db.execute(
            "INSERT OR REPLACE INTO chats VALUES (?, ?, ?, ?, ?)",
            (
                chat.inquiry_id,
                chat.version,
                None if observation is None else observation.to_json(),
                chat.transcript_json(),
                to_text(now()),
            ),
        )

    def chats(self) -> dict[str, ChatJudgement]:
        """Inquiry id → its chat's stored reading."""
        rows = self.db.execute("SELECT inquiry_id, version, observation, transcript FROM chats")
        return {
            row["inquiry_id"]: ChatJudgement(
                inquiry_id=row["inquiry_id"],
                version=row["version"],
                observation=None
                if row["observation"] is None
                else ChatObservation.from_json(row["observation"]),
                transcript=ChatJudgement.transcript_from_json(row["transcript"]),
            )
            for row in rows
        }
