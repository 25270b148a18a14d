"""The worked example of a study over weeks (issue 18): a two-wave study driven by its schedule, with
reminders and follow-ups, on the simulated clock, run the way a consultant's cron runs it.

A loop steps SERVAUDIT_NOW as a cron line would tick (09:00 and 18:00) across the study and calls
`servaudit run --yes` then `servaudit collect` as processes of their own, against the real sandbox
living in time: companies whose person answers by weekday and hour (the timed fleet, one of them worse
from a day between the waves), one that answers only after a reminder and one that answers a follow-up
fully after a partial first answer; replies are read over IMAP from a real Dovecot. Then `servaudit
report` (en and de) and `servaudit gate`, and every figure is checked against the sandbox's ground truth
(when it received each message, when its timetable said each answer arrived); the expectations are
computed here from that truth, not with servaudit's own functions."""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from servaudit.audit_store import open_store
from servaudit.config import Audit
from servaudit.demo import MACHINE_SECONDS, demo_audit_toml
from servaudit.measure.waves import HOUR_BANDS
from servaudit.sandbox import Sandbox
from servaudit.sandbox.fleet import THREAD_FLEET
from servaudit.sandbox.imap import DovecotServer
from servaudit.sandbox.timetable import timed_fleet
from tests.audit_fixtures import read_ground_truth, servaudit
from tests.test_collect import IMAP_PASSWORD, IMAP_USER, audit_over_imap
from tests.truth_stats import fisher_two_sided, logrank_slower

BERLIN = ZoneInfo("Europe/Berlin")
START = date(2027, 2, 3)  # a Wednesday: each wave's five days hold weekdays and a weekend
WORSE_FROM = datetime(2027, 2, 9, tzinfo=BERLIN)
"""The 'slipping' company answers within the hour until this day, then after three days: between
wave 1 (sent 3–7 February, the last at the tick after 21:00 on the 7th at most) and wave 2 (from the
10th)."""
CRON_HOURS = (9, 18)
"""The cron line `0 9,18 * * *` (Berlin time): twice a day, so the study's 33 ticks (two processes
each) stay under 90 s. Coarse on purpose: every send-time check allows the wait for the next tick."""
LAST_DAY = date(2027, 2, 19)
"""Slipping's answers to its reminders, the last of the study, come three days after them."""
DAY = 86400.0
REMINDER_HOURS = 4
SLACK = timedelta(minutes=5)
"""The clock runs on inside each process: a send is a few seconds after the tick that made it (more
on a loaded machine; the next tick is nine hours away)."""
TIMED = ("r1", "r2", "r3", "r4")
"""The timed companies' scenarios: a reminder each (no follow-up); four per wave, so a drop from
4 of 4 to 0 of 4 answered within 24 h is significant."""
THREADED = "tarif"
"""The thread companies' scenario: a reminder and a follow-up, the stock tariff-change facts."""
STUDY = f"""
[audit.waves]
count = 2
every_days = 7
spread_days = 5
start = {START.isoformat()}

[audit.send_window]
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
from = "08:00"
until = "21:00"
timezone = "Europe/Berlin"
holidays = "DE-BE"

[audit.business_hours]
days = ["mon", "tue", "wed", "thu", "fri"]
opens = "09:00"
closes = "17:00"
"""
STOCK = Path(__file__).resolve().parent.parent / "probes" / "scenarios"
WINDOW = (time(8), time(21))
OPEN = (time(9), time(17))


