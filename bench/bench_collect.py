"""Benchmark: `servaudit collect` against `mbsync` on the same mailbox served by a real Dovecot on loopback.

Builds a seeded audit (inquiries in its store) and a mailbox of replies to them (see
collect_mailbox.py: threaded answers, auto-replies, DSN bounces, HTML mails of 20–100 KB,
newsletters), serves it with a private Dovecot, then times side by side in each run:
mbsync (Debian's isync) downloading the mailbox to a fresh Maildir, and `servaudit collect`
(in a subprocess, on a fresh copy of the store): full, again with no new mail, and with 10
new messages appended; then, for each of collect_mailbox.BIG_SHAPES, the full collect again with one
large message added (a 5 MB plain or HTML answer, a 20 MB attachment), whose peak memory above the
full collect without it is held to the goal of 3× that message's size. Peak memory is the highest
resident memory of the collect process or one of its judging processes (PeakWatch: their VmHWM,
not the ru_maxrss this process would inherit into them). servaudit's byte code is
compiled first, as an installed servaudit has it (a checkout run with PYTHONDONTWRITEBYTECODE=1
would otherwise compile every module at every collect, ~35 ms).

Run: python bench/bench_collect.py [--json] [--quick] [--repeat N] [--messages N]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from collect_mailbox import BIG_SHAPES, audit_toml, big_message, fill_store, write_mailbox
from proc_cpu import descendants

from servaudit.config import Audit
from servaudit.sandbox.imap import DovecotServer
from servaudit.sandbox.inbox import PASSWORD_VARIABLE, USERNAME, serve_inbox

NEW = 10
BIG_INDEX = 20_000_000
"""The large messages' numbers (beyond the mailbox's and the appended ones')."""
MBSYNC_HINT = "mbsync is missing and could not be installed: apt-get install isync (Debian's package)"


def ensure_mbsync() -> str:
    found = shutil.which("mbsync")
    if found:
        return found
    print("mbsync not found: installing Debian's isync with apt-get …", file=sys.stderr)
    command = ["apt-get", "install", "-y", "-q", "isync"]
    if os.geteuid() != 0:
        command.insert(0, "sudo")
    try:
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(f"{MBSYNC_HINT} ({exc})") from exc
    found = shutil.which("mbsync")
    if not found:
        raise SystemExit(MBSYNC_HINT)
    return found


def mbsync_config(server: DovecotServer, target: Path) -> str:
    return f"""IMAPAccount bench
Host {server.host}
Port {server.port}
User {server.username}
Pass {server.password}
SSLType None
AuthMechs PLAIN LOGIN

IMAPStore remote
Account bench

MaildirStore local
Path {target}/
Inbox {target}/INBOX

Channel bench
Far :remote:
Near :local:
Patterns INBOX
Sync Pull
Create Near
SyncState *
"""


class PeakWatch:
    """The highest resident memory of a process and of its descendants (collect's judging
    processes), each process's own: the kernel's high-water mark (VmHWM), read every ``every``
    seconds while they run. The mark only grows, so all a read can miss is growth in a process's
    last ``every`` seconds. Not the child's ru_maxrss: a process started by this one inherits this
    one's high-water mark through the exec (the spawn shares this address space), so after the
    benchmark built a large message, every collect "peaked" at the benchmark's own size."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        self.pid, self.every = pid, every
        self.peak_kib = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        pids, rounds = [self.pid], 0
        while not self.done.is_set():
            if rounds % 5 == 0:  # judging processes start during the collect
                pids = [self.pid, *descendants(self.pid)]
            for pid in pids:
                self.peak_kib = max(self.peak_kib, _high_water_kib(pid))
            rounds += 1
            self.done.wait(self.every)

    def stop(self) -> float:
        """The peak in MiB (call once the process has ended)."""
        self.done.set()
        self.thread.join()
        return self.peak_kib / 1024


def _high_water_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except OSError:  # it has ended
        return 0


def timed(command: list[str], cwd: Path | None = None) -> tuple[float, float, float]:
    """Wall seconds, peak resident MiB (PeakWatch) and CPU seconds of one child process run to completion."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watch = PeakWatch(child.pid)
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    peak_mib = watch.stop()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} … failed ({child.returncode}): {errors.decode()[-2000:]}")
    return elapsed, peak_mib, usage.ru_utime + usage.ru_stime


