"""Stores written by every earlier schema are migrated: data kept, a backup first, the version stamped, once.

Each old store is built from the DDL that version really had (``tests/data/store-v{n}.sql``,
taken from the git history of the store), with a row in every table.
"""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from servaudit.errors import StoreError
from servaudit.store import MIGRATIONS, SCHEMA_VERSION, Store, Target, store_target
from tests.postgres_server import PostgresCluster
from tests.store_files import DATA, dump, old_store, run_sql, table_shapes

KEPT = sorted(
    int(m.group(1)) for p in DATA.glob("store-v*.sql") if (m := re.fullmatch(r"store-v(\d+)\.sql", p.name))
)
"""The schema versions whose DDL is kept: every store a released servaudit may have written."""

ROWS = """
INSERT INTO inquiries (id, company, channel, scenario, wave, target, state, sender, reply_address, subject,
    body, message_id, sent_raw, created_at, sent_at, detail, outcome)
VALUES ('acme.email.q.w1', 'acme', 'email', 'q', 1, 'service@acme.example', 'sent', 'anna@box.example',
    'anna@box.example', 'Frage', 'Hallo', '<q1@box.example>', x'4869', '2026-01-05T09:00:00+00:00',
    '2026-01-05T09:00:01+00:00', '250 ok', NULL);
INSERT INTO attempts (inquiry_id, started_at, finished_at, outcome, detail)
VALUES ('acme.email.q.w1', '2026-01-05T09:00:00+00:00', '2026-01-05T09:00:01+00:00', 'sent', '250 ok');
INSERT INTO messages (source, sha256, raw, arrived_at, collected_at, header_message_id, from_addr, subject,
    inquiry_id, match_method)
VALUES ('maildir:1', 'abc', x'52653a', '2026-01-05T10:00:00+00:00', '2026-01-05T11:00:00+00:00',
    '<r1@acme.example>', 'jana@acme.example', 'AW: Frage', 'acme.email.q.w1', 'in-reply-to');
INSERT INTO classifications (message_id, origin, label, reasons, comment, created_at)
VALUES (1, 'auto', 'human', '["a person signed"]', NULL, '2026-01-05T11:00:00+00:00'),
       (1, 'manual', 'human', '["graded by a consultant"]', 'checked', '2026-01-06T08:00:00+00:00');
INSERT INTO evidence (inquiry_id, kind, path, caption, created_at)
VALUES ('acme.email.q.w1', 'mail', 'evidence/q1.eml', 'the inquiry', '2026-01-05T09:00:01+00:00');
INSERT INTO mailbox_cursors VALUES ('imap:anna', '{"uid": 7, "uidvalidity": 1}');
INSERT INTO quality_scores VALUES (1, 80, 'yes', '{"checks": []}', '2026-01-05T11:00:00+00:00');
INSERT INTO manual_scores VALUES (1, 70, '2026-01-06T08:00:00+00:00');
INSERT INTO discoveries
VALUES ('acme', 'https://acme.example/', '2026-01-04T08:00:00+00:00', '{"channels": []}');
"""


@pytest.fixture
def fresh(where: Target, tmp_path: Path, request: pytest.FixtureRequest) -> Target:
    """A second, empty store on the same backend as ``where``."""
    if isinstance(where, Path):
        return tmp_path / "fresh.sqlite"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    name = cluster.database()
    request.addfinalizer(lambda: cluster.drop(name))
    return store_target(cluster.url(name), tmp_path)


def restored(backup: Path, into: Target) -> Target:
    """The store a backup holds: SQLite's is a store file itself; pg_dump's is restored with pg_restore."""
    if isinstance(into, Path):
        return backup
    restore = ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={into.url}", str(backup)]
    subprocess.run(restore, check=True)
    return into


def test_every_version_has_its_migration_and_every_earlier_one_its_ddl() -> None:
    assert sorted(MIGRATIONS) == list(range(2, SCHEMA_VERSION + 1)), "MIGRATIONS[n] brings n-1 to n"
    assert set(range(1, SCHEMA_VERSION)) <= set(KEPT), "keep the DDL of every earlier version in tests/data"