def scenarios_toml(facts: list[str]) -> str:
    lines = []
    for name in (*TIMED, THREADED):
        lines += [
            f"[scenarios.{name}]",
            'language = "de"',
            f'subject = "Frage zu meinem Tarif ({name})"',
            f'body = "Guten Tag,\\n\\nkann ich vor Ablauf in einen günstigeren Tarif wechseln ({name}), '
            'und kostet das etwas?\\n\\n{name}"',
        ]
        if name == THREADED:
            lines += [
                f"facts = {json.dumps(facts, ensure_ascii=False)}",
                f"[scenarios.{name}.followup]",
                'body = "Vielen Dank! Gilt der neue Tarif dann ab dem nächsten Monat?\\n\\n{name}"',
            ]
        lines += [
            f"[scenarios.{name}.reminder]",
            f"after_business_hours = {REMINDER_HOURS}",
            'body = "Guten Tag,\\n\\nich hatte Ihnen geschrieben und noch keine Antwort. Können Sie helfen?"',
        ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Study:
    sandbox: Sandbox
    audit: Audit


@pytest.fixture
def study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Study]:
    """The timed companies and the two thread companies, living in time; replies over IMAP."""
    monkeypatch.setenv("SA_TEST_IMAP_PASSWORD", IMAP_PASSWORD)
    fleet = (*timed_fleet(WORSE_FROM), *THREAD_FLEET)
    with (
        Sandbox(
            tmp_path / "mail", tmp_path / "truth.jsonl", fleet, forms=(), chats=(), simulated_time=True
        ) as box,
        DovecotServer(tmp_path / "mail", IMAP_USER, IMAP_PASSWORD, workdir=tmp_path / "dovecot") as server,
    ):
        folder = tmp_path / "audit"
        folder.mkdir()
        text = demo_audit_toml((), box.smtp_port, str(tmp_path / "mail"), True, MACHINE_SECONDS)
        text = text.replace("[audit]\n", '[audit]\ntimezone = "Europe/Berlin"\n', 1)
        text = text[: text.index("[scenarios.")]
        companies = []
        for company in fleet:
            names = [THREADED] if company in THREAD_FLEET else list(TIMED)
            companies += [
                f"[companies.{company.slug}]",
                f'name = "{company.name}"',
                f'email = "{company.address}"',
                f"scenarios = {json.dumps(names)}",
            ]
        facts = tomllib.loads((STOCK / "tarifwechsel.toml").read_text(encoding="utf-8"))["facts"]
        (folder / "audit.toml").write_text(
            text + scenarios_toml(facts) + "\n".join(companies) + "\n" + STUDY, encoding="utf-8"
        )
        yield Study(box, audit_over_imap(Audit.load(folder), server))


def ticks() -> list[datetime]:
    """When cron starts the study's processes: the window opens at 08:00 on the first day."""
    days = (START + timedelta(days=n) for n in range((LAST_DAY - START).days + 1))
    return [datetime.combine(day, time(hour), BERLIN) for day in days for hour in CRON_HOURS][:-1]


def next_tick(grid: list[datetime], moment: datetime) -> datetime:
    return next(tick for tick in grid if tick >= moment)


def business_seconds(start: datetime, end: datetime) -> float:
    """Mon–Fri 09:00–17:00 Berlin between two moments (February 2027 has no Berlin holiday)."""
    total, day = 0.0, start.astimezone(BERLIN).date()
    while day <= end.astimezone(BERLIN).date():
        if day.weekday() < 5:
            opens = datetime.combine(day, OPEN[0], BERLIN)
            closes = datetime.combine(day, OPEN[1], BERLIN)
            total += max(0.0, (min(closes, end) - max(opens, start)).total_seconds())
        day += timedelta(days=1)
    return total


@dataclass
class Sent:
    """One message the sandbox received, and what servaudit's store calls it."""

    id: str
    kind: str
    company: str
    wave: int
    parent: str | None
    received: datetime
    replies: list[dict[str, Any]]


def received_messages(audit: Audit, truth: list[dict[str, Any]]) -> dict[str, Sent]:
    """Every inquiry, reminder and follow-up as the sandbox received it, by servaudit's id."""
    store = open_store(audit)
    try:
        records = store.inquiries()
    finally:
        store.close()
    by_message = {r.message_id: r for r in records if r.message_id}
    sent: dict[str, Sent] = {}
    for record in truth:
        inquiry = by_message[record["inquiry_message_id"]]  # every receipt is one of the store's sends
        entry = sent.setdefault(
            inquiry.id,
            Sent(
                inquiry.id,
                inquiry.kind,
                inquiry.company,
                inquiry.wave,
                inquiry.parent_id,
                datetime.fromisoformat(record["inquiry_received_at"]),
                [],
            ),
        )
        if record["kind"] != "silence":
            entry.replies.append(record)
    return sent


FIGURE = re.compile(r'data-key="((?:waves|reminders_and_followups)\.[^"]+)" data-format="int">([^<]*)<')


def figures_shown(page: str, data: dict[str, Any]) -> int:
    """Every whole-number figure of the waves and reminder sections on ``page`` is report.json's."""
    found = FIGURE.findall(page)
    for key, text in found:
        value: Any = data
        for part in key.split("."):
            value = value[part]
        assert text == str(value), key
    return len(found)


