"""Longitudinal figures: waves compared per company, and answers by send weekday and hour (pure).

A wave is the same set of inquiries sent again (`servaudit run --wave N`). Per company (and per
company and channel where the company was asked in more than one channel) and wave: the share of
delivered inquiries a person answered within 24 h (with n and a 95% Wilson interval) and the median
time to the first human answer from the Kaplan–Meier curve (unanswered inquiries censored, never
zeros; None while fewer than half were answered). Between consecutive waves: the change, Fisher's
exact test of the two shares and the log-rank test of the two curves (measure/compare.py, the
one place for between-group tests). A company got **worse** when either test is significant at
``ALPHA`` and points down (a lower share, or slower answers). Times are on the report's clock
(calendar or business hours).

Send time: the share answered within 24 h by the weekday and the hour band an inquiry was sent in
the audit's time zone, each with its n.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from servaudit.businesshours import WEEKDAYS
from servaudit.measure.compare import ALPHA, LogRank, Observation, fisher_exact, logrank, to_the_minute
from servaudit.measure.facts import InquiryFacts
from servaudit.measure.figures import MeasureContext, observation
from servaudit.measure.stats import km_median, part_of

DAY_SECONDS = 24 * 3600
HOUR_BANDS: tuple[tuple[str, int, int], ...] = (
    ("00-08", 0, 8),
    ("08-12", 8, 12),
    ("12-17", 12, 17),
    ("17-22", 17, 22),
    ("22-24", 22, 24),
)
"""Send-hour bands (from, to) in the audit's time zone: night, morning, afternoon, evening, late."""


@dataclass(frozen=True)
class Sent:
    """A delivered inquiry as the longitudinal figures see it (its observation measured once)."""

    company: str
    channel: str
    wave: int
    at: datetime
    """When it was sent, in the audit's time zone."""
    observation: Observation


def wave_figures(observations: Sequence[Observation]) -> dict[str, Any]:
    """One group's figures in one wave."""
    within = sum(1 for seconds, answered in observations if answered and seconds <= DAY_SECONDS)
    return {
        "delivered": len(observations),
        "human_responded": sum(1 for _, answered in observations if answered),
        "within_24h": part_of(within, len(observations)),
        "median_first_human_response_seconds": km_median(observations),
    }


def wave_change(before: dict[str, Any], after: dict[str, Any], curves: LogRank | None) -> dict[str, Any]:
    """What changed from one wave's figures to the next's, and whether it is significant."""
    a, n1 = before["within_24h"]["count"], before["delivered"]
    c, n2 = after["within_24h"]["count"], after["delivered"]
    share_p = fisher_exact(a, n1 - a, c, n2 - c) if n1 and n2 else None
    shares = (before["within_24h"]["share"], after["within_24h"]["share"])
    share_change = shares[1] - shares[0] if None not in shares else None
    medians = (before["median_first_human_response_seconds"], after["median_first_human_response_seconds"])
    share_significant = share_p is not None and share_p < ALPHA
    curves = curves if curves is not None and curves.tested else None
    curve_significant = curves is not None and curves.p_value < ALPHA
    worse = (share_significant and (share_change or 0) < 0) or (
        curve_significant and curves is not None and curves.second_slower
    )
    better = (share_significant and (share_change or 0) > 0) or (
        curve_significant and curves is not None and not curves.second_slower
    )
    return {
        "change_in_share": share_change,
        "share_p": share_p,
        "median_change_seconds": medians[1] - medians[0] if None not in medians else None,
        "logrank_p": curves.p_value if curves else None,
        "significant": worse or better,
        "worse": worse,
        "better": better and not worse,
    }


def compare_waves(sent: Sequence[Sent], waves: Sequence[int]) -> dict[str, Any]:
    """A group's figures per wave and the changes between consecutive waves (wave numbers as keys)."""
    by_wave: dict[int, list[Observation]] = {wave: [] for wave in waves}
    for item in sent:
        by_wave[item.wave].append(item.observation)
    figures = {wave: wave_figures(by_wave[wave]) for wave in waves}
    changes = [
        {
            "from": earlier,
            "to": later,
            **wave_change(
                figures[earlier],
                figures[later],
                logrank(to_the_minute(by_wave[earlier]), to_the_minute(by_wave[later])),
            ),
        }
        for earlier, later in itertools.pairwise(waves)
    ]
    return {
        "waves": {str(wave): figures[wave] for wave in waves},
        "changes": changes,
        "worse": any(change["worse"] for change in changes),
    }


def company_waves(sent: Sequence[Sent], waves: Sequence[int]) -> dict[str, Any]:
    """A company over the waves, all channels together and per channel when it was asked in more than one."""
    channels = sorted({item.channel for item in sent})
    by_channel = (
        {c: compare_waves([item for item in sent if item.channel == c], waves) for c in channels}
        if len(channels) > 1
        else {}
    )
    return {**compare_waves(sent, waves), "channels": by_channel}


def by_send_time(sent: Sequence[Sent]) -> dict[str, Any]:
    """Share of delivered inquiries answered by a person within 24 h, by send weekday and hour band."""

    def table(key: Callable[[datetime], str], keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        groups: dict[str, list[bool]] = {k: [] for k in keys}
        for item in sent:
            seconds, answered = item.observation
            groups[key(item.at)].append(answered and seconds <= DAY_SECONDS)
        return {k: part_of(sum(flags), len(flags)) for k, flags in groups.items()}

    return {
        "weekday": table(lambda m: WEEKDAYS[m.weekday()], WEEKDAYS),
        "hour_band": table(_band, [name for name, _, _ in HOUR_BANDS]),
    }


def _band(moment: datetime) -> str:
    return next(name for name, start, end in HOUR_BANDS if start <= moment.hour < end)


def longitudinal(
    facts: Sequence[InquiryFacts], context: MeasureContext, companies: Sequence[str], zone: tzinfo
) -> dict[str, Any]:
    """report.json's "waves" section (docs/report-json.md): per company and wave, the changes, the
    companies that got significantly worse, and answers by send weekday and hour band."""
    sent = [
        Sent(
            f.inquiry.company, f.inquiry.channel, f.inquiry.wave, at.astimezone(zone), observation(f, context)
        )
        for f in facts
        if f.delivered and (at := f.inquiry.sent_at) is not None
    ]
    waves = sorted({item.wave for item in sent})
    by_company: dict[str, list[Sent]] = {}
    for item in sent:  # one pass, not one per company: a study has thousands
        by_company.setdefault(item.company, []).append(item)
    asked = {f.inquiry.company for f in facts}  # a company with nothing delivered shows its n of 0
    per_company = {
        slug: company_waves(by_company.get(slug, []), waves) for slug in companies if slug in asked
    }
    return {
        "waves": waves,
        "alpha": ALPHA,
        "companies": per_company,
        "worse": [slug for slug, figures in per_company.items() if figures["worse"]],
        "send_time": by_send_time(sent),
    }
