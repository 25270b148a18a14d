"""The one entry point of the benchmark suite: every bench/bench_*.py with --json, one table.

Each bench script builds its own data and prints one JSON object per case (the bench protocol:
``case``, ``unit``, ``runs``, ``reference`` with its ``name`` and ``runs`` or null, ``goal``,
``ok``, ``extra``). This script only runs them and tabulates: min and median of the case, of its
reference, their ratio, the goal and whether it was met. ``--write-readme`` puts the same table
into README.md between the bench markers, so the README's figures are this script's output.

Run: python bench/run.py [--quick] [--full collect,report] [--repeat N] [--only collect,report]
[--write-readme]

``--quick --full collect,report`` runs those two scripts at their full sizes and the rest quick: the
goals of collect and report are about the full sizes (10,000 messages, 500 companies), while the
other scripts' quick sizes already show theirs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
README = BENCH.parent / "README.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
COLUMNS = ("case", "min", "median", "reference", "ref min", "ref median", "ratio", "goal", "ok")


@dataclass
class Case:
    script: str
    case: str
    unit: str
    runs: list[float]
    reference: dict[str, Any] | None
    goal: str
    ok: bool | None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, script: str, data: dict[str, Any]) -> Case:
        return cls(
            script,
            str(data["case"]),
            str(data.get("unit", "s")),
            [float(r) for r in data.get("runs") or []],
            data.get("reference"),
            str(data.get("goal") or ""),
            data.get("ok"),
            dict(data.get("extra") or {}),
        )

    def row(self) -> tuple[str, ...]:
        ref_runs = [float(r) for r in (self.reference or {}).get("runs") or []]
        ratio = ""
        if self.runs and ref_runs and min(ref_runs) > 0:
            ratio = f"{statistics.median(self.runs) / statistics.median(ref_runs):.2f}×"
        return (
            self.case,
            _figure(min(self.runs), self.unit) if self.runs else "–",
            _figure(statistics.median(self.runs), self.unit) if self.runs else "–",
            str((self.reference or {}).get("name") or "–"),
            _figure(min(ref_runs), self.unit) if ref_runs else "–",
            _figure(statistics.median(ref_runs), self.unit) if ref_runs else "–",
            ratio or "–",
            self.goal or "–",
            {True: "yes", False: "**no**", None: "–"}[self.ok],
        )


def _figure(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.3f} s" if value < 1 else f"{value:.2f} s"
    return f"{value:g} {unit}"


def scripts(only: list[str]) -> list[Path]:
    found = sorted(BENCH.glob("bench_*.py"))
    if only:
        found = [p for p in found if p.stem.removeprefix("bench_") in only]
    return found


def runs_quick(path: Path, quick: bool, full: set[str]) -> bool:
    """Whether a script runs at its quick sizes: with --quick, unless --full names it."""
    return quick and path.stem.removeprefix("bench_") not in full


def run_script(path: Path, quick: bool, repeat: int | None) -> tuple[list[Case], str | None]:
    """The cases one bench script reports, and why it failed if it did (its last stderr lines)."""
    command = [sys.executable, str(path), "--json"]
    if quick:
        command.append("--quick")
    if repeat is not None:
        command += ["--repeat", str(repeat)]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH.parent), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    cases = []
    for line in done.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                cases.append(Case.of(path.stem, json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                return cases, f"unreadable line ({exc}): {line[:120]}"
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        return cases, f"exit {done.returncode}: {tail}"
    return cases, None


def table(cases: list[Case]) -> str:
    rows = [COLUMNS, *(c.row() for c in cases)]
    lines = ["| " + " | ".join(r) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("---" for _ in COLUMNS) + "|")
    return "\n".join(lines)


def machine() -> str:
    cpus = os.cpu_count() or 0
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        ram = f", {memory:.0f} GiB RAM"
    except (ValueError, OSError):
        ram = ""
    return f"{cpus} cores{ram}, {platform.system()} {platform.machine()}, Python {platform.python_version()}"


def write_readme(text: str, readme: Path = README) -> None:
    content = readme.read_text()
    if START not in content or END not in content:
        raise SystemExit(f"{readme}: no {START} … {END} markers to write the table between")
    head, rest = content.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{text}\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test of every script")
    parser.add_argument(
        "--full", default="", help="with --quick: scripts still run at full size, e.g. collect,report"
    )
    parser.add_argument("--repeat", type=int, default=None, help="runs per case (each script's default: 3)")
    parser.add_argument("--only", default="", help="comma-separated script names, e.g. collect,report")
    parser.add_argument("--write-readme", action="store_true", help="put the table into README.md")
    args = parser.parse_args(argv)
    full = {s for s in args.full.split(",") if s}
    cases: list[Case] = []
    failures: list[str] = []
    for path in scripts([s for s in args.only.split(",") if s]):
        print(f"running {path.name} …", file=sys.stderr, flush=True)
        found, problem = run_script(path, runs_quick(path, args.quick, full), args.repeat)
        cases += found
        if problem:
            failures.append(f"{path.name}: {problem}")
    sizes = ""
    if args.quick:
        sizes = " (--quick sizes" + (f"; {', '.join(sorted(full))} at full size" if full else "") + ")"
    text = table(cases) + f"\n\nMeasured on {machine()}{sizes}."
    print(text)
    for failure in failures:
        print(f"failed: {failure}", file=sys.stderr)
    if args.write_readme:
        write_readme(text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
