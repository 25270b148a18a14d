"""When each inquiry of a study leaves: waves, the send window and stratified randomisation. Pure.

schedule = f(config, study): the study's seed is drawn once and kept in the store, so the same audit
and store always plan the same times.

Strata. A company may answer on Tuesday morning and not on Saturday evening, so each company's
inquiries are spread over three strata of the send window (local time of the window):

- ``weekday_day``: Monday to Friday, 08:00–18:00;
- ``weekday_evening``: Monday to Friday, before 08:00 or from 18:00;
- ``weekend``: Saturday and Sunday.

Only the strata the window leaves any time in count (a window of Mon–Fri 09:00–17:00 has one), and
public holidays of the window's region are outside the window. Per company, its inquiries of all waves
are dealt to the available strata in a seeded random order, one after the other: every stratum gets
the same number, ±1, within each wave and over the study, and one inquiry (channel × scenario) moves
to another stratum from wave to wave. Inside its stratum an inquiry's minute is drawn uniformly over
the wave's time in that stratum. Each draw is seeded by the study's seed and the company's slug or the
inquiry's id only, so adding a company changes nobody else's times.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from servaudit.businesshours import BusinessWeek
from servaudit.errors import ConfigError
from servaudit.plan import Inquiry, PlanSource, planned
from servaudit.store.study import StudyRecord as Study

if TYPE_CHECKING:  # `status` lists inquiries without loading pydantic (config_light.py)
    from servaudit.config import AuditConfig

WEEKDAY_DAY, WEEKDAY_EVENING, WEEKEND = "weekday_day", "weekday_evening", "weekend"
STRATA = (WEEKDAY_DAY, WEEKDAY_EVENING, WEEKEND)
DAYTIME = (time(8, 0), time(18, 0))
"""A weekday's daytime stratum, local time; before and after it is the evening stratum."""

Interval = tuple[datetime, datetime]
"""[start, end) in UTC."""


@dataclass(frozen=True)
class Slot:
    inquiry: Inquiry
    at: datetime
    """The planned send time (UTC); `run` sends the inquiry at its first call from then on."""
    stratum: str


def draw_seed() -> str:
    return secrets.token_hex(8)


def window_zone(config: AuditConfig) -> str:
    return config.audit.send_window.timezone or config.audit.timezone


def week(config: AuditConfig) -> BusinessWeek:
    """The send window as a week of opening hours (its holidays closed)."""
    window = config.audit.send_window
    return BusinessWeek(
        days=window.days,
        opens=time.fromisoformat(window.opens),
        closes=None if window.closes == "24:00" else time.fromisoformat(window.closes),
        timezone=window_zone(config),
        holidays=window.holidays,
    )


def inquiries(config: PlanSource) -> list[Inquiry]:
    """Every inquiry of the audit: of each wave of a study, else of wave 1."""
    waves = config.audit.waves
    return [i for wave in range(1, (waves.count if waves else 1) + 1) for i in planned(config, wave)]


def wave_span(config: AuditConfig, study: Study, wave: int) -> Interval:
    """When wave ``wave`` sends: from its first day (or the study's start) for ``spread_days`` days."""
    waves = config.audit.waves
    assert waves is not None
    zone = ZoneInfo(window_zone(config))
    if waves.start is not None:
        first = datetime.combine(waves.start, time(0))
    else:
        first = study.started_at.astimezone(zone).replace(tzinfo=None)
    begin = first + timedelta(days=(wave - 1) * waves.every_days)
    end = datetime.combine(begin.date() + timedelta(days=waves.spread), time(0))
    return begin.replace(tzinfo=zone).astimezone(UTC), end.replace(tzinfo=zone).astimezone(UTC)


def stratum_of(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    if local.weekday() >= 5:
        return WEEKEND
    return WEEKDAY_DAY if DAYTIME[0] <= local.time() < DAYTIME[1] else WEEKDAY_EVENING


def strata_intervals(window: BusinessWeek, span: Interval) -> dict[str, list[Interval]]:
    """The send window's time inside ``span``, by stratum (strata without any time are left out)."""
    zone = window.zone
    found: dict[str, list[Interval]] = {}
    day = span[0].astimezone(zone).date()
    while day <= span[1].astimezone(zone).date():
        hours = window.hours_of(day)
        if hours is not None:
            for start, end in _split(day, hours, zone):
                lo, hi = max(start.astimezone(UTC), span[0]), min(end.astimezone(UTC), span[1])
                if hi > lo:
                    found.setdefault(stratum_of(lo, zone), []).append((lo, hi))
        day += timedelta(days=1)
    return found


def _split(day: date, hours: Interval, zone: ZoneInfo) -> list[Interval]:
    """A weekday's window cut at the daytime stratum's edges, so each piece lies in one stratum."""
    cuts = sorted({hours[0], hours[1], *(datetime.combine(day, edge, tzinfo=zone) for edge in DAYTIME)})
    pieces = [(a, b) for a, b in pairwise(cuts) if hours[0] <= a and b <= hours[1]]
    return pieces if day.weekday() < 5 else [hours]


def _draw(intervals: list[Interval], rng: random.Random) -> datetime:
    """A minute drawn uniformly over the intervals' total length."""
    lengths = [(end - start).total_seconds() for start, end in intervals]
    offset = rng.uniform(0, sum(lengths))
    for (start, _end), length in zip(intervals, lengths, strict=True):
        if offset < length:
            return max(start, (start + timedelta(seconds=offset)).replace(second=0, microsecond=0))
        offset -= length
    return intervals[-1][0]  # the float landed exactly on the end


def schedule(config: AuditConfig, study: Study, channels: Iterable[str] | None = None) -> list[Slot]:
    """Every inquiry of every wave with its planned send time and stratum, in time order."""
    waves = config.audit.waves
    if waves is None:
        raise ValueError("an audit without [audit.waves] has no schedule: all it plans is due at once")
    window = week(config)
    by_wave = [planned(config, wave) for wave in range(1, waves.count + 1)]
    spans = [strata_intervals(window, wave_span(config, study, wave)) for wave in range(1, waves.count + 1)]
    for number, intervals in enumerate(spans, start=1):
        if not intervals:
            raise ConfigError(
                f"audit.send_window leaves no time in wave {number} ({waves.spread} days from"
                f" {wave_span(config, study, number)[0]:%Y-%m-%d}): allow more days or hours"
            )
    slots: list[Slot] = []
    for company in config.companies:
        rng = random.Random(f"{study.seed}|{company}")
        order = rng.sample(STRATA, len(STRATA))
        mine = [[i for i in wave if i.company == company] for wave in by_wave]
        positions = list(range(len(mine[0])))
        rng.shuffle(positions)
        for wave_index, wave_inquiries in enumerate(mine):
            available = [name for name in order if name in spans[wave_index]]
            count, size = len(available), len(wave_inquiries)
            # Deal on where the last wave stopped (an exact ±1 over the study); when a wave fills every
            # stratum equally, turn by one instead, so an inquiry still changes stratum between waves.
            shift = wave_index * (size if size % count else 1)
            for position, inquiry in zip(positions, wave_inquiries, strict=True):
                stratum = available[(position + shift) % count]
                at = _draw(spans[wave_index][stratum], random.Random(f"{study.seed}|{inquiry.id}"))
                slots.append(Slot(inquiry, at, stratum))
    wanted = set(channels) if channels is not None else None
    chosen = [s for s in slots if wanted is None or s.inquiry.channel in wanted]
    return sorted(chosen, key=lambda s: (s.at, s.inquiry.id))
