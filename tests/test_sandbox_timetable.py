"""The sandbox's timetables: when a company living in time answers, by the weekday and hour an inquiry
arrives in its time zone (pure; the end-to-end study is tests/test_waves_study.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from servaudit.sandbox.behaviours import PlannedReply
from servaudit.sandbox.timetable import EVERY_DAY, Timetable, timed_fleet

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in December 2026 in Berlin (1 December is a Tuesday)."""
    return datetime(2026, 12, day, hour, minute, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("received", "answered"),
    [
        (at(1, 10), at(1, 12)),  # Tuesday morning: within two hours
        (at(1, 16, 59), at(1, 18, 59)),  # just before closing: still within two hours
        (at(1, 17), at(2, 10)),  # Tuesday evening: Wednesday 10:00
        (at(2, 7), at(2, 10)),  # before opening: that morning
        (at(4, 18), at(7, 10)),  # Friday evening: Monday
        (at(5, 20), at(7, 10)),  # Saturday evening: Monday
        (at(6, 11), at(7, 10)),  # Sunday: Monday
    ],
)
def test_office_hours_answer_within_two_hours_else_the_next_working_day(
    received: datetime, answered: datetime
) -> None:
    assert Timetable().answer_at(received) == answered.astimezone(UTC)


def test_closed_at_weekends_and_a_service_that_got_worse_and_one_that_never_answers_out_of_hours() -> None:
    weekdays = Timetable(opens=0, closes=24, within_seconds=3600)
    assert weekdays.answer_at(at(1, 23)) == at(2, 0).astimezone(UTC)
    assert weekdays.answer_at(at(5, 20)) == at(7, 10).astimezone(UTC)
    worse = Timetable(EVERY_DAY, opens=0, closes=24, within_seconds=3600, worse_from=at(14, 0))
    assert worse.answer_at(at(5, 20)) == at(5, 21).astimezone(UTC)
    assert worse.answer_at(at(15, 10)) == (at(15, 10) + timedelta(days=3)).astimezone(UTC)
    assert Timetable(next_day_hour=None).answer_at(at(5, 20)) is None


def test_replan_moves_the_persons_answer_and_leaves_the_machines_alone() -> None:
    def reply(kind: str, delay: float) -> PlannedReply:
        return PlannedReply(kind, delay, "a@b.example", "c@d.example", lambda _now: b"")

    planned = [reply("acknowledgement", 0.0), reply("human", 20.0)]
    moved = Timetable().replan(at(5, 20), planned)
    assert [(r.kind, r.delay_seconds) for r in moved] == [("acknowledgement", 0.0), ("human", 38 * 3600.0)]
    assert [r.kind for r in Timetable(next_day_hour=None).replan(at(5, 20), planned)] == ["acknowledgement"]


def test_bad_timetables_are_refused_and_the_timed_fleet_is_valid() -> None:
    with pytest.raises(ValueError, match="opens < closes"):
        Timetable(opens=18, closes=9)
    with pytest.raises(ValueError, match="weekday numbers"):
        Timetable(days=(7,))
    fleet = timed_fleet(at(14, 0))
    assert [c.slug for c in fleet] == ["buerozeit", "weekendclosed", "slipping"]
    assert all(c.timetable is not None and c.domain.endswith(".example") for c in fleet)
