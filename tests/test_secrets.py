"""Secrets never leak: non-ASCII passwords log in (UTF-8), and neither a wrong one nor a relay that
echoes it shows up in the terminal, the logs, the store's bytes or the report; a refused login is
exit 3 with every inquiry still due."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from servaudit.sandbox.imap import DovecotServer
from servaudit.secrets import ScrubbingStream, forget_secrets, register_secret, scrub
from tests.relay import EchoingRelay, echoing_relay

USER = "anna.schmidt@mailbox.example"
RIGHT = "Grüße-Päßwort-ÄÖÜ"
WRONG = "Fälsch-Ünd-Geheim-42"
IMAP_RIGHT = "Brötchen-Bäckerei-ß"
IMAP_WRONG = "Müsli-Frühstück-ö"


def secret_forms(secret: str) -> list[bytes]:
    """Every way the secret could appear: as text, UTF-8 bytes, Latin-1, base64 alone and in PLAIN."""
    raw = secret.encode("utf-8")
    forms = [raw, secret.encode("latin-1", "ignore"), base64.b64encode(raw)]
    forms += [base64.b64encode(b"\0" + USER.encode() + b"\0" + raw)]
    forms += [repr(raw)[2:-1].encode(), secret.encode("unicode_escape")]
    return [form for form in forms if len(form) > 6]


def assert_nowhere(secret: str, *blobs: bytes) -> None:
    for form in secret_forms(secret):
        for blob in blobs:
            assert form not in blob, f"{form!r} leaked"


def write_audit(folder: Path, relay: EchoingRelay, dovecot: DovecotServer | None = None) -> Path:
    mailbox = (
        f'type = "imap"\nhost = "127.0.0.1"\nport = {dovecot.port}\nsecurity = "none"\n'
        f'username = "{dovecot.username}"\npassword = "env:SA_IMAP_PASSWORD"\ntimeout = 5\n'
        if dovecot
        else f'type = "maildir"\npath = "{folder / "mail"}"\n'
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "audit.toml").write_text(
        f"""[audit]
name = "Secrets"
[persona]
name = "Anna Schmidt"
email = "{USER}"
[smtp]
host = "127.0.0.1"
port = {relay.port}
security = "none"
username = "{USER}"
password = "env:SA_SMTP_PASSWORD"
timeout = 5
[mailbox]
{mailbox}
[scenarios.frage]
subject = "Frage"
body = "Guten Tag, {{name}}"
[companies.nordwind]
name = "Nordwind"
email = "service@nordwind.example"
[companies.baeckerei]
name = "Bäckerei Müller"
email = "kundenservice@bäckerei-müller.example"
""",
        encoding="utf-8",
    )
    return folder


def cli(
    folder: Path, *args: str, smtp: str = RIGHT, imap: str = IMAP_RIGHT
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "SA_SMTP_PASSWORD": smtp, "SA_IMAP_PASSWORD": imap}
    return subprocess.run(
        [sys.executable, "-m", "servaudit", *args, "-a", str(folder)],
        capture_output=True,
        env=env,
        timeout=120,
    )


def everything_written(folder: Path) -> bytes:
    """Every byte servaudit left in the audit folder (store, evidence, report, logs)."""
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def test_a_wrong_non_ascii_password_at_an_echoing_relay_leaks_nowhere_and_leaves_inquiries_due(
    tmp_path: Path,
) -> None:
    with echoing_relay(USER, RIGHT) as relay:
        folder = write_audit(tmp_path / "audit", relay)
        runs = [cli(folder, "run", smtp=WRONG), cli(folder, "--debug", "run", smtp=WRONG)]
        for done in runs:
            assert done.returncode == 3, done.stderr
            assert b"login failed" in done.stderr and b"***" in done.stderr
        assert b"Traceback" in runs[1].stderr, "--debug shows the traceback, with the same exit code"
        assert relay.accepted == [] and relay.logins == []
        status = cli(folder, "status", "--json")
        assert status.returncode == 0
        assert status.stdout.count(b'"pending"') == 2, "nothing was sent: both still due"
        report = cli(folder, "report", "--out", str(folder / "report"))
        assert report.returncode == 0, report.stderr
        outputs = b"".join(d.stdout + d.stderr for d in [*runs, status, report])
        assert_nowhere(WRONG, outputs, everything_written(folder))
        assert_nowhere(RIGHT, outputs, everything_written(folder))

        fixed = cli(folder, "run")
        assert fixed.returncode == 0, fixed.stderr
    assert relay.logins == [USER, USER], "the UTF-8 password logged in (AUTH PLAIN, RFC 4616), once a send"
    recipients = sorted(rcpt for _, rcpts, _ in relay.accepted for rcpt in rcpts)
    assert recipients == ["kundenservice@xn--bckerei-mller-bfb28a.example", "service@nordwind.example"]
    assert_nowhere(RIGHT, fixed.stdout + fixed.stderr, everything_written(folder))


@pytest.mark.imap
def test_non_ascii_imap_password_logs_in_and_a_wrong_one_leaks_nowhere(tmp_path: Path) -> None:
    with (
        echoing_relay(USER, RIGHT) as relay,
        DovecotServer(tmp_path / "Maildir", USER, IMAP_RIGHT, workdir=tmp_path / "dovecot") as dovecot,
    ):
        folder = write_audit(tmp_path / "audit", relay, dovecot)
        wrong = [cli(folder, "collect", imap=IMAP_WRONG), cli(folder, "--debug", "collect", imap=IMAP_WRONG)]
        for done in wrong:
            assert done.returncode == 3, done.stderr
            assert b"IMAP login failed" in done.stderr
        right = cli(folder, "collect")
        assert right.returncode == 0, right.stderr
        checked = cli(folder, "check", imap=IMAP_WRONG, smtp=WRONG)
        assert checked.returncode == 3
        outputs = b"".join(d.stdout + d.stderr for d in [*wrong, right, checked])
        dovecot_log = dovecot.log_path.read_bytes() if dovecot.log_path and dovecot.log_path.exists() else b""
        assert_nowhere(IMAP_WRONG, outputs, everything_written(folder), dovecot_log)
        assert_nowhere(IMAP_RIGHT, outputs, everything_written(folder))
        assert_nowhere(WRONG, outputs)


def test_scrub_replaces_every_registered_form_longest_first() -> None:
    forget_secrets()
    register_secret("Päß")
    register_secret("Päßwort")
    text = f"a {'Päßwort'!r} b {'Päßwort'.encode()!r} c {base64.b64encode('Päßwort'.encode()).decode()} d Päß"
    assert scrub(text) == "a '***' b b'***' c *** d ***"
    terminal = io.StringIO()
    ScrubbingStream(terminal).write("login failed for Päßwort\n")
    assert terminal.getvalue() == "login failed for ***\n"
    forget_secrets()
    assert scrub("Päßwort") == "Päßwort"


def test_a_secret_written_into_the_audit_file_is_refused_at_load() -> None:
    from pydantic import BaseModel, ValidationError

    from servaudit.secrets import SecretRef

    class Settings(BaseModel):
        password: SecretRef | None = None

    assert Settings(password="env:IMAP_PASSWORD").password == "env:IMAP_PASSWORD"
    with pytest.raises(ValidationError, match="must be a reference, not the secret itself"):
        Settings(password="hunter2")
