"""What `servaudit --help`, `status` and `classify` load: no browser, no report, no engine.

Start-up time itself belongs in bench/bench_startup.py; these tests pin which modules a
command imports, so a heavy import moved back to the top of a module shows here.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"

HEAVY = (
    "playwright",
    "jinja2",
    "dns",
    "phonenumbers",
    "flufl",
    "httpx",
    "servaudit.engine",
    "servaudit.report",
    "servaudit.channels.form",
    "servaudit.channels.chat",
    "servaudit.discover",
    "servaudit.sandbox",
    "holidays",
)

PROGRAM = """
import contextlib, io, sys
from servaudit.cli import main
sys.argv = ["servaudit", *sys.argv[1:]]
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main()
    except SystemExit:
        pass
heavy = {heavy!r}
print(sorted(m for m in sys.modules if m.partition(".")[0] in heavy or m.startswith(heavy)))
"""


def loaded(*argv: str) -> list[str]:
    code = PROGRAM.format(heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True)
    return list(ast.literal_eval(done.stdout.strip().splitlines()[-1]))


def test_help_loads_nothing_heavy() -> None:
    assert loaded("--help") == []


def test_classify_loads_no_browser_report_or_engine() -> None:
    sample = CORPUS / "human" / "answer-with-hotline-offer-de.eml"
    assert loaded("classify", str(sample)) == []


def test_classify_of_a_bounce_loads_no_browser_either() -> None:
    # A bounce takes the path through flufl.bounce, which loads only there.
    bounce = next((CORPUS / "bounce").glob("*.eml"))
    assert [m for m in loaded("classify", str(bounce)) if not m.startswith("flufl")] == []


def test_status_loads_no_report_probe_engine_or_holiday_calendar(tmp_path: Path) -> None:
    # status prints durations and moments (servaudit/english.py), not the report's pages; the
    # holiday calendars load only where business hours are counted.
    audit = tmp_path / "audit"
    subprocess.run([sys.executable, "-m", "servaudit", "init", str(audit)], capture_output=True, check=True)
    settings = {f"servaudit.channels.{c}{part}" for c in ("form", "chat") for part in ("", ".settings")}
    assert set(loaded("status", "-a", str(audit))) <= settings, "only the channels' settings models"


def loaded_pydantic(*argv: str) -> list[str]:
    code = PROGRAM.format(heavy=("pydantic",))
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, check=True)
    return list(ast.literal_eval(done.stdout.strip().splitlines()[-1]))


def test_help_loads_no_pydantic() -> None:
    # Secret references are checked by pydantic only when an audit file is read.
    assert loaded_pydantic("--help") == []
    assert loaded_pydantic("status", "--help") == []


def test_status_of_a_plain_audit_loads_neither_pydantic_nor_tabulate(tmp_path: Path) -> None:
    # The scaffold's audit is plain: status reads it without the models (servaudit/config_light.py)
    # and its table is plain too (servaudit/plain_table.py).
    audit = tmp_path / "audit"
    subprocess.run([sys.executable, "-m", "servaudit", "init", str(audit)], capture_output=True, check=True)
    code = PROGRAM.format(heavy=("pydantic", "tabulate"))
    for options in ([], ["--lang", "en"], ["--json"]):
        argv = [sys.executable, "-c", code, "status", "-a", str(audit), *options]
        done = subprocess.run(argv, capture_output=True, text=True, check=True)
        assert ast.literal_eval(done.stdout.strip().splitlines()[-1]) == [], options


def test_classify_with_options_loads_no_pydantic() -> None:
    # typer ≥ 0.2x reads option values with pydantic; servaudit/cli_values.py reads plain ones itself.
    sample = CORPUS / "human" / "answer-with-hotline-offer-de.eml"
    assert loaded_pydantic("classify", str(sample), "--language", "de", "--seconds", "90.5") == []


NOT_FOR_NOTHING_NEW = (
    "servaudit.message",
    "servaudit.replies.match",
    "servaudit.replies.reading",
    "servaudit.replies.classify",
    "multiprocessing",
    "concurrent.futures.process",
    "rich",
)


def test_collect_with_nothing_new_loads_no_parser_matcher_judges_or_progress_display(tmp_path: Path) -> None:
    # An hourly collect that finds nothing parses nothing, matches nothing, starts no judging
    # process, and (its stderr no terminal) shows no progress display.
    from servaudit.config import Audit
    from tests.test_collect_incremental import AUDIT, reply, send

    (tmp_path / "audit.toml").write_text(AUDIT)
    audit = Audit.load(tmp_path)
    send(audit, 1)
    reply(audit, 1)
    first = subprocess.run(
        [sys.executable, "-m", "servaudit", "collect", "-a", str(tmp_path)], capture_output=True, text=True
    )
    assert first.returncode == 0 and "1 new messages" in first.stdout, first.stdout + first.stderr
    code = PROGRAM.format(heavy=NOT_FOR_NOTHING_NEW)
    argv = [sys.executable, "-c", code, "collect", "-a", str(tmp_path)]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    assert ast.literal_eval(done.stdout.strip().splitlines()[-1]) == []

