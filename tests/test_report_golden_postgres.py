"""The frozen demo audit's report, from PostgreSQL: the golden test's schema-2 store, moved row by row
into a database of schema 2, is migrated there, re-judged where stale and reported, and must give the
very report.json and page texts the SQLite store gives (tests/test_report_golden.py).

Every named query the report and the refresh use runs here on PostgreSQL against known answers:
ordering, types, upserts of the re-judged rows."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from servaudit.store import store_target
from tests.store_files import old_store, run_sql
from tests.test_report_golden import EXPECTED_JSON, EXPECTED_TEXT, copy_fixture, render, without_timestamp

IDENTITY_TABLES = ("attempts", "messages", "evidence")
"""Tables whose ``id`` numbers itself: after rows with their own ids, it goes on after the largest."""


def move_to_postgres(sqlite_file: Path, url: str, folder: Path) -> None:
    """Every row of an SQLite store of schema 2 into an empty PostgreSQL store of schema 2."""
    import psycopg

    target = store_target(url, folder)
    old_store(target, 2)
    source = sqlite3.connect(sqlite_file)
    try:
        tables = [row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
            cursor.execute("DELETE FROM meta")
            for table in tables:
                rows = source.execute(f"SELECT * FROM {table}")
                names = [column[0] for column in rows.description]
                marks = ", ".join(["%s"] * len(names))
                statement = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"
                cursor.executemany(statement, rows.fetchall())  # type: ignore[arg-type]  # the test's own
    finally:
        source.close()
    for table in IDENTITY_TABLES:
        run_sql(target, f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) FROM {table}", ())


def test_the_demo_report_from_postgresql_is_the_golden_one(tmp_path: Path, postgres_url: str) -> None:
    folder = copy_fixture(tmp_path / "audit")
    move_to_postgres(folder / "servaudit.sqlite", postgres_url, folder)
    (folder / "servaudit.sqlite").unlink()
    audit_file = folder / "audit.toml"
    audit_file.write_text(
        audit_file.read_text().replace("[audit]\n", f'[audit]\nstore = "{postgres_url}"\n', 1)
    )
    assert run_sql(
        store_target(postgres_url, folder), "SELECT value FROM meta WHERE key='schema_version'", ()
    ) == [("2",)]

    data, text, said = render(folder, tmp_path / "report")

    assert without_timestamp(data) == without_timestamp(json.loads(EXPECTED_JSON.read_text(encoding="utf-8")))
    assert text == EXPECTED_TEXT.read_text(encoding="utf-8")
    assert "re-judged" in said
    assert list(folder.glob("servaudit-*.schema-2.dump")), "migrated after pg_dump took a copy"
    assert not (folder / "servaudit.sqlite").exists(), "nothing went to an SQLite file"
