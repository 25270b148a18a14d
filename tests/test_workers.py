"""One audit on several machines (docs/distributed.md): `run --distributed` enqueues, `servaudit worker`
processes send against the sandbox with a store and queue in a real PostgreSQL, and SIGKILL at random
moments never makes an inquiry go out twice."""

from __future__ import annotations

import itertools
import json
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.demo import MACHINE_SECONDS, demo_audit_toml
from servaudit.sandbox import Sandbox
from servaudit.store import QUEUED, SENDING
from servaudit.timing import now
from tests.audit_fixtures import FAST, company, read_ground_truth

WAVES = 2
KILLS = 3
STALLED_AFTER = "5"
"""Seconds without a heartbeat before a killed worker's jobs are recovered (the minimum)."""


def with_store(make_audit: Callable[..., Audit], url: str, extra: str = "") -> Audit:
    """The sandbox's audit with its store in PostgreSQL (``audit.store`` in the audit file)."""
    audit = make_audit(extra=extra)
    path = audit.folder / "audit.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[audit]\n", f'[audit]\nstore = "{url}"\n', 1), encoding="utf-8")
    return Audit.load(audit.folder)


def servaudit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "servaudit", *args], capture_output=True, text=True, timeout=120, check=False
    )


def start_worker(folder: Path, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "servaudit", "worker", "-a", str(folder), "--name", name),
            *("--stalled-after", STALLED_AFTER, "--collect-every", "never", "--concurrency", "3"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextmanager
def workers(folder: Path, count: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    running = [start_worker(folder, f"w{n}") for n in range(count)]
    try:
        yield running
    finally:
        for process in running:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def settled(audit: Audit, timeout: float) -> dict[str, str]:
    """The inquiries' states once none is queued or being sent any more (the workers caught up)."""
    deadline = time.monotonic() + timeout
    while True:
        store = open_store(audit)
        try:
            states = store.inquiry_states()
        finally:
            store.close()
        if not any(state in (QUEUED, SENDING) for state in states.values()) or time.monotonic() > deadline:
            return states
        time.sleep(0.5)


def test_distributed_needs_a_postgresql_store_and_says_so(make_audit: Callable[..., Audit]) -> None:
    audit = make_audit()
    for args in (("run", "--distributed"), ("worker", "--until-idle")):
        done = servaudit(*args, "-a", str(audit.folder))
        assert done.returncode == 2, done.stderr
        assert "needs the store in PostgreSQL" in done.stderr and "Traceback" not in done.stderr
    assert not (audit.folder / "servaudit.sqlite").exists() or open_store(audit).is_empty()


def test_an_unreachable_database_is_exit_3_with_one_sentence(make_audit: Callable[..., Audit]) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    audit = with_store(make_audit, f"postgresql://postgres@127.0.0.1:{port}/study")
    for args in (("run", "--distributed"), ("worker",)):
        done = servaudit(*args, "-a", str(audit.folder))
        assert done.returncode == 3, done.stderr
        assert "Traceback" not in done.stderr
        assert done.stderr.startswith("servaudit: ") and "cannot reach" in done.stderr
    bad = servaudit("worker", "--collect-every", "every hour", "-a", str(audit.folder))
    assert bad.returncode == 2 and "is not a cron expression" in bad.stderr, bad.stderr


def test_three_workers_killed_at_random_moments_send_every_inquiry_exactly_once(
    sandbox: Sandbox, make_audit: Callable[..., Audit], postgres_url: str
) -> None:
    audit = with_store(make_audit, postgres_url)
    folder, rng = audit.folder, random.Random(17)
    for wave in range(1, WAVES + 1):
        done = servaudit("run", "--distributed", "-a", str(folder), "--wave", str(wave), "--json")
        assert done.returncode == 0, done.stderr
    again = servaudit("run", "--distributed", "-a", str(folder), "--wave", "1", "--json")
    assert again.returncode == 0 and '"enqueued": []' in again.stdout, "queued once, whatever reruns"
    total = len(open_store(audit).inquiry_states())
    accepting = sum(1 for c in sandbox.companies if c.behaviour != "reject") * WAVES
    killed: list[str] = []
    with workers(folder, 3) as running:
        for kill in range(KILLS):
            # A random moment while sends are under way: once the relay accepted a random number more.
            target = min(accepting, sandbox.received() + rng.randint(1, max(1, accepting // (KILLS + 2))))
            deadline = time.monotonic() + 30
            while sandbox.received() < target and time.monotonic() < deadline:
                time.sleep(0.0005)
            time.sleep(rng.uniform(0, 0.01))
            victim = rng.randrange(len(running))
            running[victim].send_signal(signal.SIGKILL)
            running[victim].wait()
            killed.append(f"w{victim}")
            running[victim] = start_worker(folder, f"w{victim}.{kill + 1}")
        states = settled(audit, timeout=90)

    assert not [i for i, s in states.items() if s in (QUEUED, SENDING)], "every job was run or recovered"
    assert len(states) == total
    assert sandbox.wait_idle(30)
    store = open_store(audit)
    try:
        records = store.inquiries()
        runs = store.jobs_per_worker(queue=True)
    finally:
        store.close()
    by_message = {r.message_id: r for r in records if r.message_id}
    arrivals: dict[str, set[str]] = {}
    for record in read_ground_truth(sandbox.ground_truth):
        if record["inquiry_message_id"]:
            arrivals.setdefault(record["inquiry_message_id"], set()).add(record["inquiry_received_at"])
    assert set(arrivals) <= set(by_message), "the relay got only Message-IDs the store holds"
    assert all(len(moments) == 1 for moments in arrivals.values()), "no inquiry reached the relay twice"
    assert sandbox.received() == len(arrivals), "no inquiry reached the relay twice"
    for message_id, inquiry in by_message.items():
        if inquiry.state == "sent":
            assert message_id in arrivals, f"{inquiry.id}: sent in the store, so received by the relay"
        elif message_id in arrivals:
            assert inquiry.state == "uncertain", f"{inquiry.id} reached the relay: never due"
    rejecting = {c.slug for c in sandbox.companies if c.behaviour == "reject"}
    for inquiry in records:  # a kill after the claim leaves it uncertain, whatever the relay would say
        expected = {"rejected", "uncertain"} if inquiry.company in rejecting else {"sent", "uncertain"}
        assert inquiry.state in expected, (inquiry.id, inquiry.state)
    assert sum(1 for r in records if r.company not in rejecting) == accepting
    assert {w.worker for w in runs if w.done} & {"w0", "w1", "w2"}, "status names the workers"


def test_domain_spacing_holds_across_workers_and_a_held_job_waits_in_the_queue(
    sandbox: Sandbox, make_audit: Callable[..., Audit], postgres_url: str
) -> None:
    human = company(sandbox, "human")
    spacing = "\n[audit.limits]\ndomain_spacing_minutes = 60\n"
    audit = with_store(lambda **kw: make_audit([human], **kw), postgres_url, spacing)
    folder = str(audit.folder)
    # Two runs, each alone within the limits: the first one's inquiry is queued, not yet sent, so the
    # second run's agenda cannot count it. Only the claim, inside the workers' common lock, can.
    for wave in ("1", "2"):
        done = servaudit("run", "--distributed", "-a", folder, "--wave", wave, "--json")
        assert done.returncode == 0 and '"enqueued": [\n    "' in done.stdout, done.stderr
    plain = servaudit("run", "-a", folder)
    assert plain.returncode == 2 and "servaudit run --distributed" in plain.stderr, "workers send it"
    with workers(audit.folder, 2):
        states = settled_once(audit, timeout=60)
    assert sorted(states.values()) == ["queued", "sent"], "one sent, the other held back"
    assert sandbox.received() == 1
    shown = servaudit("status", "--workers", "--json", "-a", folder)
    assert shown.returncode == 0, shown.stderr
    rows = json.loads(shown.stdout)
    assert rows[0] == {"worker": None, "queued": 1, "running": 0, "done": 0, "failed": 0}
    assert sum(row["done"] for row in rows) >= 2, "the send and the claim that was held back (+ recover)"
    table = servaudit("status", "--workers", "--lang", "de", "-a", folder)
    assert table.returncode == 0 and "(in der Warteschlange)" in table.stdout and "erledigt" in table.stdout
    store = open_store(audit)
    try:
        assert len(store.job_run_times("servaudit.send")) == 2
    finally:
        store.close()


def settled_once(audit: Audit, timeout: float) -> dict[str, str]:
    """The inquiries' states once both send jobs ran and nothing is being sent."""
    deadline = time.monotonic() + timeout
    while True:
        store = open_store(audit)
        try:
            states = store.inquiry_states()
            ended = [end for _start, end, _said in store.job_run_times("servaudit.send") if end is not None]
        finally:
            store.close()
        if (len(ended) >= 2 and SENDING not in states.values()) or time.monotonic() > deadline:
            return states
        time.sleep(0.3)


def collect_runs(audit: Audit) -> list[tuple[datetime, datetime | None]]:
    store = open_store(audit)
    try:
        return [(start, end) for start, end, _said in store.job_run_times("servaudit.collect")]
    finally:
        store.close()


def test_the_periodic_collect_runs_on_one_worker_at_a_time(
    sandbox: Sandbox, make_audit: Callable[..., Audit], postgres_url: str
) -> None:
    audit = with_store(make_audit, postgres_url)
    folder = audit.folder
    assert servaudit("run", "--distributed", "-a", str(folder)).returncode == 0
    every_second = ("--collect-every", "* * * * * *", "--stalled-after", STALLED_AFTER)
    collectors = [
        subprocess.Popen(
            [sys.executable, "-m", "servaudit", "worker", "-a", str(folder), f"--name=c{n}", *every_second],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(2)
    ]
    accepting = sum(1 for c in sandbox.companies if c.behaviour != "reject")
    try:
        deadline = time.monotonic() + 60
        while sandbox.received() < accepting and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sandbox.wait_idle(60), "every scripted reply was delivered"
        delivered = now()
        while time.monotonic() < deadline:  # a few more ticks with every reply in the mailbox
            if sum(1 for start, _end in collect_runs(audit) if start > delivered) >= 2:
                break
            time.sleep(0.2)
    finally:
        for process in collectors:
            process.send_signal(signal.SIGTERM)
        for process in collectors:
            process.wait(30)
    store = open_store(audit)
    try:
        runs = [(start, end) for start, end, _said in store.job_run_times("servaudit.collect")]
        matched = [m for m in store.messages() if m.inquiry_id]
    finally:
        store.close()
    assert len(runs) >= 3
    ordered = sorted(runs)
    for (_, first_end), (second_start, _) in itertools.pairwise(ordered):
        assert first_end is not None and first_end <= second_start, "two collects never overlap"
    assert matched, "the replies were collected and matched"


@pytest.mark.browser
def test_browser_jobs_use_at_most_the_workers_contexts_and_the_same_probes(
    sandbox: Sandbox, tmp_path: Path, postgres_url: str
) -> None:
    chats = [c for c in sandbox.chats if c.slug in ("kaiserhof", "tideway")]
    forms = [f for f in sandbox.forms if f.slug == "copperfield"]
    folder = tmp_path / "audit"
    folder.mkdir()
    text = demo_audit_toml(
        [],
        sandbox.smtp_port,
        str(tmp_path / "mail"),
        machine_seconds=MACHINE_SECONDS * FAST,
        chats=[(c, sandbox.chat_url(c.slug)) for c in chats],
        chat_wait=2,
        forms=[(f, sandbox.form_url(f.slug)) for f in forms],
    )
    (folder / "audit.toml").write_text(
        text.replace("[audit]\n", f'[audit]\nstore = "{postgres_url}"\n', 1), encoding="utf-8"
    )
    audit = Audit.load(folder)
    assert servaudit("run", "--distributed", "-a", str(folder)).returncode == 0
    done = subprocess.run(
        [
            *(sys.executable, "-m", "servaudit", "worker", "-a", str(folder), "--until-idle"),
            *("--browser-contexts", "1", "--collect-every", "never"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    store = open_store(audit)
    try:
        outcomes = {i.company: i.outcome for i in store.inquiries() if i.kind == "inquiry"}
        runs = sorted((start, end) for start, end, _said in store.job_run_times("servaudit.send"))
    finally:
        store.close()
    assert outcomes == {"kaiserhof": "human", "tideway": "human", "copperfield": "submitted"}
    assert len(runs) == 3
    for (_, first_end), (second_start, _) in itertools.pairwise(runs):
        assert first_end is not None and first_end <= second_start, "one browser context at a time"
