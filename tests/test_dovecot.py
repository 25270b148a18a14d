"""The private Dovecot launcher: starts fast, serves the Maildir, stops without leftovers."""

from __future__ import annotations

import os
import socket
import tempfile
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient

from servaudit.collect import open_reader
from servaudit.config import Audit
from servaudit.demo import demo_audit_toml
from servaudit.errors import EXIT_INFRASTRUCTURE, InfrastructureError, UsageError
from servaudit.sandbox import DEFAULT_FLEET
from servaudit.sandbox.imap import BINARY_VARIABLE, INSTALL_HINT, DovecotServer, group_alive
from servaudit.sandbox.inbox import PASSWORD_VARIABLE, USERNAME, ImapInbox, try_serve_inbox
from tests.conftest import deliver_mail, message

pytestmark = pytest.mark.imap

USER, PASSWORD = "persona@example.test", "pw: with spaces"


def test_start_serves_the_maildir_and_stop_leaves_no_process(tmp_path: Path) -> None:
    server = DovecotServer(tmp_path / "Maildir", USER, PASSWORD)
    started = time.monotonic()
    server.start()
    startup = time.monotonic() - started
    pgid = server._proc.pid if server._proc else -1
    workdir = server.workdir
    try:
        assert server.running and server.port > 0
        for sub in ("new", "cur", "tmp"):
            assert (tmp_path / "Maildir" / sub).is_dir()
        client = IMAPClient(server.host, server.port, ssl=False, timeout=5)
        client.login(USER, PASSWORD)
        assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] == 0
        client.logout()
    finally:
        server.stop()

    assert startup < 5
    assert not server.running
    assert not group_alive(pgid)
    assert workdir is not None and not workdir.exists()
    server.stop()  # idempotent


def test_listens_on_loopback_only(dovecot: DovecotServer) -> None:
    outside = _non_loopback_address()
    if outside is None:
        pytest.skip("this machine has no non-loopback address")
    with pytest.raises(OSError), socket.create_connection((outside, dovecot.port), timeout=1):
        pass


def test_restart_after_stop(tmp_path: Path) -> None:
    with DovecotServer(tmp_path / "Maildir", USER, PASSWORD, workdir=tmp_path / "dc") as server:
        first_port = server.port
    with server:
        assert server.running
    assert first_port > 0
    assert (tmp_path / "dc" / "dovecot.log").exists()  # a workdir of the caller is kept


def test_missing_binary(tmp_path: Path) -> None:
    server = DovecotServer(tmp_path / "Maildir", USER, PASSWORD, binary=tmp_path / "no-dovecot")

    with pytest.raises(InfrastructureError) as caught:
        server.start()

    assert str(caught.value).startswith("Dovecot is not installed: apt-get install dovecot-imapd")
    assert caught.value.exit_code == EXIT_INFRASTRUCTURE


def test_port_in_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        server = DovecotServer(tmp_path / "Maildir", USER, PASSWORD, port=port)

        with pytest.raises(InfrastructureError, match=f"127.0.0.1:{port}.*in use"):
            server.start()

    assert not server.running
    assert list(temp.iterdir()) == []  # the failed start left no work folder (it held the password hash)


def test_user_name_that_would_break_the_passwd_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="must be non-empty, without ':'"):
        DovecotServer(tmp_path / "Maildir", "a:b", PASSWORD)


def _non_loopback_address() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            # No packet is sent: connect() on UDP only picks the outgoing interface.
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else str(address)


def test_address_that_is_not_ours(tmp_path: Path) -> None:
    with pytest.raises(InfrastructureError, match=r"cannot start Dovecot on 192\.0\.2\.1"):
        DovecotServer(tmp_path / "Maildir", USER, PASSWORD, host="192.0.2.1").start()


def test_startup_failure_reports_dovecots_own_words(tmp_path: Path) -> None:
    workdir = tmp_path / "dc"
    workdir.mkdir()
    (workdir / "run").write_text("a file where Dovecot wants its socket folder")
    server = DovecotServer(tmp_path / "Maildir", USER, PASSWORD, workdir=workdir)

    with pytest.raises(InfrastructureError) as caught:
        server.start()

    message = str(caught.value)
    assert message.startswith(f"Dovecot did not come up on 127.0.0.1:{server.port}")
    assert "Last log lines:" in message
    assert str(workdir / "run") in message
    assert PASSWORD not in message
    assert not server.running


def test_the_sandbox_inbox_is_read_by_an_audit_through_its_secret_reference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo's path: Dovecot serves the sandbox's Maildir, the audit file names only the variable.
    # Empty counts as unset; setenv (unlike delenv of an absent variable) also removes the made-up one after.
    monkeypatch.setenv(PASSWORD_VARIABLE, "")
    server, why_not = try_serve_inbox(tmp_path / "mail")
    assert server is not None and why_not is None
    with server:
        password = os.environ[PASSWORD_VARIABLE]  # made up, for this process and its children
        assert len(password) >= 20 and server.password == password
        folder = tmp_path / "audit"
        folder.mkdir()
        text = demo_audit_toml(DEFAULT_FLEET, 2525, "mail", imap=ImapInbox.of(server))
        (folder / "audit.toml").write_text(text, encoding="utf-8")
        assert password not in text
        deliver_mail(tmp_path / "mail", message("Ihre Anfrage"))

        key, reader = open_reader(Audit.load(folder))
        try:
            fetched = [mail for mail, _ in reader.fetch_new({}, lambda source: False)]
        finally:
            reader.close()

    assert key == f"imap:{USERNAME}@127.0.0.1:{server.port}/INBOX"
    assert [mail.source.split(":")[0] for mail in fetched] == ["imap"]
    assert b"Ihre Anfrage" in fetched[0].raw and fetched[0].resolution == 1.0


def test_without_dovecot_the_inbox_says_why_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BINARY_VARIABLE, str(tmp_path / "no-dovecot"))
    for server, why_not in (
        try_serve_inbox(tmp_path / "mail"),
        try_serve_inbox(tmp_path / "mail", binary="nope"),
    ):
        assert server is None
        assert why_not == f"replies are read from the Maildir, not over IMAP: {INSTALL_HINT}"
        assert "\n" not in why_not and "install-system-deps.sh" in why_not
