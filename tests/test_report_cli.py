"""`servaudit report` through the command line: --json, --lang, and progress only on a terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from servaudit.collect import collect
from servaudit.config import Audit
from servaudit.engine import run
from servaudit.sandbox import Sandbox
from tests.audit_fixtures import company


def servaudit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "servaudit", *args], capture_output=True, text=True, timeout=120
    )


def test_report_command_json_language_and_quiet_progress(
    sandbox: Sandbox, make_audit: Callable[..., Audit], tmp_path: Path
) -> None:
    audit = make_audit([company(sandbox, "human"), company(sandbox, "silence")])
    run(audit)
    assert sandbox.wait_idle(20)
    collect(audit)
    out = tmp_path / "report"
    done = servaudit("report", "-a", str(audit.folder), "--out", str(out), "--lang", "de", "--json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # not a terminal: no progress display
    written = json.loads(done.stdout)
    assert written["index"] == str(out / "index.html") and len(written["csv"]) == 6  # waves, findings
    html = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in html and "Rangliste" in html and "Methodik" in html
    assert json.loads((out / "report.json").read_text())["audit"]["language"] == "en"  # the audit's own

    refused = servaudit("report", "-a", str(audit.folder), "--out", str(out), "--lang", "fr")
    assert refused.returncode == 2 and "--lang must be de or en" in refused.stderr

    # On a terminal the same command shows progress on stderr; --quiet silences it.
    for quiet, expect_progress in ((False, True), (True, False)):
        leader, follower = pty.openpty()
        try:
            args = ["report", "-a", str(audit.folder), "--out", str(out)] + (["--quiet"] if quiet else [])
            on_terminal = subprocess.run(
                [sys.executable, "-m", "servaudit", *args],
                stdout=subprocess.PIPE,
                stderr=follower,
                timeout=120,
                env={**os.environ, "TERM": "xterm", "COLUMNS": "100"},
            )
            os.close(follower)
            shown = b""
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
        finally:
            os.close(leader)
        assert on_terminal.returncode == 0
        assert (b"report" in shown) is expect_progress, shown[:400]
