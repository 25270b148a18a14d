"""Collect end to end: the sandbox answers, replies are read (Maildir and real IMAP), matched, classified.

The sandbox's ground truth says which reply it sent to which inquiry and when it
was delivered; the measured figures must agree with it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from servaudit.audit_store import open_store
from servaudit.collect import collect
from servaudit.config import Audit
from servaudit.engine import run
from servaudit.sandbox import Sandbox
from servaudit.sandbox.imap import DovecotServer
from tests.audit_fixtures import company, read_ground_truth

IMAP_USER, IMAP_PASSWORD = "anna", "imap-test-password"


def imap_section(server: DovecotServer) -> str:
    return (
        f'host = "{server.host}"\nport = {server.port}\nsecurity = "none"\n'
        f'username = "{IMAP_USER}"\npassword = "env:SA_TEST_IMAP_PASSWORD"\n'
    )


def audit_over_imap(audit: Audit, server: DovecotServer) -> Audit:
    text = audit.path.read_text()
    start = text.index("[mailbox]")
    end = text.index("[scenarios.")
    audit.path.write_text(
        text[:start] + '[mailbox]\ntype = "imap"\n' + imap_section(server) + "\n" + text[end:]
    )
    return Audit.load(audit.folder)


def check_against_ground_truth(audit: Audit, ground_truth: Path) -> None:
    """Every reply the sandbox delivered is stored, matched to its inquiry, classified as sent, and timed."""
    store = open_store(audit)
    inquiries = {i.message_id: i for i in store.inquiries()}
    messages = {m.header_message_id: m for m in store.messages()}
    delivered = [t for t in read_ground_truth(ground_truth) if t["reply_message_id"]]
    assert delivered
    for truth in delivered:
        message = messages[truth["reply_message_id"]]
        inquiry = inquiries[truth["inquiry_message_id"]]
        assert message.inquiry_id == inquiry.id, truth
        assert message.label == truth["kind"], (truth, message.reasons)
        # Server time, not collect time: the Maildir delivery / IMAP INTERNALDATE (whole seconds).
        skew = (message.arrived_at - datetime.fromisoformat(truth["delivered_at"])).total_seconds()
        assert abs(skew) < 1.0, truth


@pytest.mark.parametrize("plus_addressing", [True, False], ids=["reply-address", "no-reply-address"])
def test_collect_from_maildir_matches_the_ground_truth(
    sandbox: Sandbox, make_audit: Callable[..., Audit], plus_addressing: bool
) -> None:
    audit = make_audit(plus_addressing=plus_addressing)
    run(audit)
    assert sandbox.wait_idle(20)
    summary = collect(audit)
    assert summary.downloaded == 8  # 9 companies: one rejects, one stays silent, one answers twice
    assert summary.totals.unmatched == 0 and summary.new.unmatched == 0
    check_against_ground_truth(audit, sandbox.ground_truth)
    again = collect(audit)
    assert again.downloaded == 0 and again.duplicates == 0


def test_collect_over_real_imap_is_incremental_and_uses_server_time(
    sandbox: Sandbox, make_audit: Callable[..., Audit], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SA_TEST_IMAP_PASSWORD", IMAP_PASSWORD)
    with DovecotServer(tmp_path / "mail", IMAP_USER, IMAP_PASSWORD) as server:
        audit = audit_over_imap(
            make_audit([company(sandbox, "human"), company(sandbox, "ack_then_human")]), server
        )
        run(audit)
        assert sandbox.wait_idle(20)
        first = collect(audit)
        assert first.downloaded == 3
        check_against_ground_truth(audit, sandbox.ground_truth)
        again = collect(audit)
        assert (again.downloaded, again.duplicates) == (0, 0)

        # A later reply is the only thing the next collect reads.
        run(audit, wave=2)
        assert sandbox.wait_idle(20)
        third = collect(audit)
        assert third.downloaded == 3
        check_against_ground_truth(audit, sandbox.ground_truth)


def test_collect_with_the_imap_server_down_exits_cleanly(
    make_audit: Callable[..., Audit], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SA_TEST_IMAP_PASSWORD", IMAP_PASSWORD)
    server = DovecotServer(tmp_path / "mail", IMAP_USER, IMAP_PASSWORD)
    server.start()
    audit = audit_over_imap(make_audit(), server)
    server.stop()
    done = subprocess.run(
        [sys.executable, "-m", "servaudit", "collect", "-a", str(audit.folder)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 3, done.stderr
    assert "cannot reach IMAP server" in done.stderr
    assert IMAP_PASSWORD not in done.stderr + done.stdout
