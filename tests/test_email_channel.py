"""The e-mail channel against real SMTP servers: login, STARTTLS, implicit TLS, and secrets kept out."""

from __future__ import annotations

import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.sandbox import Sandbox
from servaudit.store import PENDING, SENT
from tests.audit_fixtures import company
from tests.test_engine import free_port

USER, PASSWORD = "anna.schmidt@mailbox.example", "correct horse battery staple"


class Recorder:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 2.0.0 Ok: queued"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == (USER, PASSWORD)
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, standing in for a company relay's private CA."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@contextmanager
def relay(security: str, certificate: tuple[Path, Path]) -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = free_port()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    options: dict[str, Any] = {"authenticator": authenticator, "auth_required": True}
    if security == "starttls":
        options.update(tls_context=context, require_starttls=True)
    elif security == "ssl":
        # aiosmtpd counts only STARTTLS as TLS for AUTH; this session is TLS from the first byte.
        options.update(ssl_context=context, server_hostname="127.0.0.1", auth_require_tls=False)
    else:
        options.update(auth_require_tls=False)
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
    if security == "ssl":
        # The controller's own readiness probe must trust the test certificate too.
        controller.ssl_context = context
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


def relay_audit(
    make_audit: Callable[..., Audit], sandbox: Sandbox, port: int, security: str, ca: Path
) -> Audit:
    audit = make_audit([company(sandbox, "human")], smtp_port=port)
    text = audit.path.read_text().replace(
        'security = "none"',
        f'security = "{security}"\nusername = "{USER}"\n'
        f'password = "env:SA_TEST_SMTP_PASSWORD"\nca_file = "{ca}"',
    )
    audit.path.write_text(text)
    return Audit.load(audit.folder)


def servaudit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "servaudit", *args], capture_output=True, text=True)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["none", "starttls", "ssl"])
def test_login_and_send_over_each_transport_and_the_password_is_stored_nowhere(
    security: str,
    certificate: tuple[Path, Path],
    sandbox: Sandbox,
    make_audit: Callable[..., Audit],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SA_TEST_SMTP_PASSWORD", PASSWORD)
    with relay(security, certificate) as (recorder, port):
        audit = relay_audit(make_audit, sandbox, port, security, certificate[0])
        checked = servaudit("check", "-a", str(audit.folder))
        assert checked.returncode == 0, checked.stdout + checked.stderr
        done = servaudit("run", "-a", str(audit.folder))
        assert done.returncode == 0, done.stderr
        assert len(recorder.messages) == 1
        assert servaudit("report", "-a", str(audit.folder), "--out", str(tmp_path / "report")).returncode == 0
        secret = PASSWORD.encode()
        for path in [*audit.folder.rglob("*"), *(tmp_path / "report").rglob("*")]:
            if path.is_file():
                assert secret not in path.read_bytes(), path
        assert PASSWORD not in done.stdout + done.stderr + checked.stdout + checked.stderr
        [record] = open_store(audit).inquiries()
        assert record.state == SENT


def test_wrong_password_sends_nothing_and_exits_3(
    certificate: tuple[Path, Path],
    sandbox: Sandbox,
    make_audit: Callable[..., Audit],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SA_TEST_SMTP_PASSWORD", "wrong " + PASSWORD)
    with relay("starttls", certificate) as (recorder, port):
        audit = relay_audit(make_audit, sandbox, port, "starttls", certificate[0])
        checked = servaudit("check", "-a", str(audit.folder))
        assert checked.returncode == 3 and "login failed" in checked.stdout
        done = servaudit("run", "-a", str(audit.folder))
        assert done.returncode == 3, done.stderr
        assert "SMTP login failed" in done.stderr and "stay due" in done.stderr
        assert "wrong" not in done.stderr
        assert recorder.messages == []
        [record] = open_store(audit).inquiries()
        assert record.state == PENDING


def test_an_untrusted_certificate_is_refused(
    certificate: tuple[Path, Path],
    sandbox: Sandbox,
    make_audit: Callable[..., Audit],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SA_TEST_SMTP_PASSWORD", PASSWORD)
    with relay("starttls", certificate) as (recorder, port):
        audit = relay_audit(make_audit, sandbox, port, "starttls", certificate[0])
        audit.path.write_text(audit.path.read_text().replace(f'ca_file = "{certificate[0]}"\n', ""))
        done = servaudit("run", "-a", str(audit.folder))
        assert done.returncode == 3
        assert "CERTIFICATE_VERIFY_FAILED" in done.stderr
        assert recorder.messages == []


def test_missing_password_variable_is_a_config_error_before_anything_is_claimed(
    certificate: tuple[Path, Path], sandbox: Sandbox, make_audit: Callable[..., Audit]
) -> None:
    audit = relay_audit(make_audit, sandbox, free_port(), "none", certificate[0])
    done = servaudit("run", "-a", str(audit.folder))
    assert done.returncode == 2
    assert "SA_TEST_SMTP_PASSWORD is not set" in done.stderr
    assert open_store(audit).inquiries() == []
