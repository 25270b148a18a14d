"""A store that cannot be half-copied: a copy of only servaudit.sqlite, taken whenever a run was
killed, holds every claim, so re-running from it sends nothing twice; and a lost or empty store
makes `run` refuse instead of starting over."""

from __future__ import annotations

import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.engine import run
from servaudit.errors import StoreError, UsageError
from servaudit.sandbox import Sandbox
from servaudit.sandbox.imap import DovecotServer
from servaudit.store import DEFAULT_FILE, SCHEMA_VERSION, Store
from tests.audit_fixtures import company, read_ground_truth
from tests.store_files import stamp_schema

KILLS = 8


def received_message_ids(sandbox: Sandbox) -> list[str]:
    """Ground truth: the Message-ID of every inquiry the sandbox accepted (once per inquiry)."""
    assert sandbox.wait_idle(30)
    seen: dict[str, None] = {}
    for record in read_ground_truth(sandbox.ground_truth):
        if record["inquiry_message_id"]:
            seen.setdefault(record["inquiry_message_id"], None)
    return list(seen)


def test_a_copy_of_only_the_store_after_a_kill_at_any_moment_sends_nothing_twice(
    sandbox: Sandbox, make_audit: Callable[..., Audit], tmp_path: Path
) -> None:
    audit = make_audit()
    folder, rng = audit.folder, random.Random(15)
    open_store(audit).close()  # the store exists before the first kill, as after any earlier command
    accepting = len(sandbox.companies) - 1  # one company rejects at RCPT
    for wave in range(1, KILLS + 1):
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "servaudit",
                "run",
                "-a",
                str(folder),
                "--wave",
                str(wave),
                "--parallel",
                "2",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # A random moment inside the run: once the relay accepted a random number of its inquiries.
        target = sandbox.received() + rng.randint(0, accepting - 1)
        deadline = time.monotonic() + 30
        while sandbox.received() < target and time.monotonic() < deadline:
            time.sleep(0.0005)
        time.sleep(rng.uniform(0, 0.01))
        process.send_signal(signal.SIGKILL)
        process.wait()
        # What a CI cache or a careless backup keeps: the main file only, no -wal, no -journal.
        kept = tmp_path / "kept.sqlite"
        shutil.copyfile(folder / DEFAULT_FILE, kept)
        for leftover in folder.glob(DEFAULT_FILE + "-*"):
            leftover.unlink()
        shutil.move(kept, folder / DEFAULT_FILE)
        done = subprocess.run(
            [sys.executable, "-m", "servaudit", "run", "-a", str(folder), "--wave", str(wave)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr

    store = open_store(audit)
    sent_ids = {r.message_id: r.id for r in store.inquiries() if r.message_id}
    received = received_message_ids(sandbox)
    unknown = [m for m in received if m not in sent_ids]
    assert unknown == [], "every Message-ID the relay accepted is the one the store holds for its inquiry"
    assert len(received) <= accepting * KILLS
    states = [r.state for r in store.inquiries()]
    assert states.count("sent") + states.count("uncertain") == accepting * KILLS


def test_commits_live_in_the_main_file(make_audit: Callable[..., Audit]) -> None:
    audit = make_audit()
    store = open_store(audit)
    store.claim(
        {"id": "x.email.s.w1", "company": "x", "channel": "email", "scenario": "s", "wave": 1, "target": "t"}
    )
    copy = sqlite3.connect(":memory:")
    copy.deserialize((audit.folder / DEFAULT_FILE).read_bytes())
    assert copy.execute("SELECT state FROM inquiries").fetchall() == [("sending",)]
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not list(audit.folder.glob(DEFAULT_FILE + "-*")), "no -wal or -journal file between commits"


def test_a_lost_or_empty_store_is_not_a_new_audit(sandbox: Sandbox, make_audit: Callable[..., Audit]) -> None:
    audit = make_audit([company(sandbox, "human"), company(sandbox, "bounce")])
    run(audit)
    assert sandbox.wait_idle(20)
    sent = sandbox.received()
    path = audit.folder / DEFAULT_FILE

    path.write_bytes(b"")
    for _ in range(2):  # refused again: the first refusal must not have turned it into a new store
        with pytest.raises(StoreError, match=r"is empty \(0 bytes\)"):
            run(audit)
        assert path.stat().st_size == 0
    status = subprocess.run(
        [sys.executable, "-m", "servaudit", "status", "-a", str(audit.folder)], capture_output=True, text=True
    )
    assert status.returncode == 2 and "is empty (0 bytes)" in status.stderr
    assert path.stat().st_size == 0
    path.unlink()
    with pytest.raises(UsageError, match=r"knows of no inquiry.*\d replies to earlier inquiries"):
        run(audit)
    (audit.folder / "evidence").mkdir()
    (audit.folder / "evidence" / "chat.png").write_bytes(b"png")
    done = subprocess.run(
        [sys.executable, "-m", "servaudit", "run", "-a", str(audit.folder)], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "1 evidence files in" in done.stderr and "--ignore-earlier-sends" in done.stderr
    assert sandbox.received() == sent, "nothing was sent again"
    path.unlink()
    assert run(audit, ignore_earlier_sends=True).outcomes["sent"] == 2, "a consultant can insist"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a database, just text" * 200, "not a servaudit store"),
        (None, "an SQLite database, but not a servaudit store"),
    ],
)
def test_damaged_and_foreign_stores_are_refused_with_exit_2(
    make_audit: Callable[..., Audit], content: bytes | None, message: str
) -> None:
    audit = make_audit()
    path = audit.folder / DEFAULT_FILE
    if content is None:
        other = sqlite3.connect(path)
        other.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
        other.commit()
        other.close()
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "servaudit", "status", "-a", str(audit.folder)], capture_output=True, text=True
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert path.read_bytes() == before, "a store that is not ours is never written"


