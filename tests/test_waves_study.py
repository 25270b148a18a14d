"""A two-wave study on the simulated clock, end to end and without real waiting: the real sandbox living
in time (companies answering by weekday and hour, one getting worse), `servaudit run --wave N` with
SERVAUDIT_NOW per call, collect, report and gate as a user runs them; every longitudinal figure checked
against the sandbox's ground truth (the arrival its timetable gave each reply)."""

from __future__ import annotations

import csv
import json
import math
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.demo import PERSONA_EMAIL
from servaudit.measure.compare import fisher_exact
from servaudit.measure.waves import ALPHA, HOUR_BANDS
from servaudit.sandbox import Sandbox, SandboxCompany
from servaudit.sandbox.imap import DovecotServer
from servaudit.sandbox.timetable import timed_fleet
from tests.audit_fixtures import read_ground_truth, servaudit
from tests.test_collect import IMAP_PASSWORD, IMAP_USER, imap_section

BERLIN = ZoneInfo("Europe/Berlin")
WAVE_1 = (
    datetime(2026, 12, 1, 10, tzinfo=BERLIN),  # Tuesday morning
    datetime(2026, 12, 1, 19, tzinfo=BERLIN),  # Tuesday evening
    datetime(2026, 12, 2, 11, tzinfo=BERLIN),  # Wednesday
    datetime(2026, 12, 4, 15, tzinfo=BERLIN),  # Friday afternoon
    datetime(2026, 12, 5, 20, tzinfo=BERLIN),  # Saturday evening
    datetime(2026, 12, 6, 11, tzinfo=BERLIN),  # Sunday
)
TWO_WEEKS = timedelta(days=14)
WORSE_FROM = datetime(2026, 12, 14, tzinfo=BERLIN)
"""The day the 'slipping' company's service got worse: between the waves."""
REPORT_AT = datetime(2026, 12, 28, 12, tzinfo=BERLIN)
DAY = 86400.0
TOLERANCE = 3.0
"""Seconds: the Date header and INTERNALDATE have whole seconds, and the send time is taken after the
SMTP transaction."""


@pytest.fixture
def living_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Sandbox, DovecotServer]]:
    """The timed companies, their replies read over IMAP from a real Dovecot (INTERNALDATE = file mtime)."""
    monkeypatch.setenv("SA_TEST_IMAP_PASSWORD", IMAP_PASSWORD)
    fleet = timed_fleet(WORSE_FROM)
    truth = tmp_path / "truth.jsonl"
    with (
        Sandbox(tmp_path / "mail", truth, fleet, forms=(), chats=(), simulated_time=True) as box,
        DovecotServer(tmp_path / "mail", IMAP_USER, IMAP_PASSWORD, workdir=tmp_path / "dovecot") as server,
    ):
        yield box, server


def audit_toml(sandbox: Sandbox, server: DovecotServer, scenarios: int) -> str:
    """The study's audit with its first ``scenarios`` scenarios: one more is added for each send time."""
    lines = [
        "[audit]",
        'name = "Two waves"',
        'language = "en"',
        'timezone = "Europe/Berlin"',
        "window_days = 14",
        "machine_seconds = 5",
        "[persona]",
        'name = "Anna Schmidt"',
        f'email = "{PERSONA_EMAIL}"',
        "plus_addressing = true",
        "[smtp]",
        'host = "127.0.0.1"',
        f"port = {sandbox.smtp_port}",
        'security = "none"',
        "timeout = 10",
        "[mailbox]",
        'type = "imap"',
        imap_section(server),
    ]
    names = [f"s{n}" for n in range(1, scenarios + 1)]
    for name in names:
        lines += [
            f"[scenarios.{name}]",
            'language = "en"',
            f'subject = "Question {name} about my order"',
            f'body = "Hello, could you tell me how to change my delivery address ({name})? Thanks, Anna"',
        ]
    company: SandboxCompany
    for company in sandbox.companies:
        lines += [
            f"[companies.{company.slug}]",
            f'name = "{company.name}"',
            f'email = "{company.address}"',
            f"scenarios = {json.dumps(names)}",
        ]
    return "\n".join(lines) + "\n"


def expected_from_truth(folder: Path, truth: list[dict[str, Any]]) -> dict[str, Any]:
    """Per (company, wave): the answer delays the sandbox's timetable gave; per weekday and hour band
    of receipt (Berlin): answered within 24 h, of how many."""
    waves = {i.message_id: i.wave for i in open_store(Audit.load(folder)).inquiries()}
    delays: dict[tuple[str, int], list[float]] = {}
    weekday: dict[str, list[bool]] = {}
    band: dict[str, list[bool]] = {}
    for record in truth:
        assert record["kind"] == "human", record  # the timed companies only answer, each inquiry once
        received = datetime.fromisoformat(record["inquiry_received_at"])
        arrived = datetime.fromisoformat(record["expected_at"])
        # The reply's file is dated as the timetable said: what Dovecot and the Maildir reader see.
        assert abs((datetime.fromisoformat(record["delivered_at"]) - arrived).total_seconds()) < 0.01
        delay = (arrived - received).total_seconds()
        delays.setdefault((record["company"], waves[record["inquiry_message_id"]]), []).append(delay)
        local = received.astimezone(BERLIN)
        weekday.setdefault(("mon", "tue", "wed", "thu", "fri", "sat", "sun")[local.weekday()], []).append(
            delay <= DAY
        )
        name = next(n for n, start, end in HOUR_BANDS if start <= local.hour < end)
        band.setdefault(name, []).append(delay <= DAY)
    return {"delays": delays, "weekday": weekday, "hour_band": band}


