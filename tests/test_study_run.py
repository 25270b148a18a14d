"""A study over weeks against the real sandbox, on a simulated clock: `run` sends what is due, once.

Each `servaudit` is its own process with SERVAUDIT_NOW set, as cron would start it on that day.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.sandbox import Sandbox
from servaudit.store import SENT, exists, store_target
from tests import store_files
from tests.audit_fixtures import company

STUDY = """
[audit.waves]
count = 2
every_days = 7
spread_days = 7
start = 2027-01-04

[audit.send_window]
timezone = "Europe/Berlin"
holidays = "DE-BE"
"""
BEFORE = datetime.fromisoformat("2027-01-03T12:00:00+01:00")


def servaudit(audit: Audit, *args: str, now: datetime | None = None) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "SERVAUDIT_NOW"}
    if now is not None:
        env["SERVAUDIT_NOW"] = now.isoformat()
    return subprocess.run(
        [sys.executable, "-m", "servaudit", *args, "-a", str(audit.folder)],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def plan(audit: Audit, now: datetime) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ok(servaudit(audit, "plan", "--json", now=now)).stdout)
    return data


def planned_times(data: dict[str, Any]) -> dict[str, datetime]:
    return {
        row["inquiry"]: datetime.fromisoformat(row["planned_at"])
        for block in data["companies"]
        for row in block["inquiries"]
    }


def sent_ids(audit: Audit) -> set[str]:
    store = open_store(audit)
    try:
        return {inquiry for inquiry, state in store.inquiry_states().items() if state == SENT}
    finally:
        store.close()


def dump(audit: Audit) -> str:
    target = store_target(audit.config.audit.store, audit.folder)
    if not isinstance(target, Path):
        return "\n".join(store_files.dump(target))
    path = audit.folder / "servaudit.sqlite"
    return subprocess.run(["sqlite3", str(path), ".dump"], capture_output=True, text=True, check=True).stdout


def test_plan_json_is_reproducible_and_its_seed_is_kept(
    sandbox: Sandbox, make_audit: Callable[..., Audit]
) -> None:
    audit = make_audit([company(sandbox, "human"), company(sandbox, "silence")], extra=STUDY)
    first = plan(audit, BEFORE)
    assert set(first) == {"now", "timezone", "sandbox", "study", "companies"}
    assert first["timezone"] == "Europe/Berlin" and first["sandbox"] is True
    assert first["study"]["provisional"] is False
    rows = [row for block in first["companies"] for row in block["inquiries"]]
    assert len(rows) == 4
    for row in rows:
        assert set(row) == {
            *("inquiry", "company", "channel", "scenario", "wave", "target"),
            *("planned_at", "stratum", "state", "detail"),
        }
        assert row["state"] == "planned"
        assert row["stratum"] in ("weekday_day", "weekday_evening", "weekend")
        assert datetime.fromisoformat(row["planned_at"]).utcoffset() == timedelta(hours=1)
    store = open_store(audit)
    seed = store.study()
    store.close()
    assert seed is not None
    again = plan(audit, BEFORE + timedelta(days=1))
    assert planned_times(again) == planned_times(first)
    table = ok(servaudit(audit, "plan", now=BEFORE)).stdout
    assert all(inquiry in table for inquiry in planned_times(first))


def test_plan_without_waves_shows_everything_due_now_and_sends_nothing(
    sandbox: Sandbox, make_audit: Callable[..., Audit]
) -> None:
    audit = make_audit([company(sandbox, "human")])
    data = plan(audit, BEFORE)
    assert data["study"] is None
    [block] = data["companies"]
    [row] = block["inquiries"]
    assert (row["state"], row["planned_at"], row["stratum"]) == ("due", None, None)
    assert sandbox.received() == 0 and sent_ids(audit) == set()


def test_run_sends_nothing_before_its_time_and_everything_due_once(
    sandbox: Sandbox, make_audit: Callable[..., Audit]
) -> None:
    audit = make_audit([company(sandbox, "human"), company(sandbox, "silence")], extra=STUDY)
    times = planned_times(plan(audit, BEFORE))
    ok(servaudit(audit, "run", now=BEFORE))
    assert sandbox.received() == 0 and sent_ids(audit) == set()
    for inquiry, at in sorted(times.items(), key=lambda item: item[1]):
        ok(servaudit(audit, "run", now=at - timedelta(minutes=3)))
        assert inquiry not in sent_ids(audit), "sent before its planned time"
        ok(servaudit(audit, "run", now=at + timedelta(minutes=3)))
        assert sent_ids(audit) == {i for i, t in times.items() if t <= at}
    after = max(times.values()) + timedelta(days=3)
    summary = json.loads(ok(servaudit(audit, "run", "--json", now=after)).stdout)
    assert summary["outcomes"] == {} and summary["already_done"] == 4
    assert sandbox.received() == 4
    store = open_store(audit)
    try:
        assert all(len(store.attempts(inquiry)) == 1 for inquiry in times)
        sent_at = {r.id: r.sent_at for r in store.inquiries()}
    finally:
        store.close()
    for inquiry, at in times.items():
        sent = sent_at[inquiry]
        assert sent is not None
        assert at <= sent < at + timedelta(minutes=10), "sent at the run after its time"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_dry_run_prints_what_is_due_and_changes_nothing(
    sandbox: Sandbox, make_audit: Callable[..., Audit], backend: str, request: pytest.FixtureRequest
) -> None:
    url = None if backend == "sqlite" else request.getfixturevalue("postgres_url")
    audit = make_audit([company(sandbox, "human"), company(sandbox, "silence")], extra=STUDY, store=url)
    store_file = store_target(audit.config.audit.store, audit.folder)
    early = ok(servaudit(audit, "run", "--dry-run", now=BEFORE + timedelta(days=30)))
    assert not exists(store_file), "a dry run creates no store"
    assert "provisional" in early.stdout
    times = planned_times(plan(audit, BEFORE))
    first = min(times, key=lambda inquiry: times[inquiry])
    ok(servaudit(audit, "run", now=times[first] + timedelta(minutes=1)))
    before = dump(audit)
    later = max(times.values()) + timedelta(minutes=1)
    shown = json.loads(ok(servaudit(audit, "run", "--dry-run", "--json", now=later)).stdout)
    text = ok(servaudit(audit, "run", "--dry-run", now=later)).stdout
    assert dump(audit) == before
    assert sandbox.received() == 1
    rest = sorted(set(times) - {first}, key=lambda inquiry: times[inquiry])
    assert [row["inquiry"] for row in shown["would_send"]] == rest
    for row in shown["would_send"]:
        assert row["recipient"].endswith(".example") and row["subject"] and row["channel"] == "email"
        assert datetime.fromisoformat(row["planned_at"]) == times[row["inquiry"]]
        assert row["recipient"] in text and row["subject"] in text
    assert "nothing was sent" in text


def test_a_rate_limit_refuses_records_and_sends_once_the_spacing_passed(
    sandbox: Sandbox, make_audit: Callable[..., Audit]
) -> None:
    audit = make_audit([company(sandbox, "human")], extra="[audit.limits]\ndomain_spacing_minutes = 60\n")
    start = datetime.fromisoformat("2027-02-01T10:00:00+01:00")
    ok(servaudit(audit, "run", now=start))
    second = ok(servaudit(audit, "run", "--wave", "2", now=start + timedelta(minutes=10)))
    assert "1 refused" in second.stdout and "rate limit" in second.stderr
    assert sandbox.received() == 1
    rows = json.loads(ok(servaudit(audit, "status", "--json")).stdout)
    refused = [row for row in rows if row["state"] == "refused"]
    assert [row["inquiry"].endswith(".w2") for row in refused] == [True]
    assert "rate limit" in refused[0]["refused_because"]
    assert "refused (rate limit)" in ok(servaudit(audit, "status", "--lang", "en")).stdout
    ok(servaudit(audit, "run", "--wave", "2", now=start + timedelta(minutes=40)))
    assert sandbox.received() == 1, "still inside the spacing"
    ok(servaudit(audit, "run", "--wave", "2", now=start + timedelta(minutes=75)))
    assert sandbox.received() == 2
    assert len(sent_ids(audit)) == 2


LIVE = "service@nordwind.de"
"""Not a reserved domain, so the audit is live; the relay is still the sandbox on 127.0.0.1, which
refuses to relay it: nothing leaves this machine whatever the test does."""


def live_audit(make_audit: Callable[..., Audit], sandbox: Sandbox) -> Audit:
    audit = make_audit([company(sandbox, "human")])
    text = (audit.folder / "audit.toml").read_text()
    (audit.folder / "audit.toml").write_text(text.replace(company(sandbox, "human").address, LIVE))
    return Audit.load(audit.folder)


def test_a_live_audit_without_a_terminal_and_without_yes_is_refused(
    sandbox: Sandbox, make_audit: Callable[..., Audit]
) -> None:
    audit = live_audit(make_audit, sandbox)
    refused = servaudit(audit, "run")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "--yes" in refused.stderr and "real companies" in refused.stderr
    clocked = servaudit(audit, "run", "--yes", now=datetime.fromisoformat("2027-01-05T10:00:00+01:00"))
    assert clocked.returncode == 2 and "SERVAUDIT_NOW" in clocked.stderr
    assert "sandbox" in clocked.stderr
    shown = ok(servaudit(audit, "run", "--dry-run"))
    assert LIVE in shown.stdout
    assert sent_ids(audit) == set() and sandbox.received() == 0
    assert "INSERT INTO inquiries" not in dump(audit), "nothing claimed"
    ok(servaudit(audit, "run", "--yes"))
    states = set(open_store(audit).inquiry_states().values())
    assert states == {"rejected"}, "sent with --yes (the sandbox relay refused to relay it)"


def test_a_live_audit_asks_on_a_terminal_and_a_no_sends_nothing(
    sandbox: Sandbox, make_audit: Callable[..., Audit]
) -> None:
    audit = live_audit(make_audit, sandbox)
    env = {key: value for key, value in os.environ.items() if key != "SERVAUDIT_NOW"}
    for answer, code in (("n", 1), ("y", 0)):
        primary, secondary = os.openpty()
        try:
            os.write(primary, f"{answer}\n".encode())
            done = subprocess.run(
                [sys.executable, "-m", "servaudit", "run", "-a", str(audit.folder)],
                stdin=secondary,
                capture_output=True,
                text=True,
                env=env,
                timeout=120,
                check=False,
            )
        finally:
            os.close(primary)
            os.close(secondary)
        assert done.returncode == code, done.stderr
        assert LIVE in done.stderr and "Send these 1 inquiries to real companies now?" in done.stderr
        if answer == "n":
            assert "nothing sent" in done.stderr
            assert "INSERT INTO inquiries" not in dump(audit)
    assert set(open_store(audit).inquiry_states().values()) == {"rejected"}
