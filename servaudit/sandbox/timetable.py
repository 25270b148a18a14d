"""Companies whose answers depend on when an inquiry arrives: opening hours, weekends, and a service
that got worse from a given day on (the sandbox living in time, issue 18).

A ``Timetable`` says when a company's person answers an inquiry received at a given moment, in the
company's time zone: within ``within_seconds`` during opening hours on its working days; otherwise on
the next working day at ``next_day_hour`` (or never, when that is None). From ``worse_from`` on,
every answer takes ``worse_seconds`` instead. Pure: the sandbox asks it, the tests read the same
answer from the ground truth (the record's ``expected_at``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from servaudit.sandbox.behaviours import PlannedReply
from servaudit.sandbox.fleet import SandboxCompany

WEEKDAYS_ONLY = (0, 1, 2, 3, 4)
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)


@dataclass(frozen=True)
class Timetable:
    days: tuple[int, ...] = WEEKDAYS_ONLY
    """Working days, Monday = 0."""
    opens: int = 9
    closes: int = 17
    """Opening hours (whole hours, closes exclusive; 0 and 24 for round the clock)."""
    within_seconds: float = 2 * 3600
    """How long an answer takes when the inquiry arrives during opening hours."""
    next_day_hour: int | None = 10
    """Outside opening hours: answered on the next working day at this hour; None: never answered."""
    timezone: str = "Europe/Berlin"
    worse_from: datetime | None = None
    """From this moment on the service is worse: every answer takes ``worse_seconds``."""
    worse_seconds: float = 3 * 86400

    def __post_init__(self) -> None:
        if not self.days or any(d not in EVERY_DAY for d in self.days):
            raise ValueError("timetable days are weekday numbers 0 (Monday) to 6 (Sunday)")
        if not 0 <= self.opens < self.closes <= 24:
            raise ValueError("timetable hours need 0 <= opens < closes <= 24")
        if self.worse_from is not None and self.worse_from.tzinfo is None:
            raise ValueError("timetable worse_from needs a time zone")

    def answer_at(self, received: datetime) -> datetime | None:
        """When the answer to an inquiry received at ``received`` arrives (UTC); None for never."""
        if self.worse_from is not None and received >= self.worse_from:
            return (received + timedelta(seconds=self.worse_seconds)).astimezone(UTC)
        local = received.astimezone(ZoneInfo(self.timezone))
        if local.weekday() in self.days and self.opens <= local.hour < self.closes:
            return (received + timedelta(seconds=self.within_seconds)).astimezone(UTC)
        if self.next_day_hour is None:
            return None
        day = local.date()
        # Before opening on a working day, the answer comes that very morning.
        if not (local.weekday() in self.days and local.hour < self.opens):
            day += timedelta(days=1)
        while day.weekday() not in self.days:
            day += timedelta(days=1)
        at = datetime.combine(day, time(self.next_day_hour), ZoneInfo(self.timezone))
        return at.astimezone(UTC)

    def replan(self, received: datetime, planned: Sequence[PlannedReply]) -> list[PlannedReply]:
        """The company's replies with the person's answer moved to when this timetable says (or dropped,
        for never); what its machines send (an acknowledgement) keeps its own delay."""
        answer_at = self.answer_at(received)
        moved = []
        for reply in planned:
            if reply.kind != "human":
                moved.append(reply)
            elif answer_at is not None:
                moved.append(replace(reply, delay_seconds=(answer_at - received).total_seconds()))
        return moved


def timed_fleet(worse_from: datetime) -> tuple[SandboxCompany, ...]:
    """The companies living in time; the last one's service gets worse from ``worse_from`` on (a
    second wave sent after it finds it slower). Not in the default fleet: the demo stays as it is."""
    return (
        _timed("buerozeit", "Bürozeit Versand GmbH", "buerozeit-versand", "de", Timetable()),
        # Round the clock on weekdays, closed at weekends: Saturday's inquiry waits for Monday 10:00.
        _timed(
            "weekendclosed",
            "Weekday Web Shop Ltd",
            "weekday-webshop",
            "en",
            Timetable(WEEKDAYS_ONLY, 0, 24, 3600),
        ),
        _timed(
            "slipping",
            "Slipping Standards Telecom",
            "slipping-telecom",
            "en",
            Timetable(EVERY_DAY, opens=0, closes=24, within_seconds=3600, worse_from=worse_from),
        ),
    )


def _timed(slug: str, name: str, domain: str, language: str, timetable: Timetable) -> SandboxCompany:
    return SandboxCompany(
        slug=slug,
        name=name,
        domain=f"{domain}.example",
        address=f"service@{domain}.example",
        behaviour="human",
        language=language,
        timetable=timetable,
    )
