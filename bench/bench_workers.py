"""Benchmark: one audit on several workers (docs/distributed.md), store and queue in a real PostgreSQL.

Scaling: chat inquiries against the sandbox (its chat companies over several waves, each chat waiting
a few seconds for an agent), enqueued by `servaudit run --distributed`, then 1, 2 and 4 `servaudit
worker --until-idle` processes (2 browser contexts each) started together; the wall time until the
last one stopped gives inquiries per minute, and the ratio to one worker. Chats wait, they hardly
compute: more workers help until the machine's CPU (Chromium) runs out.

Queue and store: N companies by e-mail (5,000; --quick 300) to an SMTP sink on 127.0.0.1 (real SMTP,
no company waits: the mocked-out waits), enqueued, then sent by 4 workers: jobs per second (first claim
to last outcome), the database's size afterwards (pg_database_size, queue included), and the p95 of the
claim (the transaction that moves an inquiry from queued to sending under the workers' common lock,
with the limits over the whole send history), as each worker recorded it in its job's record.

The PostgreSQL cluster is the tests' throw-away one (tests/postgres_server.py), started here.

Run: python bench/bench_workers.py [--quick] [--repeat N] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.demo import MACHINE_SECONDS, demo_audit_toml
from servaudit.sandbox import Sandbox
from tests.postgres_server import PostgresCluster

CHAT_WAIT = 3.0
CHATTING = ("kaiserhof", "sunnyside", "roboreply", "tideway", "slowpoll", "callcentre", "stillwater")
"""The sandbox's chat companies whose widget opens (not offline, no pre-chat form, a widget on the page)."""
CLAIMED = re.compile(r"claimed in ([0-9.]+) ms")


def servaudit(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "servaudit", *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise SystemExit(f"servaudit {' '.join(args)}: exit {done.returncode}: {done.stderr[-2000:]}")
    return done


def workers(folder: Path, count: int, *extra: str) -> float:
    """Start ``count`` workers together, each until the queue is empty; the wall time until all stopped."""
    started = time.monotonic()
    running = [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "servaudit", "worker", "-a", str(folder), "--until-idle"),
                *("--name", f"w{n}", "--collect-every", "never", *extra),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for n in range(count)
    ]
    for process in running:
        _, err = process.communicate(timeout=1800)
        if process.returncode != 0:
            raise SystemExit(f"a worker failed: {err.decode()[-2000:]}")
    return time.monotonic() - started


def with_store(text: str, url: str) -> str:
    return text.replace("[audit]\n", f'[audit]\nstore = "{url}"\n', 1)


def scaling(cluster: PostgresCluster, counts: list[int], waves: int, repeat: int) -> list[dict[str, Any]]:
    per_minute: dict[int, list[float]] = {n: [] for n in counts}
    sent = 0
    for _ in range(repeat):
        for count in counts:
            with (
                tempfile.TemporaryDirectory() as tmp,
                Sandbox(Path(tmp) / "mail", Path(tmp) / "truth.jsonl", delay_scale=0.3) as sandbox,
            ):
                folder = Path(tmp) / "audit"
                folder.mkdir()
                chats = [(c, sandbox.chat_url(c.slug)) for c in sandbox.chats if c.slug in CHATTING]
                toml = demo_audit_toml(
                    [], sandbox.smtp_port, str(Path(tmp) / "mail"), machine_seconds=MACHINE_SECONDS * 0.3,
                    chats=chats, chat_wait=CHAT_WAIT,
                )  # fmt: skip
                database = cluster.database()
                try:
                    (folder / "audit.toml").write_text(with_store(toml, cluster.url(database)))
                    for wave in range(1, waves + 1):
                        servaudit("run", "--distributed", "-a", str(folder), "--wave", str(wave))
                    wall = workers(folder, count, "--browser-contexts", "2")
                    store = open_store(Audit.load(folder))
                    try:
                        sent = sum(1 for r in store.inquiries() if r.kind == "inquiry")
                    finally:
                        store.close()
                finally:
                    cluster.drop(database)
            per_minute[count].append(sent / wall * 60)
            print(f"{count} workers: {sent} chats in {wall:.1f} s", file=sys.stderr, flush=True)
    one = statistics.median(per_minute[counts[0]])
    return [
        {
            "case": f"chat inquiries per minute, {count} worker(s) × 2 contexts, {CHAT_WAIT:g} s waits",
            "unit": "/min",
            "runs": [round(v, 1) for v in per_minute[count]],
            "reference": None,
            "goal": "",
            "ok": None,
            "extra": {
                "ratio_to_one_worker": round(statistics.median(per_minute[count]) / one, 2),
                "chats": sent,
            },
        }
        for count in counts
    ]


