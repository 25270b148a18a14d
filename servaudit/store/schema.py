"""The store's tables, its schema version, and the numbered migrations that bring an older store up to it.

History (the version lives in ``meta.schema_version``; each step after 1 is ``MIGRATIONS[step]``):

=======  ==========================================================================================
version  what it added, and why
=======  ==========================================================================================
1        The first released schema (servaudit 0.1.0): inquiries and their send attempts (a claim is
         committed before the send), received messages as raw bytes deduplicated by source and
         SHA-256, automatic and manual classifications, evidence files, mailbox cursors, quality and
         manual scores, discoveries. Its DDL is kept in ``tests/data/store-v1.sql``.
2        ``messages.arrival_resolution`` (IMAP INTERNALDATE has whole seconds: response times are
         unbiased only if the store knows it); ``messages.unreadable`` (a message that cannot be
         parsed is kept and says why, instead of stopping collect); ``messages.decided`` and
         ``classifications.version`` (with which judge and which set of inquiries a message was
         decided, so collect re-judges only what a newer classifier could change, never a grade);
         ``evidence.sha256`` (a report copies only evidence files unchanged since the probe wrote
         them). Its DDL is kept in ``tests/data/store-v2.sql``.
3        Judge once: ``judgements`` holds what the report needs from a message (its excerpt, the
         scenario facts it states, its acknowledgement traits), read at collect time with its class;
         ``chats`` holds a chat's summary and transcript lines, read at run time; each row with the
         version that read it. The report reads these, never raw mail or evidence files.
4        A study over weeks: ``study`` holds the seed its send times are drawn from and the moment it
         began, drawn once (servaudit/schedule.py), so the same audit and store always plan the same
         times. An inquiry the limits stop before a live send is kept as state ``refused`` with the
         reason in ``detail`` (no new column).
5        Reminders and follow-ups (issue 18): ``inquiries.kind`` (``inquiry``, ``reminder``,
         ``followup``) and ``inquiries.parent_id``, the inquiry a reminder or follow-up belongs to. Each
         is an inquiry of its own, claimed before its send like any other, so it is never sent twice.
6        ``judgements.findings``: what a reply shows beyond its class, read with it (the promised reply
         time and ticket, an automatic refusal of the channel, support-mail hygiene: no-reply,
         Reply-To, SPF/DKIM/DMARC, tracking, language and register), as JSON
         (servaudit.judgement.MailFindings); NULL in an older row reads as "nothing found" until
         the newer judge reads it again. Its DDL before is kept in ``tests/data/store-v5.sql``.
7        ``accessibility``: what the accessibility check of a form or chat probe found (axe-core's WCAG
         violations, the keyboard-only walk, a CAPTCHA as the only way through), as JSON, read from the
         probe's evidence at run time so the report reads no evidence file. Only with
         ``[audit] accessibility``. Its DDL before is kept in ``tests/data/store-v6.sql``.
8        ``job_runs``: one row per run of a distributed job (issue 17, docs/distributed.md) with the
         worker that ran it and how it ended, so `status --workers` shows done and failed jobs per
         worker after the queue forgot who ran them. Its DDL before is kept in ``tests/data/store-v7.sql``.
9        Indexes ``messages_decided`` (decided, inquiry_id) and ``messages_state`` (inquiry_id,
         unreadable): a collect with nothing new asks which messages wait for a decision and counts
         the totals; without them SQLite read every message row, past each one's raw bytes (10,000
         messages: 37 and 49 ms, now 1 and 13). Its DDL before is kept in ``tests/data/store-v8.sql``.
10       ``message_bytes``: a large message's bytes (from 256 KiB, store/messages.py), its
         ``messages.raw`` left empty. SQLite writes a blob into its row without a copy in memory only
         where it is the row's last column (``zeroblob`` then incremental blob I/O), and
         ``messages.raw`` is not: bound or written there, a 25 MiB message costs 50 MiB more at its
         peak. Its DDL before is kept in ``tests/data/store-v9.sql``.
=======  ==========================================================================================

Rules for a new version: ``SCHEMA`` always describes the newest store (a new audit is created from it
in one step); ``MIGRATIONS[n]`` brings a store of version n-1 to n and is never edited once released;
add a line above saying what the version adds and why, and keep the old DDL in ``tests/data/`` so
``tests/test_store_migrations.py`` migrates a real store of every earlier version.

The DDL is written in SQLite's words (TEXT, INTEGER, REAL, BLOB; ``id INTEGER PRIMARY KEY,`` numbers
itself); ``postgres.ddl`` translates each statement for a store in PostgreSQL, and the migration
tests run on both. Named queries use the SQL both read (``ON CONFLICT`` upserts, not ``INSERT OR``).
"""

