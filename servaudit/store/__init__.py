"""The store: the audit's single source of truth, in SQLite or PostgreSQL (explicit SQL, no ORM), and its
only doorway.

Two rules shape it. An inquiry is claimed (state ``sending``) and committed
*before* anything leaves the machine, so a crash can never lead to a second
send. Received mail is kept as raw bytes, deduplicated by source and content,
so collecting twice or after a mailbox renumbering loses nothing and adds
nothing.

No SQL lives outside this package: callers use the named queries of :class:`Store`
(``tests/test_store_doorway.py`` keeps it so). Where things are:

- ``schema.py``: the tables, ``SCHEMA_VERSION`` with its written history, the numbered migrations;
- ``connection.py``: opening the file or database, transactions, the migration runner and its backup;
- ``postgres.py``: a store in PostgreSQL by URL (psycopg), what differs from SQLite;
- ``records.py``: the frozen records handed out, the state words, stored times;
- one module of named queries per subject: ``inquiries.py`` (claims, attempts, evidence),
  ``messages.py`` (received mail, classifications), ``judgements.py`` (what a reply or chat was
  read as, for the report), ``scores.py``, ``cursors.py``, ``discoveries.py``, ``study.py`` (a study's
  seed, refusals, what was sent when), ``accessibility.py`` (a form or chat probe's accessibility check),
  ``jobs.py`` (the distributed path's queue and claims).

The store imports nothing above ``errors`` (and the leaves ``scrubbing`` and ``judgement``).
"""

from __future__ import annotations

from servaudit.store.accessibility import AccessibilityQueries
from servaudit.store.connection import DEFAULT_FILE, Target, exists, sqlite_path, store_target
from servaudit.store.cursors import CursorQueries
from servaudit.store.discoveries import DiscoveryQueries
from servaudit.store.inquiries import InquiryQueries
from servaudit.store.jobs import JobQueries
from servaudit.store.judgements import JudgementQueries
from servaudit.store.messages import MessageQueries
from servaudit.store.records import (
    FINAL_STATES,
    PENDING,
    QUEUED,
    REFUSED,
    REJECTED,
    RELEASED,
    RUN_JUDGED,
    SENDING,
    SENT,
    UNCERTAIN,
    AttemptRecord,
    Decided,
    EvidenceRecord,
    InquiryKeys,
    InquiryRecord,
    MessageRecord,
    from_text,
    now,
    to_text,
)
from servaudit.store.schema import MIGRATIONS, SCHEMA, SCHEMA_VERSION
from servaudit.store.scores import ScoreQueries
from servaudit.store.study import StudyQueries

__all__ = [
    "DEFAULT_FILE",
    "FINAL_STATES",
    "MIGRATIONS",
    "PENDING",
    "QUEUED",
    "REFUSED",
    "REJECTED",
    "RELEASED",
    "RUN_JUDGED",
    "SCHEMA",
    "SCHEMA_VERSION",
    "SENDING",
    "SENT",
    "UNCERTAIN",
    "AttemptRecord",
    "Decided",
    "EvidenceRecord",
    "InquiryKeys",
    "InquiryRecord",
    "MessageRecord",
    "Store",
    "Target",
    "exists",
    "from_text",
    "now",
    "sqlite_path",
    "store_target",
    "to_text",
]


class Store(
    JobQueries,
    InquiryQueries,
    MessageQueries,
    ScoreQueries,
    JudgementQueries,
    CursorQueries,
    DiscoveryQueries,
    StudyQueries,
    AccessibilityQueries,
):
    """An open audit store: ``Store(path)`` (or ``Store(store_target(url, folder))``) creates it, or
    migrates it (keeping a backup), or refuses it.

    Every method is a named query; group several in ``with store.transaction():`` to make them
    all or nothing.
    """
