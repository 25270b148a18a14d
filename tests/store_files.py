"""Stores as another servaudit (or another program) wrote them: an older schema from its kept DDL, or a
newer stamp.

Written with ``sqlite3`` or psycopg directly on purpose: these are stores the program under test did
not make.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from servaudit.store import Target
from servaudit.store.postgres import ddl

DATA = Path(__file__).parent / "data"


def stamp_schema(path: Target, version: int) -> None:
    """Stamp a store with ``version``, as a newer (or older) servaudit would have left it."""
    if not isinstance(path, Path):
        run_sql(path, "UPDATE meta SET value=%s WHERE key='schema_version'", (str(version),))
        return
    db = sqlite3.connect(path)
    try:
        db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(version),))
        db.commit()
    finally:
        db.close()


def run_sql(target: Target, script: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
    """Run statements in a store behind servaudit's back (PostgreSQL: psycopg's %s placeholders);
    the last statement's rows."""
    if isinstance(target, Path):
        db = sqlite3.connect(target)
        try:
            if params is None:
                db.executescript(script)
                return []
            rows = db.execute(script, params).fetchall()
            db.commit()
            return rows
        finally:
            db.close()
    import psycopg

    with psycopg.connect(target.url, autocommit=True) as conn:
        cursor = conn.execute(script, params)  # type: ignore[arg-type]  # the tests' own statements
        return cursor.fetchall() if cursor.description else []


def pg_script(script: str) -> str:
    """An SQLite script of ours as PostgreSQL reads it: the store's DDL translation, blob literals."""
    script = re.sub(r"\bx'([0-9a-fA-F]*)'", r"'\\x\1'::bytea", script)
    return ";".join(ddl(statement) for statement in script.split(";"))


def old_store(path: Target, version: int, script: str = "") -> None:
    """A store of schema ``version`` from ``tests/data/store-v{version}.sql``, then ``script`` run in it."""
    if not isinstance(path, Path):
        ddl_script = (DATA / f"store-v{version}.sql").read_text()
        run_sql(
            path,
            pg_script(ddl_script + f";INSERT INTO meta VALUES ('schema_version', '{version}');" + script),
        )
        return
    db = sqlite3.connect(path)
    try:
        db.executescript((DATA / f"store-v{version}.sql").read_text())
        db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(version),))
        db.executescript(script)
        db.commit()
    finally:
        db.close()


PG_TABLES = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"


def dump(target: Target) -> list[str]:
    """Everything a store holds, as text: SQLite's own dump; PostgreSQL: every table's rows in order."""
    if isinstance(target, Path):
        db = sqlite3.connect(target)
        try:
            return list(db.iterdump())
        finally:
            db.close()
    lines = []
    for (table,) in sorted(run_sql(target, PG_TABLES, ())):
        rows = run_sql(target, f"SELECT * FROM {table}", ())
        lines += sorted(f"{table}: {row!r}" for row in rows)
    return lines


def table_shapes(path: Target) -> dict[str, object]:
    """Every table's columns (name, type, not null, default, key) and every index: the schema's shape."""
    if not isinstance(path, Path):
        columns = run_sql(
            path,
            "SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity,"
            " collation_name FROM information_schema.columns WHERE table_schema = current_schema()",
            (),
        )
        pg_tables: dict[str, list[tuple[Any, ...]]] = {}
        for table, *column in sorted(columns):
            pg_tables.setdefault(table, []).append(tuple(column))
        indexes = run_sql(
            path,
            "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()",
            (),
        )
        return {**pg_tables, "indexes": sorted(indexes)}
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        shapes: dict[str, object] = {
            table: sorted(tuple(c[1:]) for c in db.execute(f"PRAGMA table_info({table})")) for table in tables
        }
        shapes["indexes"] = sorted(
            (r[0], r[1]) for r in db.execute("SELECT name, tbl_name FROM sqlite_master WHERE type='index'")
        )
        return shapes
    finally:
        db.close()
