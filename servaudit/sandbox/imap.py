"""A private Dovecot IMAP server on loopback that serves one Maildir, for tests and the sandbox."""

from __future__ import annotations

import base64
import contextlib
import grp
import hashlib
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import IO

from servaudit.errors import InfrastructureError, UsageError

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "Dovecot is not installed: apt-get install dovecot-imapd (or run scripts/install-system-deps.sh)"
)
# Debian installs dovecot in sbin, which is not on a normal user's PATH.
_SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")
_PORT_ATTEMPTS = 3
_STOP_TIMEOUT = 5.0
_LOG_TAIL_LINES = 15
# How long the master may linger once its children are gone.
_MASTER_GRACE = 0.1


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
        _check_username(username)
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
        _ensure_maildir(self.maildir)
        mail_uid, mail_gid = _mail_identity(self.maildir)
        _write_passwd(self._workdir / "passwd", self.username, self.password)
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
            _stop_group(proc)
        if self._output is not None:
            self._output.close()
            self._output = None

    # --- files ------------------------------------------------------------

    def _prepare_workdir(self) -> Path:
        _check_config_path(self.maildir, "Maildir")
        if self._wanted_workdir is not None:
            _check_config_path(self._wanted_workdir, "work folder")
            self._wanted_workdir.mkdir(parents=True, exist_ok=True)
            return self._wanted_workdir
        workdir = Path(tempfile.mkdtemp(prefix="servaudit-dovecot-"))
        try:
            _check_config_path(workdir, "work folder")
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


def render_config(
    *, workdir: Path, maildir: Path, host: str, port: int, mail_uid: int, mail_gid: int, as_root: bool
) -> str:
    """The complete dovecot.conf: nothing is taken from /etc/dovecot."""
    common = f"""\
# Generated by servaudit: a private, loopback-only Dovecot for tests and the sandbox.
protocols = imap
listen = {host}
base_dir = {workdir}/run
state_dir = {workdir}/state
log_path = {workdir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = {mail_uid}
first_valid_gid = {mail_gid}
# Failed logins are answered within 0.5 s (Dovecot's check interval) with no
# growing per-IP penalty: tests check them, and nobody guesses passwords on loopback.
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=SHA512 username_format=%u {workdir}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid}
}}
"""
    return common + (_root_config(maildir, port) if as_root else _rootless_config(maildir, port))


def _root_config(maildir: Path, port: int) -> str:
    internal = _existing_user("dovecot", "nobody")
    login = _existing_user("dovenull", "nobody")
    # Dovecot refuses mail access as uid 0, so mail runs as an unprivileged
    # user; the chroot spares that user from needing +x on every parent folder
    # (pytest's and mkdtemp's folders are 0700 root).
    return f"""\
default_internal_user = {internal.pw_name}
default_login_user = {login.pw_name}
mail_chroot = {maildir}
mail_location = maildir:/
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
# The passwd-file sits in a root-only work folder; the auth process must read it.
service auth {{
  user = root
}}
"""


