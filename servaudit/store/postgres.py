"""A store in PostgreSQL: the URL, the connection the named queries use, and what differs from SQLite.

The named queries are written once, in the SQL both databases read (``?`` placeholders, upserts
with ``ON CONFLICT``); :class:`PgConnection` offers them the part of ``sqlite3.Connection`` they use,
so SQLite runs exactly as before and PostgreSQL gets the same statements with ``%s`` placeholders.

psycopg is imported only when a ``postgresql://`` store is opened: a SQLite audit never loads it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from servaudit.errors import ConfigError, InfrastructureError, StoreError
from servaudit.scrubbing import register_secret, scrub

if TYPE_CHECKING:
    import psycopg

SCHEMES = ("postgresql", "postgres")
USAGE = (
    "postgresql://user@host:port/database (password in PGPASSWORD, ~/.pgpass or a service file:"
    " postgresql:///?service=NAME)"
)
NEIGHBOURS = ("procrastinate_",)
"""Tables of other software that may share the store's schema: the job queue's (issue 17), whose
jobs are enqueued in the same transaction as the claims. Any other table makes the schema foreign."""
LOCK_TIMEOUT = "30s"
"""How long a write waits for another process's transaction, as SQLite's busy timeout (30 s)."""


@dataclass(frozen=True)
class PostgresUrl:
    """A store in PostgreSQL: its URL (never with a password) and where a backup before a migration goes."""

    url: str
    backups: Path

    def __str__(self) -> str:
        return self.url


def is_postgres(url: str) -> bool:
    return url.partition(":")[0].lower() in SCHEMES


def parse(url: str, folder: Path) -> PostgresUrl:
    """Check a ``postgresql://`` URL; a password in it is refused, and never repeated in the message."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url)
    except Exception:  # psycopg.ProgrammingError; the URL is not repeated: it may hold a password
        raise ConfigError(f"audit.store: not a valid PostgreSQL URL ({USAGE})") from None
    if "password" in parts or re.match(r"^\w+://[^/@]*:[^/@]*@", url):
        raise ConfigError(
            "audit.store: the PostgreSQL URL holds a password; remove it and give the password in"
            " PGPASSWORD, ~/.pgpass or a libpq service file, so it is never kept in the audit file,"
            " the store, a log or a report"
        )
    return PostgresUrl(url, folder)


class Row(dict[str, Any]):
    """A result row read by column name or by position, as ``sqlite3.Row`` is."""

    def __init__(self, names: Sequence[str], values: Sequence[Any]) -> None:
        super().__init__(zip(names, values, strict=True))
        self._values = tuple(values)

    def __getitem__(self, key: str | int) -> Any:  # type: ignore[override]
        if isinstance(key, int):
            return self._values[key]
        return super().__getitem__(key)


def _rows(cursor: Any) -> Any:
    names = [column.name for column in cursor.description or ()]

    def make(values: Sequence[Any]) -> Row:
        return Row(names, values)

    return make


