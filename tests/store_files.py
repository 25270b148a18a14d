"""Store files as another servaudit wrote them: an older schema from its kept DDL, or a newer stamp.

Written with ``sqlite3`` directly on purpose: these are files the program under test did not make.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

DATA = Path(__file__).parent / "data"


def stamp_schema(path: Path, version: int) -> None:
    """Stamp a store file with ``version``, as a newer (or older) servaudit would have left it."""
    db = sqlite3.connect(path)
    try:
        db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(version),))
        db.commit()
    finally:
        db.close()


def old_store(path: Path, version: int, script: str = "") -> None:
    """A store of schema ``version`` from ``tests/data/store-v{version}.sql``, then ``script`` run in it."""
    db = sqlite3.connect(path)
    try:
        db.executescript((DATA / f"store-v{version}.sql").read_text())
        db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(version),))
        db.executescript(script)
        db.commit()
    finally:
        db.close()


def table_shapes(path: Path) -> dict[str, object]:
    """Every table's columns (name, type, not null, default, key) and every index: the schema's shape."""
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