@pytest.mark.imap
def test_a_two_wave_study_on_the_simulated_clock_matches_the_ground_truth(
    living_sandbox: tuple[Sandbox, DovecotServer], tmp_path: Path
) -> None:
    sandbox, server = living_sandbox
    folder = tmp_path / "audit"
    folder.mkdir()
    for wave, start in ((1, WAVE_1), (2, tuple(m + TWO_WEEKS for m in WAVE_1))):
        for step, moment in enumerate(start, start=1):
            (folder / "audit.toml").write_text(audit_toml(sandbox, server, step), encoding="utf-8")
            sent = servaudit(moment, "run", "-a", str(folder), "--wave", str(wave), "--json")
            assert sent.returncode == 0, sent.stderr
            assert sandbox.wait_idle(10)
    assert sandbox.received() == 2 * len(WAVE_1) * len(sandbox.companies)  # nothing sent twice

    collected = servaudit(REPORT_AT, "collect", "-a", str(folder), "--json")
    assert collected.returncode == 0, collected.stderr
    out = tmp_path / "report"
    reported = servaudit(REPORT_AT, "report", "-a", str(folder), "--out", str(out), "-q")
    assert reported.returncode == 0, reported.stderr
    section = json.loads((out / "report.json").read_text(encoding="utf-8"))["waves"]
    truth = expected_from_truth(folder, read_ground_truth(sandbox.ground_truth))

    assert section["waves"] == [1, 2]
    worse = []
    for company in sandbox.companies:
        measured = section["companies"][company.slug]
        counts = []
        for wave in (1, 2):
            delays = sorted(truth["delays"][(company.slug, wave)])
            figures = measured["waves"][str(wave)]
            within = sum(1 for d in delays if d <= DAY)
            counts.append((within, len(delays)))
            assert figures["delivered"] == figures["human_responded"] == len(delays) == len(WAVE_1)
            assert (figures["within_24h"]["count"], figures["within_24h"]["of"]) == (within, len(delays))
            # Kaplan–Meier median, everything answered: the first time half were answered.
            median = delays[math.ceil(len(delays) / 2) - 1]
            assert figures["median_first_human_response_seconds"] == pytest.approx(median, abs=TOLERANCE)
        [change] = measured["changes"]
        (a, n1), (c, n2) = counts
        assert change["share_p"] == pytest.approx(fisher_exact(a, n1 - a, c, n2 - c))
        assert change["change_in_share"] == pytest.approx(c / n2 - a / n1)
        if change["share_p"] < ALPHA and c / n2 < a / n1:
            worse.append(company.slug)
    # The ground truth: only 'slipping' got worse (answers within an hour, then after three days).
    assert worse == ["slipping"]
    assert section["worse"] == ["slipping"]
    assert section["companies"]["slipping"]["changes"][0]["logrank_p"] < ALPHA
    for slug in ("buerozeit", "weekendclosed"):
        assert not section["companies"][slug]["worse"], slug

    # Answers by send weekday and hour band (Saturday evening waits for Monday at the office companies).
    for table in ("weekday", "hour_band"):
        for key, flags in truth[table].items():
            part = section["send_time"][table][key]
            assert (part["count"], part["of"]) == (sum(flags), len(flags)), (table, key)
        assert sum(p["of"] for p in section["send_time"][table].values()) == 2 * 6 * len(sandbox.companies)
    assert section["send_time"]["weekday"]["sat"]["count"] == 1  # only "slipping", only in wave 1
    assert section["send_time"]["weekday"]["mon"]["of"] == 0

    with (out / "csv" / "waves.csv").open(encoding="utf-8-sig") as handle:
        rows = {(r["company"], r["channel"], r["wave"]): r for r in csv.DictReader(handle)}
    assert len(rows) == 2 * len(sandbox.companies)
    assert rows[("slipping", "all", "2")]["change_worse"] == "True"
    assert rows[("slipping", "all", "2")]["within_24h_count"] == "0"
    assert rows[("buerozeit", "all", "1")]["change_worse"] == ""  # no wave before the first

    # The report shows the section, the company marked; the gate fails on it alone.
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'data-company="slipping" class="worse"' in page
    assert 'data-company="buerozeit" class="worse"' not in page
    assert 'data-weekday="sat"' in page and 'data-band="17-22"' in page
    german = tmp_path / "bericht"
    deutsch = servaudit(REPORT_AT, "report", "-a", str(folder), "--out", str(german), "--lang", "de", "-q")
    assert deutsch.returncode == 0, deutsch.stderr
    seite = (german / "index.html").read_text(encoding="utf-8")
    assert "Wellen im Vergleich" in seite and "verschlechtert" in seite
    assert 'data-key="waves.companies.slipping.changes.0.share_p" data-format="p_value">0,002<' in seite

    def gate(rule: str) -> subprocess.CompletedProcess[str]:
        return servaudit(
            REPORT_AT,
            "gate",
            "-a",
            str(folder),
            "--report",
            str(out / "report.json"),
            "--rule",
            rule,
            "--json",
        )

    failing = gate("all.wave_drop == 0")
    assert failing.returncode == 1, failing.stderr
    assert [r["scope"] for r in json.loads(failing.stdout) if r["status"] == "fail"] == ["slipping"]
    kept = gate("buerozeit:all.wave_drop == 0")
    assert kept.returncode == 0, kept.stdout + kept.stderr
