"""A throw-away PostgreSQL cluster on a loopback port, from Debian's server package, for the store's tests.

initdb refuses to run as root, so as root the cluster belongs to the ``postgres`` system user (the
package creates it) in a private folder under /tmp; as anyone else it runs as that user. It listens
on 127.0.0.1 only (no Unix socket), with ``trust`` for every role but :data:`PASSWORD_ROLE`, which
must give its password (scram-sha-256) the way an operator's database would. Durability settings
are off: the tests kill servaudit, never the database server.

``PostgresCluster.database()`` gives each test an empty database of its own by URL.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from types import TracebackType

PASSWORD_ROLE = "auditor"
PASSWORD = "s3cret: w1th spaces & not-in-logs"
SUPERUSER = "postgres"


def server_bin() -> Path:
    """The newest installed PostgreSQL's programs (scripts/install-system-deps.sh installs one)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run scripts/install-system-deps.sh")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresCluster:
    def __init__(self) -> None:
        self.bin = server_bin()
        self.port = _free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        # Under /tmp itself as root: the postgres user must reach the folder (a TMPDIR below /root
        # would not let it).
        self.root = Path(tempfile.mkdtemp(prefix="servaudit-pg-", dir="/tmp" if self.user else None))
        self.data = self.root / "data"
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, database: str, user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run(args, check=True, capture_output=True, user=self.user)

    def __enter__(self) -> PostgresCluster:
        if self.user is not None:
            owner = pwd.getpwnam(self.user)
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self._run(
            str(self.bin / "initdb"),
            "--no-sync",
            "--auth=trust",
            f"--username={SUPERUSER}",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            f"--pgdata={self.data}",
        )
        hba = f"host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\n"
        self._write(self.data / "pg_hba.conf", hba)
        log = (self.root / "server.log").open("wb")
        self.process = subprocess.Popen(
            [
                str(self.bin / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "unix_socket_directories=",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=100",
                "-c",
                "shared_buffers=16MB",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
            user=self.user,
        )
        log.close()  # the server holds its own copy
        try:
            self._wait_ready()
            self.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}'")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _write(self, path: Path, text: str) -> None:
        path.write_text(text)
        if self.user is not None:
            owner = pwd.getpwnam(self.user)
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres stopped: {(self.root / 'server.log').read_text()[-2000:]}")
            try:
                psycopg.connect(self.url("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def execute(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]  # the tests' own fixed statements

    def database(self) -> str:
        """A new empty database (owned by :data:`PASSWORD_ROLE` too, for the password tests); its name."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.execute(f"CREATE DATABASE {name} OWNER {PASSWORD_ROLE}")
        return name

    def drop(self, name: str) -> None:
        with contextlib.suppress(Exception):
            self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # smart shutdown would wait for clients; SIGTERM is "fast"
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
