"""audit.toml's keys for a study over weeks: waves, the send window and the limits before a live send.

``[audit.waves]`` says how many times each inquiry is asked and how far apart; ``[audit.send_window]``
when an inquiry may leave (weekdays, hours, time zone, public holidays); ``[audit.limits]`` whom never
to contact and how much one company or one mail/web domain may receive. Kept apart from config.py,
which only hangs them under ``[audit]``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from servaudit.config_rules import timezone_name
from servaudit.config_types import Model

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
CLOCK_TIME = r"^([01]\d|2[0-3]):[0-5]\d$"
CLOCK_TIME_OR_MIDNIGHT = r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"


def check_week(
    days: tuple[str, ...], opens: tuple[str, str], closes: tuple[str, str], holidays: str | None, what: str
) -> None:
    """A week of hours that can hold something: a day, an end after its start, a known holiday region.

    ``opens`` and ``closes`` are (key, HH:MM); checked in the model, where the message can name the line."""
    if not days:
        raise ValueError(f"days is empty: {what} needs at least one weekday")
    if closes[1] != "24:00" and closes[1] <= opens[1]:
        raise ValueError(f"{closes[0]} ({closes[1]}) must be after {opens[0]} ({opens[1]})")
    if holidays:
        from servaudit.businesshours import holiday_region_error

        problem = holiday_region_error(holidays)
        if problem:
            raise ValueError(problem)


class Waves(Model):
    """Each planned inquiry is sent once per wave; wave n begins (n-1) × every_days after the first."""

    count: Annotated[int, Field(ge=1, le=52)] = 1
    every_days: Annotated[int, Field(ge=1, le=366)] = 14
    spread_days: Annotated[int, Field(ge=1, le=366)] | None = None
    """Days over which a wave's sends are spread (default: 7, or every_days if that is shorter)."""
    start: date | None = None
    """The first wave's first day (a TOML date, 2027-01-11); default: the moment the study begins
    (the first `servaudit run` or `servaudit plan`, stored with the seed)."""

    @model_validator(mode="after")
    def _spread_fits(self) -> Waves:
        if self.count > 1 and self.spread_days is not None and self.spread_days > self.every_days:
            raise ValueError(
                f"spread_days ({self.spread_days}) must not exceed every_days ({self.every_days}):"
                " a wave would still be sending when the next begins"
            )
        return self

    @property
    def spread(self) -> int:
        if self.spread_days is not None:
            return self.spread_days
        return min(7, self.every_days) if self.count > 1 else 7


class SendWindow(Model):
    """When an inquiry may leave: on these weekdays, between these local hours, never on a holiday."""

    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    opens: Annotated[str, Field(alias="from", pattern=CLOCK_TIME)] = "08:00"
    closes: Annotated[str, Field(alias="until", pattern=CLOCK_TIME_OR_MIDNIGHT)] = "21:00"
    timezone: Annotated[str, AfterValidator(timezone_name)] | None = None
    """Default: audit.timezone."""
    holidays: str | None = None
    """Public holidays on which nothing is sent: a country with an optional state, e.g. "DE-BE"."""

    @model_validator(mode="after")
    def _a_window(self) -> SendWindow:
        check_week(self.days, ("from", self.opens), ("until", self.closes), self.holidays, "the send window")
        return self


class Limits(Model):
    """Enforced before anything is sent; an inquiry they stop is recorded as refused, with the reason."""

    do_not_contact: str | tuple[Annotated[str, Field(min_length=1)], ...] = ()
    """A file (one address or domain a line, # comments; relative to the audit folder) or a list."""
    per_company_per_month: Annotated[int, Field(ge=1)] | None = None
    """At most this many sends to one company in a calendar month (the send window's time zone)."""
    domain_spacing_minutes: Annotated[float, Field(ge=0, le=60 * 24 * 31)] = 0
    """At least this long between two sends to one domain (an address's, a page's host)."""
