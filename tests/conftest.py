"""Shared fixtures: a private Dovecot on loopback, delivering mail into a Maildir, and audits
against the real sandbox (tests/audit_fixtures.py)."""

from __future__ import annotations

import mailbox
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.audit_fixtures import answered_audit, make_audit, sandbox

__all__ = ["answered_audit", "make_audit", "sandbox"]  # fixtures used by the test modules

if TYPE_CHECKING:
    from servaudit.sandbox.imap import DovecotServer
    from servaudit.store import Target
    from tests.postgres_server import PostgresCluster

DOVECOT_USER = "persona@example.test"
# Colon and space on purpose: the passwd-file must cope, and no error may show it.
DOVECOT_PASSWORD = "Tr0ub4dor: &3 not-in-logs"

Deliver = Callable[..., Path]


@pytest.fixture
def dovecot(tmp_path: Path) -> Iterator[DovecotServer]:
    """A running Dovecot serving ``dovecot.maildir`` (empty) as INBOX of DOVECOT_USER.

    Function-scoped: start and stop take about 0.1 s together, and every test
    gets its own UIDVALIDITY, UIDs and log.
    """
    # Imported here so a broken sandbox package cannot stop every other test from collecting.
    from servaudit.sandbox.imap import DovecotServer

    server = DovecotServer(tmp_path / "Maildir", DOVECOT_USER, DOVECOT_PASSWORD, workdir=tmp_path / "dovecot")
    with server:
        yield server


@pytest.fixture
def deliver() -> Deliver:
    """``deliver(maildir, raw, arrived_at=None) -> path``: drop one message into ``maildir/new``."""
    return deliver_mail


def deliver_mail(maildir: Path, raw: bytes, arrived_at: datetime | None = None) -> Path:
    """Deliver ``raw`` unchanged like an MTA would; ``arrived_at`` becomes the file's mtime."""
    key = mailbox.Maildir(maildir, create=True).add(raw)
    path = Path(maildir, "new", key)
    if arrived_at is not None:
        ns = int(arrived_at.timestamp()) * 1_000_000_000 + arrived_at.microsecond * 1000
        os.utime(path, ns=(ns, ns))
    return path


def message(subject: str, body: str = "Hello.", sender: str = "support@shop.example") -> bytes:
    """A small well-formed RFC 5322 message with CRLF line ends, as IMAP servers send them."""
    lines = [
        f"From: {sender}",
        "To: persona@example.test",
        f"Subject: {subject}",
        f"Message-ID: <{uuid.uuid4().hex}@shop.example>",
        "",
        body,
        "",
    ]
    return "\r\n".join(lines).encode()


@pytest.fixture
def make_message() -> Callable[..., bytes]:
    return message


# -- the store in PostgreSQL (tests/postgres_server.py) ------------------------------------------


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One throw-away PostgreSQL cluster per test session, started on first use (a few seconds)."""
    from tests.postgres_server import PostgresCluster

    with PostgresCluster() as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """``postgresql://postgres@127.0.0.1:PORT/t_…``: an empty database of this test's own, dropped after."""
    name = postgres_cluster.database()
    try:
        yield postgres_cluster.url(name)
    finally:
        postgres_cluster.drop(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store's URL for a test that runs against both backends: an SQLite file, or PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'servaudit.sqlite'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def where(store_url: str, tmp_path: Path) -> Target:
    """Where the test's store lives (both backends): what ``Store(...)`` opens."""
    from servaudit.store import store_target

    return store_target(store_url, tmp_path)
