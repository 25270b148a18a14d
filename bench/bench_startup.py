"""Benchmark: how long `servaudit --help`, `status` and `classify` take from start to exit.

Each command runs as its own process, ``--repeat`` times after one warm-up run (so the
file cache is warm, as it is for a consultant typing commands), with servaudit's byte code
compiled first, as an installed servaudit has it (pip compiles it at install; a checkout run with
PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module at every start, ~45 ms of status).
The case's runs are wall seconds; ``extra`` gives each run's CPU seconds (user + system of
the child), which is what to compare on a shared machine, and the interpreter's own start-up
(``python -c pass``) for scale. Goal (issue 16): under 0.3 s.

Run: python bench/bench_startup.py [--json] [--quick] [--repeat N]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = 0.3
SAMPLE = ROOT / "tests" / "corpus" / "human" / "answer-with-hotline-offer-de.eml"


def run_timed(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``argv``; CPU from the children's resource usage."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def commands(audit: Path) -> list[tuple[str, list[str]]]:
    cli = [sys.executable, "-m", "servaudit"]
    sample = SAMPLE if SAMPLE.exists() else next((ROOT / "tests" / "corpus").glob("*/*.eml"))
    return [
        ("servaudit --help", [*cli, "--help"]),
        ("servaudit status", [*cli, "status", "-a", str(audit)]),
        ("servaudit classify", [*cli, "classify", str(sample)]),
    ]


def cases(repeat: int) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    compileall.compile_dir(ROOT / "servaudit", quiet=1)  # what an installed servaudit has
    with tempfile.TemporaryDirectory() as folder:
        audit = Path(folder) / "audit"
        # This checkout's servaudit, whichever one is installed (as the byte code compiled above).
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run(
            [sys.executable, "-m", "servaudit", "init", str(audit)],
            cwd=folder,
            env=env,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        bare = [run_timed([sys.executable, "-c", "pass"], Path(folder)) for _ in range(repeat)]
        for name, argv in commands(audit):
            run_timed(argv, Path(folder), env)  # warm-up: byte code compiled, files cached
            runs = [run_timed(argv, Path(folder), env) for _ in range(repeat)]
            cpus = [cpu for _, cpu in runs]
            found.append(
                {
                    "case": f"start-up, {name}",
                    "unit": "s",
                    "runs": [wall for wall, _ in runs],
                    "reference": None,
                    "goal": f"< {GOAL:g} s",
                    "ok": statistics.median(cpus) < GOAL,
                    "extra": {"cpu_s": cpus, "python_alone_cpu_s": [cpu for _, cpu in bare]},
                }
            )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per case")
    parser.add_argument("--quick", action="store_true", help="fewer runs, a smoke test")
    parser.add_argument("--repeat", type=int, default=None, help="runs per command (default 10, quick 3)")
    args = parser.parse_args()
    repeat = args.repeat or (3 if args.quick else 10)
    for case in cases(repeat):
        if args.json:
            print(json.dumps(case, ensure_ascii=False), flush=True)
            continue
        runs, extra = case["runs"], case["extra"]
        assert isinstance(runs, list) and isinstance(extra, dict)
        print(
            f"{case['case']}: median {statistics.median(runs):.3f} s wall, "
            f"{statistics.median(extra['cpu_s']):.3f} s CPU "
            f"(python alone {statistics.median(extra['python_alone_cpu_s']):.3f} s); goal {case['goal']}"
        )


if __name__ == "__main__":
    main()
