"""Opening a store: the file or database, its safety settings, transactions, and the migration
runner with its backup.

The named queries (``inquiries.py``, ``messages.py``, …) build on :class:`Connection`; nothing
outside ``servaudit/store/`` sees SQL or the database connection. A store is an SQLite file (the
default) or a schema in PostgreSQL (``postgres.py``); the statements are the same for both.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from servaudit.errors import ConfigError, StoreError
from servaudit.store.postgres import PgConnection, PostgresUrl, ddl, is_postgres, parse
from servaudit.store.schema import MIGRATIONS, SCHEMA, SCHEMA_VERSION, statements

DEFAULT_FILE = "servaudit.sqlite"

Target = Path | PostgresUrl
"""Where a store lives: an SQLite file, or a PostgreSQL database named by URL."""


def store_target(url: str | None, folder: Path) -> Target:
    """The store an ``audit.store`` URL names (None: servaudit.sqlite in the audit folder)."""
    if url is not None and is_postgres(url):
        return parse(url, folder)
    return sqlite_path(url, folder)


def sqlite_path(url: str | None, folder: Path) -> Path:
    """The database file for an sqlite URL."""
    if url is None:
        return folder / DEFAULT_FILE
    scheme, sep, rest = url.partition(":")
    usage = (
        "sqlite:///relative/path.sqlite, sqlite:////absolute/path.sqlite or postgresql://user@host/database"
    )
    if not sep or scheme != "sqlite":
        raise ConfigError(f"audit.store = {url!r}: only sqlite and postgresql URLs are supported ({usage})")
    # SQLAlchemy's convention: three slashes, then the path (absolute when it starts with one more).
    if rest.startswith("///"):
        rest = rest[3:]
    elif rest.startswith("//"):
        raise ConfigError(f"audit.store = {url!r}: an sqlite URL names no host ({usage})")
    path = Path(rest)
    return path if path.is_absolute() else folder / path


def upsert(table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    """INSERT one row, or replace the non-key columns of the row with the same key (both dialects)."""
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    rest = [name for name in columns if name not in key]
    assignments = ", ".join(f"{name}=excluded.{name}" for name in rest)
    return (
        f"INSERT INTO {table} ({names}) VALUES ({marks})"
        f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {assignments}"
    )


def exists(target: Target) -> bool:
    """Whether the store was created already (looking only: nothing is created or written)."""
    if isinstance(target, Path):
        return target.exists()
    database = PgConnection(target)
    try:
        return "meta" in database.tables()
    finally:
        database.close()


class Connection:
    """One open store, created or migrated to ``SCHEMA_VERSION`` as it is opened."""

    def __init__(self, where: Target) -> None:
        self.where = str(where)
        """The store's file or URL, for messages (a URL never holds a password)."""
        self.backup: Path | None = None
        """Where the store was copied before a migration (None when none ran)."""
        self._savepoints = 0
        self.db: Any
        """``sqlite3.Connection`` or :class:`PgConnection`: the same surface for the named queries."""
        self.postgres: PgConnection | None = None
        if isinstance(where, PostgresUrl):
            self.path: Path | None = None
            self._open_postgres(where)
            return
        path = self.path = where
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

    def _open_postgres(self, where: PostgresUrl) -> None:
        self.db = self.postgres = PgConnection(where)
        try:
            self._check_foreign()
            self._open_schema()
        except self.postgres.Error as exc:
            self.db.close()
            raise StoreError(f"{where}: cannot open the store: {exc}") from None
        except Exception:
            self.db.close()
            raise

    def _tables(self) -> set[str]:
        if self.postgres is not None:
            return self.postgres.tables()
        return {row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def _check_foreign(self) -> None:
        """Refuse a database of another program rather than add our tables to it."""
        tables = self._tables()
        if tables and not {"meta", "inquiries"} <= tables:
            kind = "an SQLite database" if self.postgres is None else "a PostgreSQL schema"
            raise StoreError(
                f"{self.where}: {kind}, but not a servaudit store (its tables: "
                f"{', '.join(sorted(tables)[:5])}); point audit.store at the audit's own store"
            )

    def schema_version(self) -> int | None:
        """The version the store is stamped with (None: a new, empty file or schema)."""
        if self.postgres is not None:
            has_meta: object = "meta" in self.postgres.tables()
        else:
            has_meta = self.db.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
            ).fetchone()
        if not has_meta:
            return None
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return None if row is None else int(row["value"])

    def _open_schema(self) -> None:
        """Create a new store, or bring an older one up to SCHEMA_VERSION (a backup is kept first)."""
        version = self.schema_version()
        if version is None:
            with self.transaction():
                for statement in statements(SCHEMA):
                    self.db.execute(self._ddl(statement))
                self.db.execute(
                    upsert("meta", ("key", "value"), ("key",)), ("schema_version", str(SCHEMA_VERSION))
                )
            return
        self._refuse_newer(version)
        if version == SCHEMA_VERSION:
            return
        # The backup cannot be taken inside the write transaction (SQLite's backup would wait for
        # its own lock), so the version is read again under the lock: another servaudit process may
        # have migrated the store in between, and its columns must not be added twice.
        self.backup = self._backup(version)
        try:
            self._migrate()
        except self._driver_errors() as exc:
            raise StoreError(
                f"{self.where}: cannot bring the store from schema {version} to {SCHEMA_VERSION} ({exc});"
                f" it is left as it was, and a copy is in {self.backup}"
            ) from None

    def _migrate(self) -> None:
        """Every step from the stamped version up, in one transaction: a failure anywhere leaves the
        store as it was."""
        with self.transaction():
            version = self.schema_version()
            assert version is not None  # the meta table does not go away
            self._refuse_newer(version)
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    self.db.execute(self._ddl(statement))
            self.db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))

    def hold_run_lock(self) -> bool:
        """One `run` per store at a time, as the audit folder's lock file keeps it on one machine: a
        run marks the claims it finds still ``sending`` as interrupted, and another machine's run
        sending at that moment must not have its claims taken for a crash. False: another run holds
        it. PostgreSQL keeps the lock with this connection, so it goes with a killed process."""
        if self.postgres is None:
            return True  # the folder's lock file (engine.run_lock) is the one for a store file
        return bool(self.postgres.try_session_lock("servaudit-run"))

    def _ddl(self, statement: str) -> str:
        return statement if self.postgres is None else ddl(statement)

    def _driver_errors(self) -> type[Exception]:
        return sqlite3.DatabaseError if self.postgres is None else self.postgres.Error

    def _insert(self, statement: str, params: Sequence[Any]) -> int | None:
        """Run an INSERT; the new row's id, or None when it inserted nothing (ON CONFLICT DO NOTHING)."""
        if self.postgres is not None:
            return self.postgres.insert(statement, params)
        cursor = self.db.execute(statement, params)
        return cursor.lastrowid if cursor.rowcount else None

    def _in_id_order(self, select: str, page: int = 100) -> Iterator[Any]:
        """The rows of ``select`` (a SELECT with a WHERE, of a table with an ``id``) in id order, one at
        a time: SQLite steps through them; psycopg would read them all at once, so on PostgreSQL they
        come a page at a time (by id, so rows written meanwhile neither repeat nor shift the pages)."""
        if self.postgres is None:
            yield from self.db.execute(f"{select} ORDER BY id")
            return
        after: Any = None
        while True:
            more = "" if after is None else " AND id > ?"
            rows = self.db.execute(
                f"{select}{more} ORDER BY id LIMIT {page}", () if after is None else (after,)
            ).fetchall()
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1]["id"]

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.where}: written by a newer servaudit (schema {version}, this one reads up to"
                f" {SCHEMA_VERSION}); upgrade servaudit"
            )

    def _backup(self, version: int) -> Path:
        """A copy of the whole store as it was, before the first migration touches it."""
        if self.postgres is not None:
            return self.postgres.backup(version)
        assert self.path is not None
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
    def transaction(self) -> Iterator[None]:
        """All or nothing. Inside another transaction it is a savepoint: it undoes only its own
        work, and the outer transaction commits (so a batch can fail one item and keep the rest).

        It yields nothing: callers group named queries in it, they never see the connection."""
        if self.db.in_transaction:
            self._savepoints += 1
            name = f"s{self._savepoints}"
            self.db.execute(f"SAVEPOINT {name}")
            try:
                yield
            except BaseException:
                self.db.execute(f"ROLLBACK TO {name}")
                self.db.execute(f"RELEASE {name}")
                raise
            self.db.execute(f"RELEASE {name}")
            return
        # IMMEDIATE takes the write lock at once, so two processes cannot both
        # claim the same inquiry (PostgreSQL: the same, by an advisory lock).
        if self.postgres is not None:
            self.postgres.begin()
        else:
            self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
