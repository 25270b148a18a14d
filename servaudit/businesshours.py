"""The clock a response time is measured on: calendar time, or business hours with public holidays.

A business clock counts only the seconds inside opening hours on working
days, in the audit's time zone: weekends, public holidays (from the
maintained `holidays` library, by country and state) and nights do not
count. Opening hours are local wall-clock times, so a daylight-saving change
never stretches or shrinks a working day; calendar time across the same
change is the true elapsed time. Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from servaudit.errors import ConfigError

if TYPE_CHECKING:
    from servaudit.config import Audit

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Clock = Callable[[datetime, datetime], float]
"""Seconds from the first moment to the second on some clock (never negative)."""


def calendar_seconds(start: datetime, end: datetime) -> float:
    # In UTC: Python subtracts two datetimes of the same zone by wall clock, ignoring a DST change.
    return max(0.0, (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds())


@lru_cache(maxsize=64)
def _holiday_calendar(region: str) -> Any:
    # Imported here: the holidays library takes about 0.1 s to load, and most commands need no calendar.
    import holidays as holiday_library

    country, _, subdivision = region.partition("-")
    try:
        return holiday_library.country_holidays(country.upper(), subdiv=subdivision.upper() or None)
    except (NotImplementedError, KeyError) as exc:
        raise ConfigError(
            f"holiday region {region!r} is unknown: use a country code with an optional state, "
            f"e.g. 'DE', 'DE-BY', 'AT', 'US-NY' ({exc})"
        ) from None


def holiday_region_error(region: str) -> str | None:
    """Why ``region`` names no holiday calendar, or None when it does."""
    try:
        _holiday_calendar(region)
    except ConfigError as exc:
        return str(exc)
    return None


@dataclass(frozen=True)
class BusinessWeek:
    """Opening hours: the same hours on every listed weekday, in one time zone, minus holidays."""

    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    opens: time = time(9, 0)
    closes: time | None = time(17, 0)
    """None means midnight at the end of the day (open until 24:00)."""
    timezone: str = "Europe/Berlin"
    holidays: str | None = None
    """A country code with an optional state: "DE", "DE-BY", "AT", "US-NY"; None: no holidays."""
    extra_closed: tuple[date, ...] = field(default=())

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"time zone {self.timezone!r} is unknown (e.g. 'Europe/Berlin')") from None
        unknown = [d for d in self.days if d not in WEEKDAYS]
        if unknown:
            raise ConfigError(f"unknown weekday {unknown[0]!r}; use {', '.join(WEEKDAYS)}")
        if self.closes is not None and self.closes <= self.opens:
            raise ConfigError("business hours must close after they open")
        if self.holidays:
            _holiday_calendar(self.holidays)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def holiday_name(self, day: date) -> str | None:
        if day in self.extra_closed:
            return "closed"
        if not self.holidays:
            return None
        name = _holiday_calendar(self.holidays).get(day)
        return str(name) if name else None

    def is_working_day(self, day: date) -> bool:
        return WEEKDAYS[day.weekday()] in self.days and self.holiday_name(day) is None

    def hours_of(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's opening interval as aware datetimes, or None when closed all day."""
        if not self.is_working_day(day):
            return None
        zone = self.zone
        start = datetime.combine(day, self.opens, tzinfo=zone)
        if self.closes is None:
            end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        else:
            end = datetime.combine(day, self.closes, tzinfo=zone)
        return start, end

    def seconds(self, start: datetime, end: datetime) -> float:
        """Business seconds between two aware moments."""
        if end <= start:
            return 0.0
        zone = self.zone
        day = start.astimezone(zone).date()
        last = end.astimezone(zone).date()
        total = 0.0
        while day <= last:
            hours = self.hours_of(day)
            if hours is not None:
                lo, hi = max(hours[0], start), min(hours[1], end)
                if hi > lo:
                    total += calendar_seconds(lo, hi)
            day += timedelta(days=1)
        return total

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days that began after ``start``'s working day, up to ``end``: 0 = same working day.

        An inquiry that arrives outside opening hours belongs to the next working day.
        """
        zone = self.zone
        first = self._effective_day(start.astimezone(zone))
        day = first + timedelta(days=1)
        last = end.astimezone(zone).date()
        count = 0
        while day <= last:
            if self.is_working_day(day):
                count += 1
            day += timedelta(days=1)
        return count

    def _effective_day(self, local: datetime) -> date:
        day = local.date()
        hours = self.hours_of(day)
        if hours is not None and local < hours[1]:
            return day
        day += timedelta(days=1)
        for _ in range(400):  # a year without a working day is a configuration mistake
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise ConfigError("the business week has no working day")


def calendar_working_days(start: datetime, end: datetime, zone: str = "UTC") -> int:
    """Calendar days between two moments' local dates (the calendar clock's 'working days')."""
    tz = ZoneInfo(zone)
    return max(0, (end.astimezone(tz).date() - start.astimezone(tz).date()).days)


def business_week(audit: Audit) -> BusinessWeek:
    """The audit's business week (audit.business_hours in audit.timezone), built in this one place."""
    info = audit.config.audit
    hours = info.business_hours
    try:
        return BusinessWeek(
            days=hours.days,
            opens=time.fromisoformat(hours.opens),
            closes=None if hours.closes == "24:00" else time.fromisoformat(hours.closes),
            timezone=info.timezone,
            holidays=hours.holidays,
        )
    except ConfigError as exc:
        raise ConfigError(f"{audit.path}: audit.business_hours / audit.timezone: {exc}") from None
