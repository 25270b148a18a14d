"""Failures before the relay leave an inquiry due, one crash never cancels the others, and an
uncertain inquiry is listed with its evidence and decided by a consultant (`servaudit release`)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable

import pytest

from servaudit.audit_store import open_store
from servaudit.channels import CHANNELS
from servaudit.channels.base import Composed, Outcome, ProbeContext
from servaudit.channels.email.probe import EmailChannel
from servaudit.config import Audit
from servaudit.engine import run
from servaudit.sandbox import Sandbox
from servaudit.store import PENDING, RELEASED, SENT, UNCERTAIN
from tests.audit_fixtures import company


class CrashOnce(EmailChannel):
    """The real e-mail channel, except that one company's send crashes after the others started.

    Stands in for a channel with a bug; what is tested is the engine's bookkeeping around it.
    """

    def __init__(self, crashing_target: str) -> None:
        self.crashing_target = crashing_target

    async def send(self, composed: Composed, context: ProbeContext) -> Outcome:
        if composed.inquiry.target == self.crashing_target:
            await asyncio.sleep(0.05)
            raise RuntimeError("a bug in a channel")
        await asyncio.sleep(0.4)  # still in flight when the other one crashes
        return await super().send(composed, context)


@pytest.fixture
def crashing(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> str:
    target = company(sandbox, "silence").address
    monkeypatch.setitem(CHANNELS, "email", CrashOnce(target))
    return target


def cli(audit: Audit, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "servaudit", *args, "-a", str(audit.folder)], capture_output=True, text=True
    )


def test_a_crashing_send_does_not_cancel_the_bookkeeping_of_sends_in_flight(
    sandbox: Sandbox, make_audit: Callable[..., Audit], crashing: str
) -> None:
    targets = [company(sandbox, b) for b in ("human", "silence", "hotline", "out_of_office")]
    audit = make_audit(targets)
    with pytest.raises(RuntimeError, match="a bug in a channel"):
        run(audit, parallel=4)
    states = {r.target: r.state for r in open_store(audit).inquiries()}
    assert states.pop(crashing) == UNCERTAIN, "the crashed send may have started"
    assert set(states.values()) == {SENT}, "the sends in flight finished and were recorded"
    assert sandbox.received() == 3


def test_uncertain_inquiries_are_listed_with_evidence_and_released_by_a_consultant(
    sandbox: Sandbox, make_audit: Callable[..., Audit], crashing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit = make_audit([company(sandbox, b) for b in ("human", "silence")])
    with pytest.raises(RuntimeError):
        run(audit)
    monkeypatch.setitem(CHANNELS, "email", EmailChannel())
    [uncertain_id] = [r.id for r in open_store(audit).inquiries() if r.state == UNCERTAIN]

    listed = cli(audit, "status", "--uncertain", "--json")
    assert listed.returncode == 0, listed.stderr
    [entry] = json.loads(listed.stdout)
    assert entry["inquiry"] == uncertain_id and entry["target"] == crashing
    assert entry["message_id"] and entry["replies"] == 0
    assert [a["outcome"] for a in entry["attempts"]] == [UNCERTAIN]
    assert "RuntimeError" in entry["attempts"][0]["detail"]
    assert "servaudit release" in cli(audit, "status", "--uncertain").stdout

    sent_id = next(r.id for r in open_store(audit).inquiries() if r.state == SENT)
    refused = cli(audit, "release", sent_id, "--as", "not-sent")
    assert refused.returncode == 2 and "not uncertain" in refused.stderr

    released = cli(audit, "release", uncertain_id, "--as", "not-sent", "--comment", "not in the relay log")
    assert released.returncode == 0, released.stderr
    assert open_store(audit).inquiry_states()[uncertain_id] == PENDING
    before = sandbox.received()
    assert run(audit).outcomes[SENT] == 1, "released as not sent: due again"
    assert sandbox.received() == before + 1
    attempts = open_store(audit).attempts(uncertain_id)
    assert [a.outcome for a in attempts] == [UNCERTAIN, RELEASED, SENT]
    assert attempts[1].detail == "released by a consultant as not sent: not in the relay log"


def test_released_as_sent_counts_from_its_claim(
    sandbox: Sandbox, make_audit: Callable[..., Audit], crashing: str
) -> None:
    audit = make_audit([company(sandbox, "silence")])
    with pytest.raises(RuntimeError):
        run(audit)
    [record] = open_store(audit).inquiries()
    assert cli(audit, "release", record.id, "--as", "sent").returncode == 0
    [after] = open_store(audit).inquiries()
    claimed = open_store(audit).attempts(record.id)[0].started_at
    assert (after.state, after.sent_at) == (SENT, claimed)
    assert sum(run(audit).outcomes.values()) == 0, "a released-as-sent inquiry is never sent again"