def _rootless_config(maildir: Path, port: int) -> str:
    me = pwd.getpwuid(os.geteuid())
    group = grp.getgrgid(os.getegid())
    # Without root there is no user switching and no chroot: everything runs as us.
    return f"""\
default_internal_user = {me.pw_name}
default_internal_group = {group.gr_name}
default_login_user = {me.pw_name}
mail_location = maildir:{maildir}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def _find_binary(binary: str | Path | None) -> str:
    if binary is not None:
        found = shutil.which(str(binary))
    else:
        search = os.pathsep.join([os.environ.get("PATH", ""), *_SBIN_DIRS])
        found = shutil.which("dovecot", path=search)
    if found is None:
        raise InfrastructureError(INSTALL_HINT)
    return found


def _check_username(username: str) -> None:
    # passwd-file is colon-separated, line-based.
    if not username or any(c in username for c in ":\n\r\t "):
        raise UsageError(f"Dovecot user name {username!r} must be non-empty, without ':' or whitespace")


def _check_config_path(path: Path, what: str) -> None:
    # Dovecot splits driver args on spaces and expands %-variables.
    if any(c in str(path) for c in ' \t\n"%'):
        raise UsageError(f"the Dovecot {what} path {path} must not contain spaces, quotes or '%'")


def _ensure_maildir(maildir: Path) -> None:
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)


def _mail_identity(maildir: Path) -> tuple[int, int]:
    """The uid/gid Dovecot reads the Maildir as."""
    if os.geteuid() != 0:
        return os.geteuid(), os.getegid()
    st = maildir.stat()
    if st.st_uid != 0:
        return st.st_uid, st.st_gid
    # Root-owned Maildir (tests, sandbox run as root): hand it to the
    # conventional 'mail' user. Files delivered later by root stay root-owned,
    # which works as long as they are world-readable (mailbox.Maildir.add makes them 0644).
    owner = _existing_user("mail", "nobody")
    _chown_tree(maildir, owner.pw_uid, owner.pw_gid)
    return owner.pw_uid, owner.pw_gid


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, gid, follow_symlinks=False)


def _existing_user(*names: str) -> pwd.struct_passwd:
    for name in names:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise InfrastructureError(f"none of the system users {', '.join(names)} exists; Dovecot needs one")


def _write_passwd(path: Path, username: str, password: str) -> None:
    # Hashed, so the password never sits in a file in clear.
    digest = base64.b64encode(hashlib.sha512(password.encode()).digest()).decode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(f"{username}:{{SHA512}}{digest}::::::\n")


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


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM every Dovecot process at once, then wait for all of them.

    Signalling only the master makes it shut its children down one by one and
    then sleep out a fixed second; each process handles SIGTERM as a clean
    shutdown, so signalling the group stops it in milliseconds.
    """
    deadline = time.monotonic() + _STOP_TIMEOUT
    children_gone_at: float | None = None
    while proc.poll() is None:
        now = time.monotonic()
        if now > deadline:
            _signal_group(proc.pid, signal.SIGKILL)
            break
        if _group_members(proc.pid) - {proc.pid}:
            # Repeated: a child forked just after the last signal missed it.
            _signal_group(proc.pid, signal.SIGTERM)
            children_gone_at = None
        elif children_gone_at is None:
            _signal_group(proc.pid, signal.SIGTERM)
            children_gone_at = now
        elif now - children_gone_at > _MASTER_GRACE:
            # All children are gone; the master only sleeps out its fixed wait.
            proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(0.02)
    proc.wait()
    _wait_group_gone(proc.pid)


def _wait_group_gone(pgid: int) -> None:
    # Children outlive a master that died on its own; they get the same clean SIGTERM.
    if _group_members(pgid):
        _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + _STOP_TIMEOUT
    killed = False
    while _group_members(pgid):
        if time.monotonic() > deadline:
            if killed:
                log.warning("Dovecot processes of group %d survived SIGKILL", pgid)
                return
            _signal_group(pgid, signal.SIGKILL)
            killed, deadline = True, time.monotonic() + _STOP_TIMEOUT
        time.sleep(0.01)


def _abandon(proc: subprocess.Popen[bytes], workdir: Path | None) -> None:
    # Last resort when a running DovecotServer is garbage-collected or the interpreter exits.
    if proc.poll() is None or group_alive(proc.pid):
        _stop_group(proc)
    if workdir is not None:
        shutil.rmtree(workdir, ignore_errors=True)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def group_alive(pgid: int) -> bool:
    """Whether any process of this process group still runs (zombies do not count)."""
    return bool(_group_members(pgid))


def _group_members(pgid: int) -> set[int]:
    if not os.path.isdir("/proc"):
        # No /proc (macOS): only "someone is left" is known, reported as the group leader.
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return set()
        except PermissionError:
            pass
        return {pgid}
    return {int(pid) for pid in os.listdir("/proc") if pid.isdigit() and _in_group(pid, pgid)}


def _in_group(pid: str, pgid: int) -> bool:
    try:
        stat = Path("/proc", pid, "stat").read_text()
    except OSError:
        return False
    # The command name in parentheses may contain spaces: parse after it.
    state, _ppid, group = stat.rsplit(")", 1)[1].split()[:3]
    return state != "Z" and int(group) == pgid