class Bench:
    def __init__(self, root: Path, messages: int, inquiries: int) -> None:
        self.root = root
        self.maildir = root / "served"
        self.mbsync = ensure_mbsync()
        self.largest = write_mailbox(self.maildir, messages, inquiries)
        self.messages = messages
        self.inquiries = inquiries
        self.server = serve_inbox(self.maildir)
        self.template = root / "template"
        self.template.mkdir()
        self.toml = audit_toml(self.server.host, self.server.port, USERNAME, f"env:{PASSWORD_VARIABLE}")
        (self.template / "audit.toml").write_text(self.toml)
        fill_store(Audit.load(self.template), inquiries)
        self.added = 0

    def close(self) -> None:
        self.server.stop()

    def fresh_audit(self, name: str) -> Path:
        folder = self.root / name
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(self.template, folder)
        return folder

    def fresh_mbsync(self, name: str) -> list[str]:
        target = self.root / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        config = self.root / f"{name}.mbsyncrc"
        config.write_text(mbsync_config(self.server, target))
        return [self.mbsync, "-q", "-c", str(config), "-a"]

    def collect(self, folder: Path) -> tuple[float, float, float]:
        return timed([sys.executable, "-m", "servaudit", "collect", "-a", str(folder)])

    def append(self) -> None:
        write_mailbox(self.maildir, NEW, 500, seed=1000 + self.added, start=10_000_000 + self.added)
        for path in (self.maildir / "new").glob("*.bench1000*"):
            os.chmod(path, 0o644)
        self.added += NEW

    def with_big(self, shape: str) -> tuple[Path, int]:
        """The mailbox with one large message of ``shape`` delivered: its file and size in bytes."""
        raw = big_message(shape, BIG_INDEX, self.inquiries)
        path = self.maildir / "new" / f"{int(time.time())}.big{shape}.localhost"
        path.write_bytes(raw)
        os.chmod(path, 0o644)
        return path, len(raw)

    def remove_appended(self) -> None:
        for sub in ("new", "cur"):
            for path in (self.maildir / sub).glob("*.bench100000*"):
                path.unlink()


def add(runs: dict[str, list[float]], measured: tuple[float, float, float]) -> None:
    seconds, mib, cpu = measured
    runs["collect"].append(seconds)
    runs["mib"].append(mib)
    runs["cpu"].append(cpu)


def measure(bench: Bench, repeat: int) -> dict[str, dict[str, list[float]]]:
    runs: dict[str, dict[str, list[float]]] = {
        k: {"collect": [], "mbsync": [], "mib": [], "cpu": []} for k in ("full", "none", "new")
    }
    for shape in BIG_SHAPES:
        runs[shape] = {"collect": [], "mib": [], "cpu": [], "growth": [], "size": []}
    for r in range(repeat):
        sync = bench.fresh_mbsync(f"mbsync{r}")
        runs["full"]["mbsync"].append(timed(sync)[0])
        runs["none"]["mbsync"].append(timed(sync)[0])
        folder = bench.fresh_audit(f"audit{r}")
        for case in ("full", "none"):
            add(runs[case], bench.collect(folder))
        bench.append()
        runs["new"]["mbsync"].append(timed(sync)[0])
        add(runs["new"], bench.collect(folder))
        bench.remove_appended()
        shutil.rmtree(folder, ignore_errors=True)
        for shape in BIG_SHAPES:
            path, size = bench.with_big(shape)
            folder = bench.fresh_audit(f"big{r}")
            add(runs[shape], bench.collect(folder))
            runs[shape]["growth"].append(runs[shape]["mib"][-1] - runs["full"]["mib"][-1])
            runs[shape]["size"].append(size / 2**20)
            path.unlink()
            shutil.rmtree(folder, ignore_errors=True)
    return runs


