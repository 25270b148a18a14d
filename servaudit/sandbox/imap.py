"""A private Dovecot IMAP server on loopback that serves one Maildir, for tests and the sandbox.

Its files (dovecot.conf, passwd-file, Maildir ownership) are dovecot_files.py's job, stopping its
process group is process_group.py's; this module starts it and knows when it is ready.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import IO

from servaudit.errors import InfrastructureError, UsageError
from servaudit.sandbox.dovecot_files import (
    check_config_path,
    check_username,
    ensure_maildir,
    mail_identity,
    render_config,
    write_passwd,
)
from servaudit.sandbox.process_group import group_alive, stop_group

__all__ = [
    "BINARY_VARIABLE",
    "INSTALL_HINT",
    "DovecotServer",
    "dovecot_binary",
    "group_alive",
    "render_config",
]

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "Dovecot is not installed: apt-get install dovecot-imapd (or run scripts/install-system-deps.sh)"
)
BINARY_VARIABLE = "SERVAUDIT_DOVECOT"
# Debian installs dovecot in sbin, which is not on a normal user's PATH.
_SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")
_PORT_ATTEMPTS = 3
_LOG_TAIL_LINES = 15


class DovecotServer:
    """Run ``dovecot -F`` as a child process with its own config, sockets, state and log.

    The Maildir root is the user's INBOX, so a file written into ``<maildir>/new``
    is visible over IMAP at once. Only ``host`` is listened on; auth is plaintext
    without TLS, which is acceptable because it never leaves the loopback interface.

    Run as root, Dovecot will not read mail as uid 0: a root-owned Maildir is
    handed (chown -R) to the system user ``mail``, and messages delivered later
    must be world-readable files (``mailbox.Maildir.add`` writes 0644 under the
    usual umask 022). Dovecot keeps its index and ``dovecot-uidlist`` in the
    Maildir root; readers of ``new/`` and ``cur/`` are not affected.
    """

    def __init__(
        self,
        maildir: Path,
        username: str,
        password: str,
        host: str = "127.0.0.1",
        port: int = 0,
        workdir: Path | None = None,
        *,
        binary: str | Path | None = None,
        startup_timeout: float = 10.0,
    ) -> None:
        check_username(username)
        if not password:
            raise UsageError("the Dovecot test user needs a non-empty password")
        self.maildir = Path(maildir).absolute()
        self.username = username
        self.password = password
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        self._wanted_port = port
        self._wanted_workdir = Path(workdir).absolute() if workdir is not None else None
        self._binary = binary
        self._workdir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None
        self._finalizer: weakref.finalize | None = None

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"DovecotServer({self.username}@{self.host}:{self.port}, {self.maildir}, {state})"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def workdir(self) -> Path | None:
        return self._workdir

    @property
    def log_path(self) -> Path | None:
        return self._workdir / "dovecot.log" if self._workdir else None

    def __enter__(self) -> DovecotServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> DovecotServer:
        """Start Dovecot and return once it greets on ``host:port``."""
        if self.running:
            return self
        binary = _find_binary(self._binary)
        self._workdir = self._prepare_workdir()
        try:
            self._start_in_workdir(binary)
        except BaseException:
            self.stop()  # no half-started server, no temp folder holding the password hash
            raise
        return self

    def _start_in_workdir(self, binary: str) -> None:
        assert self._workdir is not None
        ensure_maildir(self.maildir)
        mail_uid, mail_gid = mail_identity(self.maildir)
        write_passwd(self._workdir / "passwd", self.username, self.password)
        attempts = _PORT_ATTEMPTS if self._wanted_port == 0 else 1
        for attempt in range(1, attempts + 1):
            started = time.monotonic()
            problem = self._launch(binary, mail_uid, mail_gid)
            if problem is None:
                log.info("Dovecot up on %s:%d in %.2f s", self.host, self.port, time.monotonic() - started)
                return
            tail = self._log_tail()
            self._terminate()
            # Another process may have taken the free port we picked: pick again.
            if attempt == attempts or "Address already in use" not in tail:
                break
        raise InfrastructureError(
            f"Dovecot did not come up on {self.host}:{self.port}: {problem}.\nLast log lines:\n{tail}"
        )

    def stop(self) -> None:
        """Stop Dovecot and every process it started; safe to call twice."""
        self._terminate()
        self._remove_workdir()

    # --- process handling -------------------------------------------------

    def _launch(self, binary: str, mail_uid: int, mail_gid: int) -> str | None:
        """Start Dovecot on a port; None once it greets, else why it did not."""
        assert self._workdir is not None
        self.port = self._wanted_port or _free_port(self.host)
        if self._wanted_port:
            _check_port_free(self.host, self.port)
        conf = self._workdir / "dovecot.conf"
        conf.write_text(self._config(mail_uid, mail_gid))
        self._spawn(binary, conf)
        return self._wait_until_ready()

    def _spawn(self, binary: str, conf: Path) -> None:
        assert self._workdir is not None
        self._output = open(self._workdir / "dovecot.out", "ab")  # noqa: SIM115 - closed in _terminate
        # Own session, so stop() can signal the whole process group at once.
        self._proc = subprocess.Popen(
            [binary, "-F", "-c", str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        owned = self._workdir if self._wanted_workdir is None else None
        self._finalizer = weakref.finalize(self, _abandon, self._proc, owned)

    def _wait_until_ready(self) -> str | None:
        """None once Dovecot greets, else why it did not."""
        assert self._proc is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return f"dovecot exited with status {self._proc.returncode}"
            if _greets(self.host, self.port, deadline) and self._proc.poll() is None:
                return None
            time.sleep(0.02)
        return f"no IMAP greeting within {self.startup_timeout:g} s"

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        if proc is not None:
            stop_group(proc)
        if self._output is not None:
            self._output.close()
            self._output = None

    # --- files ------------------------------------------------------------

    def _prepare_workdir(self) -> Path:
        check_config_path(self.maildir, "Maildir")
        if self._wanted_workdir is not None:
            check_config_path(self._wanted_workdir, "work folder")
            self._wanted_workdir.mkdir(parents=True, exist_ok=True)
            return self._wanted_workdir
        workdir = Path(tempfile.mkdtemp(prefix="servaudit-dovecot-"))
        try:
            check_config_path(workdir, "work folder")
        except UsageError:
            workdir.rmdir()
            raise
        return workdir

    def _remove_workdir(self) -> None:
        # A caller-chosen workdir is kept: its log is what one reads after a failure.
        if self._workdir is not None and self._wanted_workdir is None:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._workdir = None

    def _log_tail(self) -> str:
        assert self._workdir is not None
        lines: list[str] = []
        for name in ("dovecot.out", "dovecot.log"):
            path = self._workdir / name
            if path.exists():
                lines += path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-_LOG_TAIL_LINES:]) or "(Dovecot wrote no log)"

    def _config(self, mail_uid: int, mail_gid: int) -> str:
        assert self._workdir is not None
        return render_config(
            workdir=self._workdir,
            maildir=self.maildir,
            host=self.host,
            port=self.port,
            mail_uid=mail_uid,
            mail_gid=mail_gid,
            as_root=os.geteuid() == 0,
        )


def dovecot_binary(binary: str | Path | None = None) -> str | None:
    """The Dovecot executable, None when missing: ``binary`` if given, else $SERVAUDIT_DOVECOT if set
    (a Dovecot outside PATH and sbin, e.g. Homebrew's), else ``dovecot`` on PATH or in sbin."""
    binary = binary if binary is not None else os.environ.get(BINARY_VARIABLE) or None
    if binary is not None:
        return shutil.which(str(binary))
    search = os.pathsep.join([os.environ.get("PATH", ""), *_SBIN_DIRS])
    return shutil.which("dovecot", path=search)


def _find_binary(binary: str | Path | None) -> str:
    found = dovecot_binary(binary)
    if found is None:
        raise InfrastructureError(INSTALL_HINT)
    return found


def _free_port(host: str) -> int:
    with socket.socket(_family(host), socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, 0))
        except OSError as exc:
            raise InfrastructureError(f"cannot start Dovecot on {host}: {exc.strerror or exc}") from exc
        return int(sock.getsockname()[1])


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(_family(host), socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise InfrastructureError(
                f"cannot start Dovecot on {host}:{port}: {exc.strerror or exc} (is the port in use?)"
            ) from exc


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _greets(host: str, port: int, deadline: float) -> bool:
    wait = max(0.05, min(1.0, deadline - time.monotonic()))
    try:
        with socket.create_connection((host, port), timeout=wait) as sock:
            return sock.recv(256).startswith(b"* OK")
    except OSError:
        return False


def _abandon(proc: subprocess.Popen[bytes], workdir: Path | None) -> None:
    # Last resort when a running DovecotServer is garbage-collected or the interpreter exits.
    if proc.poll() is None or group_alive(proc.pid):
        stop_group(proc)
    if workdir is not None:
        shutil.rmtree(workdir, ignore_errors=True)
