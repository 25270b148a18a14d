"""A study's schedule: reproducible from its seed, strata balanced per company, inside the send window."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from servaudit.config import AuditConfig
from servaudit.consent import is_sandbox, sandbox_target
from servaudit.errors import ConfigError
from servaudit.schedule import STRATA, WEEKDAY_DAY, WEEKEND, Study, schedule, stratum_of

BERLIN = ZoneInfo("Europe/Berlin")
START = Study("3f2a9c", datetime(2026, 12, 7, 6, 0, tzinfo=UTC))


def config(waves: dict[str, Any], window: dict[str, Any] | None = None, companies: int = 3) -> AuditConfig:
    return AuditConfig.model_validate(
        {
            "audit": {"timezone": "Europe/Berlin", "waves": waves, "send_window": window or {}},
            "persona": {"name": "Anna Schmidt", "email": "anna@mailbox.example"},
            "scenarios": {name: {"subject": "Frage", "body": "Hallo"} for name in ("tarif", "kuendigung")},
            "companies": {
                f"c{n}": {
                    "name": f"Firma {n}",
                    "email": f"service@c{n}.example",
                    "form": f"http://127.0.0.1:8080/c{n}/form",
                    "chat": f"http://127.0.0.1:8080/c{n}/chat",
                }
                for n in range(companies)
            },
        }
    )


def test_the_same_seed_plans_the_same_times_and_another_seed_others() -> None:
    audit = config({"count": 2, "every_days": 14})
    first = [(s.inquiry.id, s.at, s.stratum) for s in schedule(audit, START)]
    again = [(s.inquiry.id, s.at, s.stratum) for s in schedule(audit, START)]
    other = [(s.inquiry.id, s.at, s.stratum) for s in schedule(audit, Study("other", START.started_at))]
    assert first == again
    assert len(first) == 3 * 3 * 2 * 2
    assert sorted(first) != sorted(other)


def test_adding_a_company_moves_nobody_elses_times() -> None:
    small = {s.inquiry.id: s.at for s in schedule(config({"count": 2}, companies=2), START)}
    large = {s.inquiry.id: s.at for s in schedule(config({"count": 2}, companies=3), START)}
    assert {key: large[key] for key in small} == small


@pytest.mark.parametrize("waves", [1, 2, 3, 4])
def test_every_company_gets_a_fair_mix_of_strata_in_each_wave_and_over_the_study(waves: int) -> None:
    slots = schedule(config({"count": waves, "every_days": 14}), START)
    for company in ("c0", "c1", "c2"):
        mine = [s for s in slots if s.inquiry.company == company]
        overall = Counter(s.stratum for s in mine)
        assert set(overall) == set(STRATA)
        assert max(overall.values()) - min(overall.values()) <= 1, overall
        for wave in range(1, waves + 1):
            per_wave = Counter(s.stratum for s in mine if s.inquiry.wave == wave)
            assert max(per_wave.values()) - min(per_wave.values()) <= 1, (wave, per_wave)
    if waves > 1:
        # One inquiry (a channel and scenario of a company) is asked in different strata across waves.
        by_inquiry: dict[str, set[str]] = {}
        for s in slots:
            by_inquiry.setdefault(s.inquiry.id.rsplit(".", 1)[0], set()).add(s.stratum)
        assert all(len(strata) > 1 for strata in by_inquiry.values())


def test_each_time_lies_in_its_stratum_inside_the_window_and_its_wave() -> None:
    window = {"days": ["mon", "tue", "wed", "thu", "fri", "sat"], "from": "07:30", "until": "20:00"}
    slots = schedule(config({"count": 2, "every_days": 14, "spread_days": 5}, window), START)
    for s in slots:
        local = s.at.astimezone(BERLIN)
        assert stratum_of(s.at, BERLIN) == s.stratum
        assert local.weekday() != 6, "no Sunday in this window"
        assert time(7, 30) <= local.time() < time(20, 0)
        first_day = date(2026, 12, 7) if s.inquiry.wave == 1 else date(2026, 12, 21)
        assert 0 <= (local.date() - first_day).days < 5
        assert s.at >= START.started_at


def test_a_window_without_evenings_and_weekends_puts_everything_in_weekday_daytime() -> None:
    window = {"days": ["mon", "tue", "wed", "thu", "fri"], "from": "09:00", "until": "17:00"}
    slots = schedule(config({"count": 2}, window), START)
    assert {s.stratum for s in slots} == {WEEKDAY_DAY}


def test_public_holidays_of_the_state_are_outside_the_window() -> None:
    # Wave 1 spans Christmas: 25 and 26 December are public holidays in Berlin, 24 December is not.
    window = {"holidays": "DE-BE"}
    waves = {"count": 1, "start": date(2026, 12, 24), "spread_days": 4}
    slots = schedule(config(waves, window, companies=12), START)
    days = Counter(s.at.astimezone(BERLIN).date() for s in slots)
    assert date(2026, 12, 25) not in days and date(2026, 12, 26) not in days
    assert days[date(2026, 12, 24)] and days[date(2026, 12, 27)]
    assert {s.stratum for s in slots} == {WEEKDAY_DAY, "weekday_evening", WEEKEND}


def test_a_window_that_leaves_a_wave_no_time_is_a_clear_error() -> None:
    window = {"days": ["sun"], "holidays": "DE-BE"}
    waves = {"count": 1, "start": date(2026, 12, 7), "spread_days": 5}  # Monday to Friday
    with pytest.raises(ConfigError, match="leaves no time in wave 1"):
        schedule(config(waves, window), START)


@pytest.mark.parametrize(
    ("channel", "target", "sandbox"),
    [
        ("email", "service@nordwind.example", True),
        ("email", "a@shop.test", True),
        ("email", "a@x.invalid", True),
        ("email", "a@mail.example.com", True),
        ("email", "a@example.org", True),
        ("email", "a@example.de", False),
        ("email", "a@notexample.com", False),
        ("email", "a@nordwind.de", False),
        ("form", "http://127.0.0.1:8080/kontakt", True),
        ("chat", "http://[::1]:8080/chat", True),
        ("form", "http://localhost:8080/", True),
        ("form", "https://www.nordwind.example/kontakt", False),
        ("chat", "https://nordwind.de/chat", False),
    ],
)
def test_the_sandbox_is_reserved_mail_domains_and_loopback_pages_only(
    channel: str, target: str, sandbox: bool
) -> None:
    assert sandbox_target(channel, target) is sandbox


def test_one_live_target_makes_the_whole_audit_live() -> None:
    audit = config({"count": 1}, companies=2)
    assert is_sandbox(audit)
    data = audit.model_dump(by_alias=True)
    data["companies"]["c1"]["email"] = "service@nordwind.de"
    assert not is_sandbox(AuditConfig.model_validate(data))


def test_the_scaffolds_commented_study_keys_load_when_uncommented(tmp_path: Path) -> None:
    from servaudit.config import load_config
    from servaudit.scaffold import init

    path = init(tmp_path, False)
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if line == "# [audit.waves]")
    end = next(n for n, line in enumerate(lines) if line.startswith("# domain_spacing_minutes"))
    study = [
        line.removeprefix("# ") if (line.startswith("# ") and "=" in line) or "[audit." in line else line
        for line in lines[start : end + 1]
    ]
    assert sum(1 for line in study if line.startswith("[audit.")) == 3
    path.write_text("\n".join(lines[:start] + study + lines[end + 1 :]), encoding="utf-8")
    (tmp_path / "do-not-contact.txt").write_text("")
    loaded = load_config(path).audit
    assert loaded.waves is not None and loaded.waves.count == 2 and loaded.send_window.holidays == "DE-BE"
    assert loaded.limits.per_company_per_month == 4
