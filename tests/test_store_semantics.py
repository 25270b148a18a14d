"""What the store promises, on both backends (``where``: SQLite file or PostgreSQL database): a claim
is atomic across processes, a batch's item fails alone (savepoints), a database of another program
is refused; and what only PostgreSQL needs: passwords never in a URL, a lost server is exit 3."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from servaudit.errors import ConfigError, InfrastructureError, StoreError
from servaudit.scrubbing import scrub
from servaudit.store import SENDING, Store, Target, store_target
from tests.postgres_server import PASSWORD, PASSWORD_ROLE, PostgresCluster
from tests.store_files import run_sql

PROCESSES = 4
INQUIRIES = 100

CLAIMER = """
import json, random, sys, time
from pathlib import Path
from servaudit.store import Store, store_target

url, folder, seed, go = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
store = Store(store_target(url, folder))
ids = [f"acme.email.q{n}.w1" for n in range({inquiries})]
random.Random(seed).shuffle(ids)
(folder / f"ready-{seed}").touch()
while not go.exists():  # every process starts claiming at the same moment
    time.sleep(0.001)
won, start = [], time.time()
for inquiry in ids:
    fields = dict(id=inquiry, company="acme", channel="email", scenario="q", wave=1, target="s@acme.example")
    if store.claim(fields) is not None:
        won.append(inquiry)
print(json.dumps({"won": won, "start": start, "end": time.time()}))
"""


def test_two_processes_never_both_claim_an_inquiry(store_url: str, tmp_path: Path) -> None:
    """Real processes race for the same inquiries in different orders: each is claimed exactly once."""
    Store(store_target(store_url, tmp_path)).close()  # created before the race, as by any earlier command
    go = tmp_path / "go"
    script = CLAIMER.replace("{inquiries}", str(INQUIRIES))
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, store_url, str(tmp_path), str(seed), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in range(PROCESSES)
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < PROCESSES and time.monotonic() < deadline:
        time.sleep(0.01)  # every process has opened the store and waits
    go.touch()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        results.append(json.loads(out))
    claimed = [inquiry for result in results for inquiry in result["won"]]
    assert sorted(claimed) == sorted(f"acme.email.q{n}.w1" for n in range(INQUIRIES)), "each exactly once"
    # They really raced: the second to start began claiming before the first had finished. (Who wins
    # is not fair on SQLite: its busy handler sleeps while the lock's holder takes it again.)
    first, second = sorted(results, key=lambda result: result["start"])[:2]
    assert second["start"] < first["end"]
    store = Store(store_target(store_url, tmp_path))
    assert set(store.inquiry_states().values()) == {SENDING}
    assert all(len(store.attempts(inquiry)) == 1 for inquiry in claimed), "one attempt per inquiry"


def test_a_statement_reads_the_same_on_both(where: Target) -> None:
    """Placeholders are SQLite's ``?`` on both; a ``%`` in a statement stays a percent sign."""
    store = Store(where)
    assert store.db.execute("SELECT '100%' || ? AS x", ("? yes",)).fetchone()["x"] == "100%? yes"


def test_a_database_error_inside_a_batch_undoes_only_its_own_item(where: Target) -> None:
    """The database refuses one item (a reply matched to an inquiry that does not exist: a foreign
    key); the savepoint takes back that item alone and the batch commits the rest (PostgreSQL
    would otherwise refuse every later statement of the transaction)."""
    store = Store(where)
    arrived = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with store.transaction():
        first = store.add_message("maildir:a", b"first", arrived, None, None, None)
        assert first is not None
        with pytest.raises(Exception, match=r"(?i)foreign key"), store.transaction():
            store.set_decided(first, "judge-1")
            store.set_match(first, "no.such.inquiry", "subject")
        store.add_message("maildir:c", b"third", arrived, None, None, None)
    store.close()
    [a, c] = Store(where).messages()
    assert (a.source, a.inquiry_id, a.decided, c.source) == ("maildir:a", None, None, "maildir:c")


