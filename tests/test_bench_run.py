"""bench/run.py, the benchmark suite's entry point: it runs bench scripts with --json and tabulates
their cases; the README's performance table is its output. (The bench scripts themselves build
real mailboxes and sites and take minutes: they are run by hand, not by the test suite.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from tests.bench_support import load_bench


def load() -> ModuleType:
    return load_bench("run.py", "bench_run")


CASE = {
    "case": "collect, 10 messages, full",
    "unit": "s",
    "runs": [3.0, 1.0, 2.0],
    "reference": {"name": "mbsync", "runs": [1.0, 2.0, 4.0]},
    "goal": "≤ 1.5× mbsync",
    "ok": True,
    "extra": {"peak_mib": 90},
}


def test_a_bench_scripts_json_lines_become_table_rows(tmp_path: Path) -> None:
    run = load()
    script = tmp_path / "bench_fake.py"
    script.write_text(
        "import json, sys\n"
        "assert '--json' in sys.argv and '--quick' in sys.argv\n"
        "print('progress on stdout that is not JSON')\n"
        f"print(json.dumps({CASE!r}))\n"
    )
    cases, problem = run.run_script(script, quick=True, repeat=None)
    assert problem is None
    [case] = cases
    assert case.row() == (
        "collect, 10 messages, full",
        "1.00 s",
        "2.00 s",
        "mbsync",
        "1.00 s",
        "2.00 s",
        "1.00×",
        "≤ 1.5× mbsync",
        "yes",
    )


def test_a_failing_script_is_reported_with_its_error(tmp_path: Path) -> None:
    run = load()
    script = tmp_path / "bench_broken.py"
    script.write_text("raise SystemExit('mbsync is missing')\n")
    cases, problem = run.run_script(script, quick=True, repeat=2)
    assert cases == [] and problem is not None and "mbsync is missing" in problem


def test_the_readme_table_is_replaced_between_the_markers(tmp_path: Path) -> None:
    run = load()
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{run.START}\nold table\n{run.END}\n\nafter\n")
    table = run.table([run.Case.of("bench_collect", json.loads(json.dumps(CASE)))])
    run.write_readme(table, readme)
    text = readme.read_text()
    assert "old table" not in text and "| collect, 10 messages, full |" in text
    assert text.startswith("# x\n") and text.endswith("\n\nafter\n")


def test_full_keeps_the_named_scripts_at_full_size_in_a_quick_run() -> None:
    run = load()
    collect, forms = Path("bench/bench_collect.py"), Path("bench/bench_forms.py")
    assert run.runs_quick(forms, quick=True, full={"collect", "report"})
    assert not run.runs_quick(collect, quick=True, full={"collect", "report"})
    assert not run.runs_quick(forms, quick=False, full=set())


def test_every_bench_script_takes_the_options_run_py_passes() -> None:
    # run.py calls each bench/bench_*.py with --json, --quick and --repeat: a script without them
    # fails the whole table run with an argparse error, which only a run of minutes would show.
    run = load()
    for script in run.scripts([]):
        shown = subprocess.run(
            [sys.executable, str(script), "--help"], capture_output=True, text=True, check=False, timeout=120
        )
        assert shown.returncode == 0, (script.name, shown.stderr[-500:])
        for option in ("--json", "--quick", "--repeat"):
            assert option in shown.stdout, (script.name, option)