from __future__ import annotations

SCHEMA_VERSION = 10
"""The newest schema this servaudit writes and reads; a store stamped with a larger one is refused."""

SCHEMA = """
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
    outcome TEXT,
    kind TEXT NOT NULL DEFAULT 'inquiry',
    parent_id TEXT REFERENCES inquiries(id)
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
CREATE INDEX IF NOT EXISTS messages_decided ON messages(decided, inquiry_id);
CREATE INDEX IF NOT EXISTS messages_state ON messages(inquiry_id, unreadable);
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
JUDGEMENT_TABLES = """
CREATE TABLE IF NOT EXISTS judgements (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    version TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    stated TEXT,
    acknowledgement TEXT NOT NULL,
    created_at TEXT NOT NULL,
    findings TEXT
);
CREATE TABLE IF NOT EXISTS chats (
    inquiry_id TEXT PRIMARY KEY REFERENCES inquiries(id),
    version TEXT NOT NULL,
    observation TEXT,
    transcript TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""
STUDY_TABLE = """
CREATE TABLE IF NOT EXISTS study (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seed TEXT NOT NULL,
    started_at TEXT NOT NULL
);
"""
ACCESSIBILITY_TABLE = """
CREATE TABLE IF NOT EXISTS accessibility (
    inquiry_id TEXT PRIMARY KEY REFERENCES inquiries(id),
    channel TEXT NOT NULL,
    result TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""
JOB_RUNS_TABLE = """
CREATE TABLE IF NOT EXISTS job_runs (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL,
    worker TEXT NOT NULL,
    task TEXT NOT NULL,
    inquiry_id TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT,
    detail TEXT
);
"""
"""``outcome`` NULL while the job runs, then ``done`` or ``failed``; a retried job has a row per run."""
JUDGEMENT_TABLES_V3 = JUDGEMENT_TABLES.replace(",\n    findings TEXT\n", "\n")
"""The judgement tables as version 3 created them (version 6 added ``judgements.findings``)."""
MESSAGE_BYTES_TABLE = """
CREATE TABLE IF NOT EXISTS message_bytes (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    raw BLOB NOT NULL
);
"""
"""A large message's bytes, in the last column of its row (see version 10)."""
SCHEMA += JUDGEMENT_TABLES + STUDY_TABLE + ACCESSIBILITY_TABLE + JOB_RUNS_TABLE + MESSAGE_BYTES_TABLE
"""The newest schema, as a new store is created (``IF NOT EXISTS``: creating twice is harmless)."""


MIGRATIONS: dict[int, tuple[str, ...]] = {
    2: (
        "ALTER TABLE messages ADD COLUMN arrival_resolution REAL NOT NULL DEFAULT 0",
        "ALTER TABLE messages ADD COLUMN unreadable TEXT",
        "ALTER TABLE messages ADD COLUMN decided TEXT",
        "ALTER TABLE classifications ADD COLUMN version TEXT",
        "ALTER TABLE evidence ADD COLUMN sha256 TEXT",
    ),
    3: tuple(statement for statement in JUDGEMENT_TABLES_V3.split(";") if statement.strip()),
    4: tuple(statement for statement in STUDY_TABLE.split(";") if statement.strip()),
    5: (
        "ALTER TABLE inquiries ADD COLUMN kind TEXT NOT NULL DEFAULT 'inquiry'",
        "ALTER TABLE inquiries ADD COLUMN parent_id TEXT REFERENCES inquiries(id)",
    ),
    6: ("ALTER TABLE judgements ADD COLUMN findings TEXT",),
    7: tuple(statement for statement in ACCESSIBILITY_TABLE.split(";") if statement.strip()),
    8: tuple(statement for statement in JOB_RUNS_TABLE.split(";") if statement.strip()),
    9: (
        "CREATE INDEX IF NOT EXISTS messages_decided ON messages(decided, inquiry_id)",
        "CREATE INDEX IF NOT EXISTS messages_state ON messages(inquiry_id, unreadable)",
    ),
    10: tuple(statement for statement in MESSAGE_BYTES_TABLE.split(";") if statement.strip()),
}
"""Version → the statements that bring a store of the version before up to it."""


def statements(script: str) -> list[str]:
    """The statements of a DDL script (none of ours has a ``;`` inside a statement)."""
    return [statement for statement in script.split(";") if statement.strip()]