def arrival(reply: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(reply["expected_at"] or reply["delivered_at"])


@pytest.mark.imap
def test_a_two_wave_study_with_reminders_run_by_cron_matches_the_ground_truth(
    study: Study, tmp_path: Path
) -> None:
    sandbox, audit = study.sandbox, study.audit
    folder = str(audit.folder)
    grid = ticks()
    last = grid[-1]
    store = open_store(audit)
    try:
        store.begin_study("e2e0study0seed01", grid[0])  # a fixed seed: the same plan every time
    finally:
        store.close()
    shown = servaudit(grid[0], "plan", "--json", "-a", folder)
    assert shown.returncode == 0, shown.stderr
    plan = {
        row["inquiry"]: (datetime.fromisoformat(row["planned_at"]), row["stratum"])
        for block in json.loads(shown.stdout)["companies"]
        for row in block["inquiries"]
    }
    assert len(plan) == 2 * (3 * len(TIMED) + 2)

    # The cron line: run, then collect, at each tick of simulated time.
    for moment in grid:
        for verb in (("run", "--yes", "--quiet"), ("collect", "--quiet")):
            done = servaudit(moment, *verb, "-a", folder)
            assert done.returncode == 0, (moment, verb, done.stderr)
            assert "Traceback" not in done.stderr
            assert sandbox.wait_idle(10)

    truth = read_ground_truth(sandbox.ground_truth)
    assert all(arrival(r) <= last for r in truth if r["kind"] != "silence"), "all answered by the end"
    sent = received_messages(audit, truth)
    assert sandbox.received() == len(sent), "nothing sent twice"

    # Each planned send: once, at its planned time (the first tick from it on), inside the window.
    planned = {i: s for i, s in sent.items() if s.kind == "inquiry"}
    assert planned.keys() == plan.keys()
    strata = set()
    for inquiry, (at, stratum) in plan.items():
        local = at.astimezone(BERLIN)
        assert WINDOW[0] <= local.time() < WINDOW[1], inquiry
        strata.add(stratum)
        due = next_tick(grid, at)
        assert due <= planned[inquiry].received <= due + SLACK, (inquiry, at, planned[inquiry].received)
        assert planned[inquiry].wave == (1 if local.date() < START + timedelta(days=7) else 2)
    assert strata == {"weekday_day", "weekday_evening", "weekend"}

    # The first human answer of each planned inquiry: to itself or to its reminder (its thread).
    children = {(s.parent, s.kind): s for s in sent.values() if s.parent}
    first: dict[str, datetime | None] = {}
    for inquiry, message in planned.items():
        reminder = children.get((inquiry, "reminder"))
        answers = [
            r for r in message.replies + (reminder.replies if reminder else []) if r["kind"] == "human"
        ]
        first[inquiry] = min((arrival(r) for r in answers), default=None)
    delay = {i: (a - planned[i].received).total_seconds() for i, a in first.items() if a is not None}
    assert delay.keys() == planned.keys(), "every planned inquiry was answered by a person in the end"

    # Reminders: due after 4 business hours without a person's answer; sent once, at the first tick then.
    expected_reminders = set()
    for inquiry, message in planned.items():
        due = next(m for m in grid if business_seconds(message.received, m) >= REMINDER_HOURS * 3600)
        own = [arrival(r) for r in message.replies if r["kind"] == "human"]
        if not any(a <= due for a in own):
            expected_reminders.add(inquiry)
            reminder = children[(inquiry, "reminder")]
            assert due <= reminder.received <= due + SLACK, (inquiry, due, reminder.received)
            assert business_seconds(message.received, reminder.received) >= REMINDER_HOURS * 3600
    assert {p for p, kind in children if kind == "reminder"} == expected_reminders
    companies = {planned[i].company for i in expected_reminders}
    # The ground truth: the after-reminder company in each wave, the slipping one in wave 2 only.
    assert companies == {"spaetlese", "slipping"}
    assert {planned[i].wave for i in expected_reminders if planned[i].company == "slipping"} == {2}

    # Follow-ups: one to the first human answer of each thread-scenario inquiry, the first tick after it came.
    followups = {p: s for (p, kind), s in children.items() if kind == "followup"}
    assert followups.keys() == {i for i, s in planned.items() if s.company in ("spaetlese", "halbwahr")}
    for inquiry, followup in followups.items():
        answered = first[inquiry]
        assert answered is not None
        due = next_tick(grid, answered)
        assert due <= followup.received <= due + SLACK, (inquiry, answered, followup.received)
    assert len(sent) == len(plan) + len(expected_reminders) + len(followups)

    out, german = tmp_path / "report", tmp_path / "bericht"
    for language, folder_out in (("en", out), ("de", german)):
        reported = servaudit(last, "report", "-a", folder, "--out", str(folder_out), "--lang", language, "-q")
        assert reported.returncode == 0, reported.stderr
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    section = data["waves"]

    # Per company and wave: answered by a person within 24 h, and the median first human answer.
    assert section["waves"] == [1, 2]
    worse = []
    for company in sandbox.companies:
        measured = section["companies"][company.slug]
        samples = []
        for wave in (1, 2):
            delays = sorted(
                d for i, d in delay.items() if planned[i].company == company.slug and planned[i].wave == wave
            )
            samples.append(delays)
            within = sum(1 for d in delays if d <= DAY)
            figures = measured["waves"][str(wave)]
            assert (figures["within_24h"]["count"], figures["within_24h"]["of"]) == (within, len(delays))
            median = delays[math.ceil(len(delays) / 2) - 1]
            assert figures["median_first_human_response_seconds"] == pytest.approx(median, abs=3.0)
        # Worse: a significant drop in the share within 24 h (Fisher) or slower answers (log-rank).
        (a, n1), (c, n2) = ((sum(1 for d in x if d <= DAY), len(x)) for x in samples)
        if company.slug == "slipping":
            assert (a, n1, c, n2) == (4, 4, 0, 4)  # by design: within the hour, then after three days
        [change] = measured["changes"]
        share_p = fisher_two_sided(a, n1, c, n2)
        assert change["share_p"] == pytest.approx(share_p)
        curve_p, slower = logrank_slower(*samples)
        assert change["logrank_p"] == (None if curve_p is None else pytest.approx(curve_p)), company.slug
        if (share_p < 0.05 and c / n2 < a / n1) or (curve_p is not None and curve_p < 0.05 and slower):
            worse.append(company.slug)
    assert "slipping" in worse
    assert section["worse"] == worse

    # Answers by send weekday and hour band: within 24 h, of how many.
    for table, key_of in (
        ("weekday", lambda at: ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[at.weekday()]),
        ("hour_band", lambda at: next(n for n, lo, hi in HOUR_BANDS if lo <= at.hour < hi)),
    ):
        expected: dict[str, list[bool]] = {}
        for inquiry, message in planned.items():
            expected.setdefault(key_of(message.received.astimezone(BERLIN)), []).append(delay[inquiry] <= DAY)
        measured_table = section["send_time"][table]
        for key, part in measured_table.items():
            flags = expected.get(key, [])
            assert (part["count"], part["of"]) == (sum(flags), len(flags)), (table, key)
        assert set(expected) <= set(measured_table)

    # Answered only after a reminder; resolved after a follow-up.
    threads = data["reminders_and_followups"]["channels"]["email"]
    late = {
        i
        for i in expected_reminders
        if (answer := first[i]) is not None and answer > children[(i, "reminder")].received
    }
    assert threads["reminders_sent"] == len(expected_reminders)
    only_after = threads["answered_only_after_reminder"]
    assert (only_after["count"], only_after["of"]) == (len(late), len(planned))
    partial = {i for i, s in planned.items() if s.company == "halbwahr"}  # a partial first answer, by design
    resolved = {
        i
        for i in partial
        if any(r["kind"] == "human" and r["behaviour"] == "partial_then_full" for r in followups[i].replies)
    }
    resolved_figure = threads["resolved_after_followup"]
    assert (resolved_figure["count"], resolved_figure["of"]) == (len(resolved), len(partial)) == (2, 2)

    # The pages: the worse company marked, in English and German.
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'data-company="slipping" class="worse"' in page
    seite = (german / "index.html").read_text(encoding="utf-8")
    assert "Wellen im Vergleich" in seite and "verschlechtert" in seite
    assert json.loads((german / "report.json").read_text(encoding="utf-8"))["waves"] == section
    # Both pages show the figures checked above: per company and wave, by weekday and hour, reminders.
    on_page = figures_shown(page, data)
    assert on_page == figures_shown(seite, data)
    assert on_page >= 2 * 2 * len(sandbox.companies) + 5

    # The gate fails on the companies marked worse, and only on them.
    gate = servaudit(
        last,
        "gate",
        "-a",
        folder,
        "--report",
        str(out / "report.json"),
        "--rule",
        "all.wave_drop == 0",
        "--json",
    )
    assert gate.returncode == 1, gate.stderr
    assert [r["scope"] for r in json.loads(gate.stdout) if r["status"] == "fail"] == worse