@pytest.mark.parametrize("version", KEPT)
def test_a_store_of_an_earlier_schema_is_migrated_once_with_its_data_and_a_backup(
    where: Target, fresh: Target, tmp_path: Path, version: int, request: pytest.FixtureRequest
) -> None:
    path = where
    old_store(path, version, ROWS)
    before = dump(path)

    store = Store(path)

    assert store.schema_version() == SCHEMA_VERSION
    if version < SCHEMA_VERSION:
        if isinstance(path, Path):
            assert store.backup == tmp_path / f"servaudit.sqlite.schema-{version}.bak"
        else:
            assert store.backup is not None and store.backup.name.endswith(f".schema-{version}.dump")
            assert store.backup.parent == tmp_path, "pg_dump's copy lies in the audit folder"
        assert dump(restored(store.backup, fresh)) == before, "the backup is the store exactly as it was"
        if not isinstance(fresh, Path):
            run_sql(fresh, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    else:
        assert store.backup is None, "a store of this version is not touched"
    Store(fresh).close()
    assert table_shapes(path) == table_shapes(fresh), (
        "the migrations lead to the very schema a new audit gets"
    )

    [inquiry] = store.inquiries()
    assert (inquiry.id, inquiry.state, inquiry.message_id) == ("acme.email.q.w1", "sent", "<q1@box.example>")
    assert inquiry.sent_at == datetime(2026, 1, 5, 9, 0, 1, tzinfo=UTC)
    assert store.sent_raw(inquiry.id) == b"Hi"
    assert [(a.outcome, a.detail) for a in store.attempts(inquiry.id)] == [("sent", "250 ok")]
    [message] = store.replies_to(inquiry.id)
    assert (message.label, message.reasons, message.manual_label, message.manual_comment) == (
        "human", ("a person signed",), "human", "checked",
    )
    assert (message.manual_score, message.subject, store.raw_message(message.id)) == (70, "AW: Frage", b"Re:")
    if version == 1:  # what schema 2 added starts empty: nothing is invented for old rows
        assert (message.arrival_resolution, message.unreadable, message.version) == (0.0, None, None)
    [evidence] = store.evidence()
    assert (evidence.path, evidence.caption) == ("evidence/q1.eml", "the inquiry")
    assert store.cursor("imap:anna") == {"uid": 7, "uidvalidity": 1}
    assert store.quality_rows() == [(1, '{"checks": []}')]
    assert store.discoveries()["acme"]["discovered_at"] == "2026-01-04T08:00:00+00:00"
    assert store.message_totals() == (1, 0, 0, {"human": 1})

    # The migrated store takes what the newest schema writes.
    with store.transaction():
        store.set_decided(message.id, "judge-9", "cannot be parsed")
        added = store.add_message("imap:INBOX:1:8", b"later", message.arrived_at, None, None, None, 1.0)
    assert added is not None
    assert [m.unreadable for m in store.messages()] == ["cannot be parsed", None]
    store.close()

    migrated = path.read_bytes() if isinstance(path, Path) else dump(path)
    backups = sorted(p.name for p in tmp_path.glob("*.bak"))
    again = Store(path)
    again.close()
    assert again.backup is None, "a second open migrates nothing"
    assert (path.read_bytes() if isinstance(path, Path) else dump(path)) == migrated, "and writes nothing"
    assert sorted(p.name for p in tmp_path.glob("*.bak")) == backups


def test_a_migration_that_fails_leaves_the_store_as_it_was(
    where: Target, fresh: Target, tmp_path: Path
) -> None:
    """All steps run in one transaction: a store that half-looks migrated (a column of schema 2
    already there, by a hand or a development build) fails the migration and keeps version 1 whole."""
    path = where
    old_store(path, 1, ROWS + "ALTER TABLE messages ADD COLUMN decided TEXT;")
    before = dump(path)
    why = (
        "duplicate column name: decided"
        if isinstance(path, Path)
        else 'column "decided" of relation "messages" already exists'
    )
    refused = rf"from schema 1 to \d+ \({why}\); it is left as it was, and a copy is in"
    with pytest.raises(StoreError, match=refused):
        Store(path)
    assert dump(path) == before, "no statement of the failed migration is left behind"
    if isinstance(path, Path):
        assert dump(path.with_name("servaudit.sqlite.schema-1.bak")) == before
    else:
        [backup] = tmp_path.glob("*.schema-1.dump")
        assert dump(restored(backup, fresh)) == before


def test_without_pg_dump_a_postgresql_store_is_not_migrated(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No copy, no migration: the error says why and what to do, and the store stays as it was."""
    where = store_target(postgres_url, tmp_path)
    old_store(where, SCHEMA_VERSION - 1, ROWS)
    before = dump(where)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # a machine without the PostgreSQL client
    with pytest.raises(StoreError, match="pg_dump is not installed: install the PostgreSQL client"):
        Store(where)
    assert dump(where) == before
    assert not list(tmp_path.glob("*.dump"))
