"""The simulated clock (SERVAUDIT_NOW): studies over weeks are tested without real waiting."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

PROBE = "from servaudit.timing import now, simulated; print(now().isoformat(), simulated())"


def _clock(value: str | None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin"}
    if value is not None:
        env["SERVAUDIT_NOW"] = value
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=False)


def test_the_clock_starts_at_the_simulated_instant_and_runs_on() -> None:
    result = _clock("2026-12-12T20:00:00+01:00")
    stamp, flag = result.stdout.split()
    read = datetime.fromisoformat(stamp)
    assert flag == "True"
    assert read.tzinfo == UTC
    assert 0 <= (read - datetime(2026, 12, 12, 19, tzinfo=UTC)).total_seconds() < 30


def test_without_it_the_clock_is_the_real_one() -> None:
    stamp, flag = _clock(None).stdout.split()
    assert flag == "False"
    assert abs((datetime.fromisoformat(stamp) - datetime.now(UTC)).total_seconds()) < 30


def test_a_bad_value_is_refused_with_a_message_not_a_traceback() -> None:
    for value in ("next tuesday", "2026-12-12T20:00:00"):
        result = _clock(value)
        assert result.returncode != 0
        assert "SERVAUDIT_NOW" in result.stderr
        assert "Traceback" not in result.stderr
