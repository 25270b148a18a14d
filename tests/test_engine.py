"""Sending: each inquiry goes out exactly once, whatever fails or crashes, and reveals no audit."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from itertools import pairwise

import pytest
from aiosmtpd.controller import Controller

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.engine import run, run_lock
from servaudit.errors import InfrastructureError, UsageError
from servaudit.sandbox import Sandbox
from servaudit.store import PENDING, REJECTED, SENT, UNCERTAIN
from tests.audit_fixtures import company


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_second_run_sends_nothing(sandbox: Sandbox, make_audit: Callable[..., Audit]) -> None:
    audit = make_audit()
    first = run(audit)
    assert first.outcomes[SENT] == len(sandbox.companies) - 1
    assert first.outcomes[REJECTED] == 1
    received = sandbox.received()
    second = run(audit)
    assert sum(second.outcomes.values()) == 0
    assert second.already_done == len(sandbox.companies)
    assert sandbox.received() == received


def test_a_new_wave_sends_again(sandbox: Sandbox, make_audit: Callable[..., Audit]) -> None:
    audit = make_audit([company(sandbox, "human")])
    run(audit, wave=1)
    run(audit, wave=2)
    run(audit, wave=2)
    assert sandbox.received() == 2
    assert {i.id.rsplit(".", 1)[1] for i in open_store(audit).inquiries()} == {"w1", "w2"}


def test_relay_down_leaves_inquiries_due_and_a_later_run_sends_them(
    sandbox: Sandbox, make_audit: Callable[..., Audit]
) -> None:
    target = [company(sandbox, "human")]
    down = make_audit(target, smtp_port=free_port())
    with pytest.raises(InfrastructureError, match="cannot reach SMTP relay"):
        run(down)
    assert set(open_store(down).inquiry_states().values()) == {PENDING}
    up = make_audit(target)
    assert run(up).outcomes[SENT] == 1
    assert sandbox.received() == 1


def test_rejected_recipient_is_a_finding_not_retried(
    sandbox: Sandbox, make_audit: Callable[..., Audit]
) -> None:
    audit = make_audit([company(sandbox, "reject")])
    run(audit)
    run(audit)
    [record] = open_store(audit).inquiries()
    assert record.state == REJECTED
    assert "550 5.1.1" in (record.detail or "")
    assert record.sent_at is None


def test_concurrent_runs_are_refused(sandbox: Sandbox, make_audit: Callable[..., Audit]) -> None:
    audit = make_audit([company(sandbox, "human")])
    with run_lock(audit.folder), pytest.raises(UsageError, match="another `servaudit run`"):
        run(audit)
    assert sandbox.received() == 0


def test_concurrent_runs_on_other_machines_are_refused_by_the_database(
    sandbox: Sandbox, make_audit: Callable[..., Audit], postgres_url: str
) -> None:
    """Two machines have two audit folders (two lock files) but one PostgreSQL store: the store
    holds the lock of the run, and loses it with the run's connection."""
    audit = make_audit([company(sandbox, "human")], store=postgres_url)
    other_machine = open_store(audit)
    assert other_machine.hold_run_lock()
    with pytest.raises(UsageError, match="another `servaudit run` is working on postgresql://"):
        run(audit)
    assert sandbox.received() == 0
    other_machine.close()  # its run ended (or its process died): the lock goes with its connection
    run(audit)
    assert sandbox.received() == 1


def test_the_inquiry_reveals_no_audit(sandbox: Sandbox, make_audit: Callable[..., Audit]) -> None:
    audit = make_audit([company(sandbox, "human")])
    run(audit)
    store = open_store(audit)
    [record] = store.inquiries()
    raw = store.sent_raw(record.id)
    assert raw is not None
    lowered = raw.lower()
    for word in (b"servaudit", b"audit", b"mystery", b"x-mailer", b"user-agent", record.id.encode()):
        assert word not in lowered
    message = message_from_bytes(raw, policy=policy.default)
    assert set(message.keys()) == {
        "From",
        "To",
        "Reply-To",
        "Subject",
        "Date",
        "Message-ID",
        "Content-Type",
        "Content-Transfer-Encoding",
        "MIME-Version",
    }
    assert message["Message-ID"].endswith("@mailbox.example>")
    assert message["From"] == "Anna Schmidt <anna.schmidt@mailbox.example>"
    assert message["Reply-To"].addresses[0].username.startswith("anna.schmidt+")
    assert "Anna Schmidt" in message.get_content(), "the persona's name fills {name}"


class HangingHandler:
    """An SMTP server that takes the message and never answers the end of DATA, like a stalled relay."""

    def __init__(self) -> None:
        self.data_started = threading.Event()
        self.messages = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages += 1
        self.data_started.set()
        await asyncio.sleep(3600)
        return "250 OK"


@pytest.fixture
def hanging_relay() -> Iterator[tuple[HangingHandler, int]]:
    handler = HangingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_crash_mid_send_never_sends_twice(
    hanging_relay: tuple[HangingHandler, int],
    sandbox: Sandbox,
    make_audit: Callable[..., Audit],
    backend: str,
    request: pytest.FixtureRequest,
) -> None:
    handler, port = hanging_relay
    store = None if backend == "sqlite" else request.getfixturevalue("postgres_url")
    audit = make_audit([company(sandbox, "human")], smtp_port=port, store=store)
    process = subprocess.Popen(
        [sys.executable, "-m", "servaudit", "run", "-a", str(audit.folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert handler.data_started.wait(20), "the run reached DATA"
    finally:
        os.kill(process.pid, signal.SIGKILL)  # a crash: no cleanup code runs
        process.wait()
    [record] = open_store(audit).inquiries()
    assert record.state == "sending"

    done = subprocess.run(
        [sys.executable, "-m", "servaudit", "run", "-a", str(audit.folder)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "marked uncertain, not re-sent" in done.stderr
    time.sleep(0.2)
    assert handler.messages == 1
    [record] = open_store(audit).inquiries()
    assert record.state == UNCERTAIN


class SlowRelay:
    """Accepts every message after half a second, so overlapping sessions are visible."""

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        await asyncio.sleep(0.5)
        return "250 OK"


@pytest.mark.parametrize("parallel", [1, 3])
def test_parallel_sends_overlap_only_when_asked(
    parallel: int, sandbox: Sandbox, make_audit: Callable[..., Audit]
) -> None:
    port = free_port()
    controller = Controller(SlowRelay(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        targets = [company(sandbox, b) for b in ("human", "silence", "hotline")]
        audit = make_audit(targets, smtp_port=port)
        summary = run(audit, parallel=parallel)
    finally:
        controller.stop()
    assert summary.outcomes[SENT] == 3
    store = open_store(audit)
    spans = sorted(
        (a.started_at, a.finished_at or a.started_at) for i in store.inquiries() for a in store.attempts(i.id)
    )
    overlapping = any(later[0] < earlier[1] for earlier, later in pairwise(spans))
    assert overlapping == (parallel > 1)
