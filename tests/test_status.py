"""`servaudit init --json` and `servaudit status` through the real CLI: the table speaks the audit's
language (the scaffold's audit is German), --lang overrides it, --json stays English and machine-readable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def servaudit(*args: str) -> subprocess.CompletedProcess[str]:
    # From the working tree, whatever servaudit another checkout may have installed.
    return subprocess.run(
        [sys.executable, "-m", "servaudit", *args], capture_output=True, text=True, cwd=ROOT, timeout=60
    )


def test_init_json_then_status_in_the_audit_language(tmp_path: Path) -> None:
    created = servaudit("init", str(tmp_path / "audit"), "--json")
    assert created.returncode == 0, created.stderr
    answer = json.loads(created.stdout)
    assert answer["audit_file"] == str(tmp_path / "audit" / "audit.toml")
    assert Path(answer["audit_file"]).is_file()
    again = servaudit("init", str(tmp_path / "audit"), "--json")
    assert again.returncode == 2 and "exists already" in again.stderr and again.stdout == ""

    german = servaudit("status", "-a", str(tmp_path / "audit"))
    assert german.returncode == 0, german.stderr
    assert german.stdout.split()[:3] == ["Anfrage", "Unternehmen", "Kanal"]
    assert "geplant" in german.stdout and "planned" not in german.stdout
    english = servaudit("status", "-a", str(tmp_path / "audit"), "--lang", "en")
    assert english.stdout.split()[:3] == ["inquiry", "company", "channel"] and "planned" in english.stdout
    rows = json.loads(servaudit("status", "-a", str(tmp_path / "audit"), "--json").stdout)
    assert rows and {row["state"] for row in rows} == {"planned"}
    assert rows[0]["first_human_answer_seconds"] is None and rows[0]["sent_at"] is None
    wrong = servaudit("status", "-a", str(tmp_path / "audit"), "--lang", "fr")
    assert wrong.returncode == 2 and "--lang must be de or en" in wrong.stderr


def test_commands_that_only_read_records_do_not_load_the_browser() -> None:
    # status, grade and report open the store without the send engine: no Playwright at start-up.
    code = (
        "import sys, servaudit.cli, servaudit.status, servaudit.grading, servaudit.report; "
        "print(sorted(m for m in sys.modules if m.startswith(('playwright', 'servaudit.engine'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_channel_registry_and_config_load_no_probe() -> None:
    # The registry describes channels as data; a probe (and Playwright) loads only when one is used.
    code = (
        "import sys, servaudit.channels, servaudit.config, servaudit.plan, servaudit.measure.figures, "
        "servaudit.channels.chat.transcript, servaudit.channels.form, servaudit.channels.email; "
        "print(sorted(m for m in sys.modules "
        "if m.startswith('playwright') or m.endswith(('.probe', '.base'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['servaudit.channels.base']", "base is the light interface, no probe"
