"""`servaudit gate`: rules, levels, aggregations, JUnit XML and Markdown, and exit codes end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from servaudit.config import Audit
from servaudit.errors import UsageError
from servaudit.gate import junit_xml, markdown, parse_rule, parse_value, run_gate


def group(median: float | None, rate: float | None, outcome: str | None = None) -> dict[str, Any]:
    return {
        "median_first_human_response_seconds": median,
        "human_response_rate": rate,
        "outcome": outcome,
        "delivered": 1,
        "answered_within": {"1h": {"count": 1}},
    }


DATA: dict[str, Any] = {
    "companies": {
        "fast": {
            "overall": group(600, 1.0),
            "channels": {"email": group(600, 1.0), "form": group(None, 0.0, "submitted")},
        },
        "slow": {"overall": group(30 * 3600, 0.5), "channels": {"email": group(30 * 3600, 0.5)}},
        "mute": {
            "overall": group(None, 0.0),
            "channels": {"email": group(None, 0.0), "form": group(None, 0.0, "blocked")},
        },
    }
}


def statuses(rule: str) -> dict[str, str]:
    return {r.scope: r.status for r in run_gate([rule], DATA)}


def test_values_take_units() -> None:
    assert parse_value("24h") == 86400 and parse_value("15min") == 900 and parse_value("2d") == 172800
    assert parse_value("80%") == 0.8 and parse_value("0.8") == 0.8 and parse_value("submitted") == "submitted"


def test_each_company_is_a_check_and_no_value_fails() -> None:
    assert statuses("email.median_first_human_response < 24h") == {
        "fast": "pass",
        "slow": "fail",
        "mute": "fail",
    }
    assert statuses("email.median_first_human_response < 24h level=warn") == {
        "fast": "pass",
        "slow": "warn",
        "mute": "warn",
    }
    assert statuses("slow:email.human_response_rate >= 0.5") == {"slow": "pass"}
    assert statuses("form.outcome == submitted") == {"fast": "pass", "mute": "fail"}  # slow has no form
    assert statuses("chat.human_response_rate >= 0.8") == {"all companies": "skip"}
    assert statuses("email.answered_within.1h.count >= 1") == {"fast": "pass", "slow": "pass", "mute": "pass"}


def test_aggregations_are_pessimistic() -> None:
    [median] = run_gate(["email.human_response_rate >= 0.5 agg=median"], DATA)
    assert (median.value, median.status) == (0.5, "pass")  # median of 1.0, 0.5, 0.0
    [p90] = run_gate(["email.human_response_rate >= 0.5 agg=p90"], DATA)
    assert (p90.value, p90.status) == (0.0, "fail")  # the value 90% of companies reach: the weakest of 3
    [worst] = run_gate(["email.median_first_human_response <= 2d agg=worst"], DATA)
    assert worst.value is None and worst.status == "fail" and "mute" in worst.message
    [p90_time] = run_gate(["all.median_first_human_response < 2d agg=p90"], DATA)
    assert p90_time.status == "fail"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("email.median_first_human_response", "is not of the form"),
        ("email.median < 24h", "no metric 'median'"),
        ("nobody:email.human_response_rate > 0", "no company 'nobody'"),
        ("email.human_response_rate > 0 level=fatal", "level must be one of"),
        ("email.human_response_rate > 0 agg=mean", "agg must be one of"),
        ("form.outcome > submitted", "needs a number"),
    ],
)
def test_bad_rules_are_one_clear_sentence(rule: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        run_gate([rule], DATA)


def test_junit_and_markdown() -> None:
    results = run_gate(
        [
            "email.median_first_human_response < 24h",
            "email.human_response_rate >= 0.9 level=warn",
            "chat.x > 1",
        ],
        DATA,
    )
    suite = ET.fromstring(junit_xml(results))
    assert suite.get("tests") == str(len(results)) == "7"
    assert suite.get("failures") == "2" and suite.get("skipped") == "1"
    failed = [case for case in suite if case.find("failure") is not None]
    assert {case.get("classname") for case in failed} == {"servaudit.gate.slow", "servaudit.gate.mute"}
    warned = [case for case in suite if case.find("system-out") is not None]
    assert len(warned) == 2 and "WARNING" in (warned[0].findtext("system-out") or "")
    text = markdown(results)
    assert text.startswith("## servaudit gate: failed")
    assert "2 passed, 2 failed, 2 warnings, 1 skipped" in text
    assert "| ❌ fail | `email.median_first_human_response < 24h` | error | slow | 1 d 6 h |" in text
    assert parse_rule("acme:email.x < 1 agg=p90").company == "acme"


def servaudit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "servaudit", *args], capture_output=True, text=True, timeout=120
    )


def test_gate_end_to_end_with_exit_codes(answered_audit: Audit, tmp_path: Path) -> None:
    audit = answered_audit
    folder = str(audit.folder)
    passing = servaudit(
        "gate", "-a", folder, "--rule", "nordwind:email.median_first_human_response < 1h", "--json"
    )
    assert passing.returncode == 0, passing.stderr
    assert json.loads(passing.stdout)[0]["status"] == "pass"

    rules = tmp_path / "rules.txt"
    rules.write_text("# service levels\nemail.human_response_rate >= 0.8 agg=median  # headline\n")
    junit, summary = tmp_path / "gate.xml", tmp_path / "gate.md"
    failing = servaudit(
        "gate",
        "-a",
        folder,
        "--rules",
        str(rules),
        "--rule",
        "email.human_responded >= 0 level=warn",
        "--junit",
        str(junit),
        "--summary",
        str(summary),
    )
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "fail" in failing.stdout and "all companies (median, n=9)" in failing.stdout
    assert ET.parse(junit).getroot().get("failures") == "1"
    assert "## servaudit gate: failed" in summary.read_text()

    # The same rules against a written report.json give the same answer.
    from servaudit.report import write_report

    write_report(audit, tmp_path / "report")
    again = servaudit("gate", "--report", str(tmp_path / "report/report.json"), "--rules", str(rules))
    assert again.returncode == 1

    bad = servaudit("gate", "-a", folder, "--rule", "email.nonsense < 1h")
    assert bad.returncode == 2 and "no metric 'nonsense'" in bad.stderr and "Traceback" not in bad.stderr
    assert servaudit("gate", "-a", folder).returncode == 2  # no rules at all