def test_a_newer_schema_is_refused(make_audit: Callable[..., Audit]) -> None:
    audit = make_audit()
    open_store(audit).close()
    stamp_schema(audit.folder / DEFAULT_FILE, 99)
    done = subprocess.run(
        [sys.executable, "-m", "servaudit", "--debug", "status", "-a", str(audit.folder)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2, "--debug does not change the exit code"
    assert f"written by a newer servaudit (schema 99, this one reads up to {SCHEMA_VERSION})" in done.stderr
    with pytest.raises(Exception, match="newer servaudit"):
        Store(audit.folder / DEFAULT_FILE)


def test_a_store_damaged_inside_is_exit_2_for_every_command(
    make_audit: Callable[..., Audit], tmp_path: Path
) -> None:
    audit = make_audit()
    store = open_store(audit)
    for wave in range(200):
        fields = {
            "company": "c",
            "channel": "email",
            "scenario": "s",
            "wave": wave,
            "target": "t",
            "body": "x" * 500,
        }
        store.claim({"id": f"c.email.s.w{wave}", **fields})
    store.close()
    path = audit.folder / DEFAULT_FILE
    data = bytearray(path.read_bytes())
    # The header and the schema stay (its pages come first), the inquiries' pages behind them do not.
    for offset in range(len(data) // 2 // 4096 * 4096, len(data), 4096):
        data[offset : offset + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    for command in (["status"], ["run"], ["report", "--out", str(tmp_path / "report")]):
        done = subprocess.run(
            [sys.executable, "-m", "servaudit", *command, "-a", str(audit.folder)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 2, (command, done.stderr)
        assert "the store is damaged (database disk image is malformed)" in done.stderr


@pytest.mark.imap
def test_replies_in_an_imap_mailbox_show_earlier_sends(
    sandbox: Sandbox, make_audit: Callable[..., Audit], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit = make_audit([company(sandbox, "human"), company(sandbox, "silence")])
    run(audit)
    assert sandbox.wait_idle(20)
    text = (audit.folder / "audit.toml").read_text(encoding="utf-8")
    with DovecotServer(tmp_path / "mail", "anna", "Brötchen-ß", workdir=tmp_path / "dovecot") as dovecot:
        imap = (
            f'[mailbox]\ntype = "imap"\nhost = "127.0.0.1"\nport = {dovecot.port}\nsecurity = "none"\n'
            'username = "anna"\npassword = "env:SA_IMAP_PASSWORD"\n'
        )
        text = re.sub(r"\[mailbox\]\n(?:[a-z]+ = .*\n)+", imap, text)
        (audit.folder / "audit.toml").write_text(text, encoding="utf-8")
        monkeypatch.setenv("SA_IMAP_PASSWORD", "Brötchen-ß")
        (audit.folder / DEFAULT_FILE).unlink()
        with pytest.raises(
            UsageError, match=r"knows of no inquiry.*1 replies to earlier inquiries in the mailbox"
        ):
            run(Audit.load(audit.folder))
    monkeypatch.setenv("SA_IMAP_PASSWORD", "wrong")  # an unreachable mailbox does not block a run
    assert run(Audit.load(audit.folder)).outcomes["sent"] == 2