def test_a_database_of_another_program_is_refused_untouched(where: Target) -> None:
    run_sql(where, "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)")
    with pytest.raises(StoreError, match=r"but not a servaudit store \(its tables: invoices\)"):
        Store(where)
    tables = (
        "SELECT name FROM sqlite_master WHERE type='table'"
        if isinstance(where, Path)
        else "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    )
    assert run_sql(where, tables, ()) == [("invoices",)], "nothing of ours was added"


def test_the_job_queue_may_share_the_schema(postgres_url: str, tmp_path: Path) -> None:
    """procrastinate's tables (issue 17: jobs enqueued in the claim's transaction) are neighbours."""
    where = store_target(postgres_url, tmp_path)
    run_sql(where, "CREATE TABLE procrastinate_jobs (id BIGSERIAL PRIMARY KEY)")
    Store(where).close()
    assert Store(where).schema_version() is not None


def test_studies_in_schemas_of_one_database_are_apart(
    postgres_url: str, tmp_path: Path, postgres_cluster: PostgresCluster
) -> None:
    """``?options=-csearch_path%3D…`` (README): each study's tables, lock and backup in its own schema."""
    database = postgres_url.rsplit("/", 1)[1]
    for schema in ("study_a", "study_b"):
        postgres_cluster.execute(f"CREATE SCHEMA {schema}", database)
    a, b = (
        store_target(f"{postgres_url}?options=-csearch_path%3D{s}", tmp_path) for s in ("study_a", "study_b")
    )
    first = Store(a)
    first.claim({"id": "x.email.q.w1", "company": "x", "channel": "email", "scenario": "q", "wave": 1,
                 "target": "s@x.example"})  # fmt: skip
    with first.transaction():  # holds study_a's lock: study_b's transactions do not wait for it
        second = Store(b)
        assert second.claim({"id": "x.email.q.w1", "company": "x", "channel": "email", "scenario": "q",
                             "wave": 1, "target": "s@x.example"})  # fmt: skip
    assert first.inquiry_states() == second.inquiry_states() == {"x.email.q.w1": SENDING}
    tables = "SELECT table_schema, COUNT(*) FROM information_schema.tables WHERE table_name = 'inquiries'"
    assert sorted(run_sql(a, tables + " GROUP BY table_schema", ())) == [("study_a", 1), ("study_b", 1)]
    assert run_sql(store_target(postgres_url, tmp_path), "SELECT to_regclass('public.inquiries')", ()) == [
        (None,)
    ]


def test_a_password_comes_from_the_environment_and_is_never_shown(
    postgres_cluster: PostgresCluster, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = postgres_url.rsplit("/", 1)[1]
    url = postgres_cluster.url(database, user=PASSWORD_ROLE)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    with pytest.raises(InfrastructureError, match="cannot reach the store's database") as refused:
        Store(store_target(url, tmp_path))
    assert url in str(refused.value) and "password" in str(refused.value)

    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    store = Store(store_target(url, tmp_path))
    assert PASSWORD not in scrub(f"an error quoting {PASSWORD}"), "masked like any secret servaudit resolved"
    store.claim({"id": "a.email.q.w1", "company": "a", "channel": "email", "scenario": "q", "wave": 1,
                 "target": "s@a.example"})  # fmt: skip
    store.close()
    everything = json.dumps(run_sql(store_target(postgres_url, tmp_path), "SELECT * FROM meta", ()))
    assert PASSWORD not in everything and "password" not in everything

    with_password = url.replace(f"{PASSWORD_ROLE}@", f"{PASSWORD_ROLE}:hunter2@")
    for given in (with_password, f"{url}?password=hunter2"):
        with pytest.raises(ConfigError, match="holds a password") as caught:
            store_target(given, tmp_path)
        assert "hunter2" not in str(caught.value)


def test_a_lost_database_server_is_infrastructure_with_exit_3(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    audit = tmp_path / "audit"
    audit.mkdir()
    good = (Path(__file__).parent / "data" / "config" / "good.toml").read_text()
    url = f"postgresql://auditor@127.0.0.1:{port}/study"
    (audit / "audit.toml").write_text(good.replace("[audit]\n", f'[audit]\nstore = "{url}"\n', 1))
    done = subprocess.run(
        [sys.executable, "-m", "servaudit", "status", "-a", str(audit)], capture_output=True, text=True
    )
    assert done.returncode == 3, done.stderr
    assert f"{url}: cannot reach the store's database" in done.stderr
    assert "Traceback" not in done.stderr