def sink() -> Any:
    """An SMTP server on 127.0.0.1 that accepts every message and keeps none (the companies' relays)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    with socket.socket() as probe:  # the Controller checks readiness by connecting: it needs a real port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def database_size(url: str) -> int:
    """The database's size on disk: the store's tables, the queue's and their indexes."""
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT pg_database_size(current_database())").fetchone()
    assert row is not None
    return int(row[0])


def mass_audit(companies: int, smtp_port: int, maildir: Path) -> str:
    lines = demo_audit_toml([], smtp_port, str(maildir)).splitlines()
    lines = [line for line in lines if not line.startswith("# ")]
    first = next(line for line in lines if line.startswith("[scenarios.")).removeprefix("[scenarios.")[:-1]
    for n in range(companies):
        lines += ["", f"[companies.c{n:05d}]", f'name = "Firma {n}"', f'email = "service@c{n:05d}.example"']
        lines.append(f"scenarios = [{first!r}]".replace("'", '"'))  # one inquiry per company
    return "\n".join(lines) + "\n"


def queue_and_store(cluster: PostgresCluster, companies: int, repeat: int) -> list[dict[str, Any]]:
    rates: list[float] = []
    sizes: list[float] = []
    p95s: list[float] = []
    enqueue: list[float] = []
    relay = sink()
    try:
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp) / "audit"
                folder.mkdir()
                database = cluster.database()
                try:
                    text = mass_audit(companies, relay.port, Path(tmp) / "mail")
                    (folder / "audit.toml").write_text(with_store(text, cluster.url(database)))
                    started = time.monotonic()
                    servaudit("run", "--distributed", "-a", str(folder))
                    enqueue.append(time.monotonic() - started)
                    workers(folder, 4, "--concurrency", "8")
                    store = open_store(Audit.load(folder))
                    try:
                        records = [r for r in store.inquiries() if r.state == "sent"]
                        details = store.job_run_times("servaudit.send")
                    finally:
                        store.close()
                    if len(records) != companies:
                        raise SystemExit(f"{len(records)} of {companies} inquiries sent")
                    first = min(start for start, _end, _detail in details)
                    last = max(end for _start, end, _detail in details if end is not None)
                    rates.append(companies / (last - first).total_seconds())
                    claims = [float(m.group(1)) for *_, d in details if d and (m := CLAIMED.search(d))]
                    p95s.append(statistics.quantiles(claims, n=20)[-1])
                    sizes.append(database_size(cluster.url(database)) / 2**20)
                finally:
                    cluster.drop(database)
            print(
                f"{companies} companies: {rates[-1]:.0f} jobs/s, p95 claim {p95s[-1]:.1f} ms", file=sys.stderr
            )
    finally:
        relay.stop()
    name = f"{companies:,} companies by e-mail, 4 workers × 8"
    return [
        {"case": f"{name}: jobs per second", "unit": "/s", "runs": [round(r, 1) for r in rates],
         "reference": None, "goal": "", "ok": None,
         "extra": {"enqueue_seconds": [round(e, 1) for e in enqueue]}},
        {"case": f"{name}: p95 claim latency", "unit": "ms", "runs": [round(p, 1) for p in p95s],
         "reference": None, "goal": "", "ok": None, "extra": {}},
        {"case": f"{name}: database size after", "unit": "MiB", "runs": [round(s, 1) for s in sizes],
         "reference": None, "goal": "", "ok": None, "extra": {}},
    ]  # fmt: skip


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per case (bench protocol)")
    parser.add_argument("--quick", action="store_true", help="1 and 2 workers, one wave, 300 companies")
    parser.add_argument(
        "--repeat", type=int, default=None, help="runs per case (default 1: each takes minutes)"
    )
    args = parser.parse_args(argv)
    repeat = args.repeat or 1
    with PostgresCluster() as cluster:
        cases = scaling(cluster, [1, 2] if args.quick else [1, 2, 4], 1 if args.quick else 3, repeat)
        cases += queue_and_store(cluster, 300 if args.quick else 5000, repeat)
    for case in cases:
        if args.json:
            print(json.dumps(case, ensure_ascii=False))
        else:
            print(f"{case['case']}: {case['runs']} {case['unit']} {case['extra'] or ''}")


if __name__ == "__main__":
    main(sys.argv[1:])
