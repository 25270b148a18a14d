"""The demo's whole audit with its store in PostgreSQL: run, collect over a real Dovecot, report; then the
study backed up with pg_dump, restored with pg_restore into another database, and reported again.

The store's URL names the role that must log in with a password (scram-sha-256); the password is
only in PGPASSWORD, and afterwards it is in no file the demo left nor anywhere in the database."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from servaudit.sandbox.imap import dovecot_binary
from servaudit.sandbox.inbox import PASSWORD_VARIABLE
from servaudit.store import store_target
from tests.audit_fixtures import read_ground_truth
from tests.postgres_server import PASSWORD, PASSWORD_ROLE, PostgresCluster
from tests.store_files import dump

IMAP_PASSWORD = "demo-Dovecot-pw-4711"


def servaudit(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PGPASSWORD": PASSWORD, PASSWORD_VARIABLE: IMAP_PASSWORD}
    return subprocess.run(
        [sys.executable, "-m", "servaudit", *args], capture_output=True, text=True, timeout=300, env=env
    )


def figures(report: dict[str, object]) -> dict[str, object]:
    """The report's figures per company and channel, without when it was written."""
    companies = report["companies"]
    assert isinstance(companies, dict)
    return {slug: company["channels"] for slug, company in companies.items()}


@pytest.mark.imap
def test_the_demo_audit_runs_on_postgresql_and_survives_a_dump_and_restore(
    postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    assert dovecot_binary() is not None, "the demo's IMAP path needs Dovecot (scripts/install-system-deps.sh)"
    database = postgres_cluster.database()
    url = postgres_cluster.url(database, user=PASSWORD_ROLE)
    out = tmp_path / "demo"
    done = servaudit("demo", "--out", str(out), "--delay-scale", "0.2", "--store", url)
    assert done.returncode == 0, done.stderr
    assert "replies read over IMAP" in done.stderr
    assert not (out / "audit" / "servaudit.sqlite").exists(), "the store is the database, not a file"
    assert f'store = "{url}"' in (out / "audit" / "audit.toml").read_text()

    # The same figures the SQLite demo is checked for: response times against the sandbox's ground truth.
    report = json.loads((out / "report" / "report.json").read_text())
    truth = read_ground_truth(out / "audit" / "sandbox-ground-truth.jsonl")
    first_human: dict[str, float] = {}
    for record in truth:
        if record["kind"] == "human" and record["company"] not in first_human:
            delay = datetime.fromisoformat(record["delivered_at"]) - datetime.fromisoformat(
                record["inquiry_received_at"]
            )
            first_human[record["company"]] = delay.total_seconds()
    for slug, channel in [("nordwind", "email"), ("larkspur", "email"), ("copperfield", "form")]:
        measured = report["companies"][slug]["channels"][channel]["median_first_human_response_seconds"]
        assert abs(measured - first_human[slug]) < 1.0, (slug, measured, first_human[slug])
    assert report["companies"]["kaiserhof"]["channels"]["chat"]["outcome"] == "human"
    status = servaudit("status", "-a", str(out / "audit"), "--json")
    assert status.returncode == 0, status.stderr
    states = {row["company"]: row["state"] for row in json.loads(status.stdout)}
    assert states["harbourpine"] == "bounced" and states["quillledger"] == "rejected"

    # The database password is in no file the demo left, and nowhere in the store.
    for path in out.rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path
    stored = dump(store_target(postgres_cluster.url(database), tmp_path))
    assert stored and not any(PASSWORD in line for line in stored)

    # A second demo does not mix itself into the first one's database.
    again = servaudit("demo", "--out", str(out), "--delay-scale", "0.05", "--store", url)
    assert again.returncode == 2 and "holds an earlier audit" in again.stderr

    # Backup and restore of a study (README "PostgreSQL store"): pg_dump, pg_restore into another
    # database, the audit folder pointed at it; the report reads back the same figures.
    backup = tmp_path / "study.dump"
    env = {**os.environ, "PGPASSWORD": PASSWORD}
    subprocess.run(["pg_dump", "--format=custom", f"--file={backup}", url], check=True, env=env)
    restored_db = postgres_cluster.database()
    restored_url = postgres_cluster.url(restored_db, user=PASSWORD_ROLE)
    subprocess.run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={restored_url}", str(backup)],
        check=True,
        env=env,
    )
    postgres_cluster.execute(f"DROP DATABASE {database} WITH (FORCE)")  # the original is gone
    copy = tmp_path / "restored"
    shutil.copytree(out / "audit", copy)
    audit_file = copy / "audit.toml"
    audit_file.write_text(audit_file.read_text().replace(url, restored_url))
    reported = servaudit("report", "-a", str(copy), "--out", str(tmp_path / "report-again"))
    assert reported.returncode == 0, reported.stderr
    again_report = json.loads((tmp_path / "report-again" / "report.json").read_text())
    assert figures(again_report) == figures(report)
    postgres_cluster.drop(restored_db)
