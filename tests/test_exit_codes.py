"""Every condition a user causes has its exit code and one sentence, never a traceback; exit 4
is only for bugs, and --debug adds the traceback without changing the code."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest
from aiosmtpd.controller import Controller

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.errors import EXIT_BROKEN_PIPE, EXIT_INFRASTRUCTURE, EXIT_INTERRUPTED, EXIT_USAGE
from servaudit.exits import explain
from servaudit.sandbox import Sandbox
from tests.audit_fixtures import company
from tests.relay import free_port

CORPUS = Path(__file__).parent / "corpus"
REPLY = sorted((CORPUS / "human").glob("*.eml"))[0]


def servaudit(*args: str, stdout: int | IO[str] = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "servaudit", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )


def one_sentence(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("servaudit: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_a_full_disk_is_exit_3_with_one_sentence() -> None:
    with open("/dev/full", "w") as full:  # every write to /dev/full fails with ENOSPC
        done = servaudit("classify", str(REPLY), "--json", stdout=full)
    assert done.returncode == EXIT_INFRASTRUCTURE
    assert "the disk is full" in one_sentence(done.stderr)

    store = sqlite3.connect(":memory:")
    store.execute("PRAGMA max_page_count=2")
    store.execute("CREATE TABLE t (x BLOB)")
    with pytest.raises(sqlite3.OperationalError) as caught:
        store.execute("INSERT INTO t VALUES (zeroblob(100000))")
    code, sentence = explain(caught.value)
    assert (code, sentence.split(";")[0]) == (EXIT_INFRASTRUCTURE, "the disk holding the store is full")


def test_an_unwritable_output_is_exit_2(make_audit: Callable[..., Audit], tmp_path: Path) -> None:
    audit = make_audit()
    (tmp_path / "a-folder").mkdir()
    done = servaudit(
        "gate",
        "-a",
        str(audit.folder),
        "--rule",
        "email.response_rate >= 0",
        "--junit",
        str(tmp_path / "a-folder"),
    )
    assert done.returncode == EXIT_USAGE
    assert "cannot use" in one_sentence(done.stderr) and "a-folder" in done.stderr


def test_a_closed_pipe_is_exit_141_without_a_traceback() -> None:
    # Buffered, as a shell gives it: with PYTHONUNBUFFERED CPython drops a short write to a pipe
    # silently instead of raising, so the broken pipe would never be seen.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    process = subprocess.Popen(
        [sys.executable, "-m", "servaudit", "classify", *[str(REPLY)] * 100, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(100)  # like `| head -c 100`
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == EXIT_BROKEN_PIPE
    assert "broken pipe" in one_sentence(stderr)


def test_debug_adds_the_traceback_but_keeps_the_exit_code(tmp_path: Path) -> None:
    plain = servaudit("status", "-a", str(tmp_path))
    debug = servaudit("--debug", "status", "-a", str(tmp_path))
    assert plain.returncode == debug.returncode == EXIT_USAGE
    assert "no audit file here" in one_sentence(plain.stderr)
    assert "Traceback" in debug.stderr and debug.stderr.strip().endswith(plain.stderr.strip())


class Stalling:
    """A relay that takes the message and then never confirms it, so the send is in flight."""

    def __init__(self) -> None:
        self.in_data = threading.Event()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.in_data.set()
        await asyncio.sleep(3600)
        return "250 OK"


@pytest.fixture
def stalling_relay() -> Iterator[tuple[Stalling, int]]:
    handler, port = Stalling(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def test_ctrl_c_during_a_run_is_exit_130_and_the_send_in_flight_is_uncertain(
    sandbox: Sandbox, make_audit: Callable[..., Audit], stalling_relay: tuple[Stalling, int]
) -> None:
    handler, port = stalling_relay
    audit = make_audit([company(sandbox, "human")], smtp_port=port)
    process = subprocess.Popen(
        [sys.executable, "-m", "servaudit", "run", "-a", str(audit.folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert handler.in_data.wait(30)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == EXIT_INTERRUPTED
    assert "interrupted" in one_sentence(stderr)
    [record] = open_store(audit).inquiries()
    assert record.state == "uncertain", "it may have gone out: never re-sent automatically"