def cases(bench: Bench, runs: dict[str, dict[str, list[float]]]) -> list[dict[str, Any]]:
    n = f"{bench.messages:,}"
    named = {
        "full": (f"collect, {n} messages over IMAP, full", "≤ 1.5× mbsync, < 150 MiB"),
        "none": (f"collect, {n} messages, no new mail", "< 0.5 s"),
        "new": (f"collect, {n} messages, {NEW} new", "< 1 s"),
    }
    found = []
    for key, (case, goal) in named.items():
        mine, ref, mib = runs[key]["collect"], runs[key]["mbsync"], runs[key]["mib"]
        if key == "full":
            ok = statistics.median(mine) <= 1.5 * statistics.median(ref) and max(mib) < 150
        else:
            ok = statistics.median(mine) < (0.5 if key == "none" else 1.0)
        found.append(
            {
                "case": case,
                "unit": "s",
                "runs": [round(s, 4) for s in mine],
                "reference": {"name": "mbsync", "runs": [round(s, 4) for s in ref]},
                "goal": goal,
                "ok": ok,
                "extra": {
                    "peak_mib": round(max(mib), 1),
                    "cpu_s": [round(s, 3) for s in runs[key]["cpu"]],
                    "largest_message_kib": round(bench.largest / 1024, 1),
                },
            }
        )
    for shape in BIG_SHAPES:
        growth, size = runs[shape]["growth"], max(runs[shape]["size"])
        found.append(
            {
                "case": f"collect, {n} messages and one {size:.1f} MiB {shape} answer: memory above the"
                " same collect without it",
                "unit": "MiB",
                "runs": [round(g, 1) for g in growth],
                "reference": None,
                "goal": f"< 3× the message ({3 * size:.0f} MiB)",
                "ok": max(growth) < 3 * size,
                "extra": {
                    "peak_mib": round(max(runs[shape]["mib"]), 1),
                    "times_the_message": round(max(growth) / size, 2),
                    "cpu_s": [round(s, 3) for s in runs[shape]["cpu"]],
                    "seconds": [round(s, 3) for s in runs[shape]["collect"]],
                },
            }
        )
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per case (bench protocol)")
    parser.add_argument("--quick", action="store_true", help="500 messages: a smoke test")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--messages", type=int, default=None)
    args = parser.parse_args(argv)
    messages = args.messages or (500 if args.quick else 10_000)
    inquiries = max(60, messages // 3)
    compileall.compile_dir(Path(__file__).resolve().parents[1] / "servaudit", quiet=1)
    with tempfile.TemporaryDirectory(prefix="bench-collect-") as folder:
        started = time.perf_counter()
        bench = Bench(Path(folder), messages, inquiries)
        try:
            print(
                f"built {messages} messages, {inquiries} inquiries in {time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
            found = cases(bench, measure(bench, args.repeat))
        finally:
            bench.close()
    report(found, args.json, show_progress)


def show_progress(case: dict[str, Any]) -> str:
    if case["reference"] is None:  # a large message's memory
        return (
            f"{case['case']}: {case['runs']} MiB ({case['extra']['times_the_message']}× the message); "
            f"peak {case['extra']['peak_mib']} MiB; goal {case['goal']}: {'met' if case['ok'] else 'missed'}"
        )
    mine, ref = case["runs"], case["reference"]["runs"]
    ratio = statistics.median(mine) / max(statistics.median(ref), 1e-9)
    return (
        f"{case['case']}: median {statistics.median(mine):.3f} s (min {min(mine):.3f}); mbsync median "
        f"{statistics.median(ref):.3f} s ({ratio:.2f}× mbsync); "
        f"CPU with the judging processes {case['extra']['cpu_s']} s; "
        f"peak {case['extra']['peak_mib']} MiB; "
        f"goal {case['goal']}: "
        f"{'met' if case['ok'] else 'missed'}"
    )


def report(found: list[dict[str, Any]], as_json: bool, text: Callable[[dict[str, Any]], str]) -> None:
    for case in found:
        print(json.dumps(case, ensure_ascii=False) if as_json else text(case))
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if not as_json:
        print(f"(this script's own peak: {own:.0f} MiB)")


if __name__ == "__main__":
    main()