class PgConnection:
    """The part of ``sqlite3.Connection`` the named queries use, over one psycopg connection in
    autocommit mode (transactions are begun and ended by ``Connection.transaction()``, as on SQLite)."""

    def __init__(self, target: PostgresUrl) -> None:
        import psycopg

        self.target = target
        self.Error: type[Exception] = psycopg.Error
        # libpq reads it from the environment; masked like every secret servaudit resolved.
        register_secret(os.environ.get("PGPASSWORD", ""))
        self._translated: dict[str, str] = {}
        try:
            self.conn = psycopg.connect(
                target.url,
                autocommit=True,
                row_factory=_rows,
                connect_timeout=10,
                application_name="servaudit",
            )
        except psycopg.OperationalError as exc:
            raise InfrastructureError(
                f"{target}: cannot reach the store's database: {scrub(str(exc).strip())}"
            ) from None
        self.conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")

    def _sql(self, statement: str) -> str:
        """``?`` → ``%s`` and ``%`` → ``%%``: the named queries never put a ``?`` inside a literal."""
        found = self._translated.get(statement)
        if found is None:
            found = self._translated[statement] = statement.replace("%", "%%").replace("?", "%s")
        return found

    def execute(self, statement: str, params: Sequence[Any] = ()) -> psycopg.Cursor[Row]:
        try:
            # Always with parameters, even none: psycopg then reads the placeholders (and %% as %).
            return self.conn.execute(self._sql(statement), tuple(params))
        except self.Error as exc:
            self._raise(exc)

    def executemany(self, statement: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            with self.conn.cursor() as cursor:
                cursor.executemany(self._sql(statement), list(rows))
        except self.Error as exc:
            self._raise(exc)

    def _raise(self, exc: Exception) -> NoReturn:
        """A lost server is our infrastructure (exit 3); any other error stays the driver's own."""
        import psycopg

        if isinstance(exc, psycopg.OperationalError) and not isinstance(exc, psycopg.errors.LockNotAvailable):
            raise InfrastructureError(
                f"{self.target}: the store's database failed: {scrub(str(exc).strip())}"
            ) from exc
        raise exc

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.conn.info.transaction_status != TransactionStatus.IDLE

    def close(self) -> None:
        self.conn.close()

    # -- what differs from SQLite, asked for by Connection -------------------------------

    def begin(self) -> None:
        """A transaction that writes alone, as SQLite's BEGIN IMMEDIATE: every servaudit transaction
        on this schema takes the same lock first, so read-then-write steps (a claim reads the state,
        then sets ``sending``) never interleave between processes."""
        self.execute("BEGIN")
        self.execute("SELECT pg_advisory_xact_lock(hashtext('servaudit:' || current_schema()))")

    def try_session_lock(self, name: str) -> bool:
        """Take the advisory lock ``name`` of this schema for as long as this connection lives, if free."""
        row = self.execute("SELECT pg_try_advisory_lock(hashtext(? || ':' || current_schema()))", (name,))
        return bool(row.fetchone()[0])  # type: ignore[index]

    def tables(self) -> set[str]:
        rows = self.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
        return {row[0] for row in rows if not row[0].startswith(NEIGHBOURS)}

    def insert(self, statement: str, params: Sequence[Any]) -> int | None:
        """Run an INSERT and return the new row's id (None when ON CONFLICT DO NOTHING kept the old)."""
        row = self.execute(f"{statement} RETURNING id", params).fetchone()
        return None if row is None else int(row[0])

    def backup(self, version: int) -> Path:
        """The schema as it was, in pg_dump's custom format (``pg_restore`` reads it), before the
        first migration touches it; refused migration when pg_dump is missing or fails."""
        name = re.sub(r"[^\w.-]+", "_", f"{self.conn.info.dbname}.{self._schema()}")
        target = self.target.backups / f"servaudit-{name}.schema-{version}.dump"
        dump = shutil.which("pg_dump")
        why = (
            f"{self.target}: the store has schema {version} and this servaudit needs to migrate it;"
            " servaudit copies it with pg_dump first"
        )
        if dump is None:
            raise StoreError(
                f"{why}, and pg_dump is not installed: install the PostgreSQL client (postgresql-client,"
                " the server's major version or newer), or back the database up yourself with pg_dump"
                " and then run with pg_dump on the PATH"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                dump,
                "--format=custom",
                f"--schema={self._schema()}",
                f"--file={target}",
                f"--dbname={self.target.url}",
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
        )
        if done.returncode != 0:
            target.unlink(missing_ok=True)
            raise StoreError(f"{why}, and pg_dump failed: {scrub(done.stderr.strip())}; nothing was migrated")
        return target

    def _schema(self) -> str:
        return str(self.execute("SELECT current_schema()").fetchone()[0])  # type: ignore[index]


def ddl(statement: str) -> str:
    """A statement of the SQLite DDL as PostgreSQL reads it: the same tables, columns and order.

    Text compares byte by byte (``COLLATE "C"``, SQLite's BINARY), so ids and times sort alike in both;
    an ``INTEGER PRIMARY KEY`` id numbers itself (SQLite's rowid); REAL keeps double precision."""
    statement = re.sub(
        r"\bid INTEGER PRIMARY KEY,", "id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,", statement
    )
    statement = re.sub(r"\bBLOB\b", "BYTEA", statement)
    statement = re.sub(r"\bREAL\b", "DOUBLE PRECISION", statement)
    return re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', statement)
