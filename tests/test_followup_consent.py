"""A follow-up goes where the company's answer says (its Reply-To, else From): in a sandbox audit that
may be an address outside the sandbox, and an address that says it is not read may be all there is.

Through the real sandbox (SMTP, Dovecot over IMAP) and a real store on a stepped clock: a follow-up to
an address outside the sandbox is not sent unless somebody agreed (the run, the dry run and the plan
say why; a process on the simulated clock refuses it outright), and one to a no-reply address is
never sent, its reason recorded for `status`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from servaudit.agenda import SIMULATED_BEYOND, UNCONFIRMED
from servaudit.audit_store import open_store
from servaudit.cli import app
from servaudit.collect import collect
from servaudit.config import Audit
from servaudit.engine import run
from servaudit.sandbox import DEFAULT_FLEET, Sandbox
from servaudit.sandbox.findings_fleet import FINDINGS_FLEET, OUTSIDE_HELPDESK
from servaudit.status import status_rows
from tests.audit_fixtures import read_ground_truth, servaudit
from tests.test_reminders import SCENARIO, START, set_clock, threaded_study

ELSEWHERE, NOREPLY = "umleitung", "merkur"


@pytest.fixture
def answered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Sandbox, Audit]]:
    """A sandbox audit whose three companies have answered: one as usual, one with a Reply-To outside
    the sandbox, one (the default fleet's Merkur) from a no-reply address; every follow-up is due."""
    fleet = tuple(c for c in DEFAULT_FLEET + FINDINGS_FLEET if c.slug in ("nordwind", ELSEWHERE, NOREPLY))
    # The findings companies answer after 20 s; scaled, the wait stays a few seconds.
    with threaded_study(tmp_path, monkeypatch, fleet) as (box, audit):
        run(audit)
        assert box.wait_idle(30)
        set_clock(monkeypatch, START + timedelta(minutes=30))
        collect(audit)
        yield box, audit


def _inquiries(audit: Audit) -> dict[str, tuple[str, str, str | None]]:
    store = open_store(audit)
    try:
        return {r.id: (r.state, r.target, r.detail) for r in store.inquiries()}
    finally:
        store.close()


def test_a_followup_outside_the_sandbox_waits_for_consent_and_one_to_no_reply_is_never_sent(
    answered: tuple[Sandbox, Audit], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, audit = answered
    folder = str(audit.folder)
    elsewhere = f"{ELSEWHERE}.email.{SCENARIO}.w1.followup1"
    noreply = f"{NOREPLY}.email.{SCENARIO}.w1.followup1"
    usual = f"nordwind.email.{SCENARIO}.w1.followup1"
    received = box.received()
    assert received == 3

    # The dry run and the plan say what would happen and why, on the simulated clock of a cron tick
    # (whose process refuses to send outside the sandbox at all) …
    later = START + timedelta(hours=1)
    dry = servaudit(later, "run", "-a", folder, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    shown = json.loads(dry.stdout)
    assert shown["sandbox"] is True
    assert [row["inquiry"] for row in shown["would_send"]] == [usual]
    refused = {row["inquiry"]: row["reason"] for row in shown["would_refuse"]}
    assert refused[elsewhere] == SIMULATED_BEYOND
    assert "noreply@merkur-kaufhaus.example" in refused[noreply]
    plan = json.loads(servaudit(later, "plan", "-a", folder, "--json").stdout)
    states = {i["inquiry"]: (i["state"], i["target"]) for c in plan["companies"] for i in c["inquiries"]}
    assert states[elsewhere] == ("refused", OUTSIDE_HELPDESK)

    # … and `run` in this process (no terminal, no --yes): nobody agreed, so the follow-up outside the
    # sandbox is refused, the usual one sent, the one to no-reply recorded as never to be sent.
    summary = run(audit)
    assert box.wait_idle(30)
    assert summary.refused[elsewhere] == UNCONFIRMED
    assert summary.outcomes == {"sent": 1}
    records = _inquiries(audit)
    assert records[usual][0] == "sent"
    assert elsewhere not in records, "not claimed, not sent: due again once somebody agrees"
    assert records[noreply][0] == "refused" and "says it is not read" in (records[noreply][2] or "")
    assert box.received() == received + 1
    reached = {t.get("to") for t in read_ground_truth(box.ground_truth)}
    assert OUTSIDE_HELPDESK not in reached
    # `status` shows the withheld follow-up and why; a second run sends nothing again.
    rows = {row["inquiry"]: row for row in status_rows(audit)}
    assert rows[noreply]["state"] == "refused" and "not read" in rows[noreply]["refused_because"]
    again = run(audit)
    assert again.outcomes == {} and noreply not in again.refused and elsewhere in again.refused

    # The command line on a real clock (this process's, set by the test: no SERVAUDIT_NOW) asks, and
    # without a terminal refuses with the reason (exit 2); its dry run names the follow-up it would ask
    # about.
    runner = CliRunner()
    dry_text = runner.invoke(app, ["run", "-a", folder, "--dry-run"])
    assert dry_text.exit_code == 0, dry_text.output
    assert f"would ask before sending {elsewhere}" in dry_text.output
    asked = runner.invoke(app, ["run", "-a", folder])
    assert asked.exit_code == 2, asked.output
    assert "outside the sandbox" in asked.output and "--yes" in asked.output
    assert box.received() == received + 1
    assert elsewhere not in _inquiries(audit)
