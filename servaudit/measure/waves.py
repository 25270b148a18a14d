"""Longitudinal figures: waves compared per company, and answers by send weekday and hour (pure).

A wave is the same set of inquiries sent again (`servaudit run --wave N`). Per company (and per
company and channel where the company was asked in more than one channel) and wave: the share of
delivered inquiries a person answered within 24 h (with n and a 95% Wilson interval) and the median
time to the first human answer from the Kaplan–Meier curve (unanswered inquiries censored, never
zeros; None while fewer than half were answered). Between consecutive waves: the change, Fisher's
exact test of the two shares and the log-rank test of the two curves (servaudit/measure/
significance.py). A company got **worse** when either test is significant at ``ALPHA`` and points
down (a lower share, or slower answers). Times are on the report's clock (calendar or business hours).

Send time: the share answered within 24 h by the weekday and the hour band an inquiry was sent in
the audit's time zone, each with its n.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import Any

from servaudit.businesshours import WEEKDAYS
from servaudit.measure.facts import InquiryFacts
from servaudit.measure.figures import MeasureContext, observation
from servaudit.measure.significance import fisher_exact, logrank
from servaudit.measure.stats import answered_curve, part_of

ALPHA = 0.05
"""Significance level of a change between waves."""
DAY_SECONDS = 24 * 3600
HOUR_BANDS: tuple[tuple[str, int, int], ...] = (
    ("00-08", 0, 8),
    ("08-12", 8, 12),
    ("12-17", 12, 17),
    ("17-22", 17, 22),
    ("22-24", 22, 24),
)
"""Send-hour bands (from, to) in the audit's time zone: night, morning, afternoon, evening, late."""


def km_median(observations: Sequence[tuple[float, bool]]) -> float | None:
    """The Kaplan–Meier median: the first time half were answered; None if that never happened."""
    return next((moment for moment, share in answered_curve(observations) if share >= 0.5), None)


def wave_figures(facts: Sequence[InquiryFacts], context: MeasureContext) -> dict[str, Any]:
    """One group's figures in one wave."""
    observations = [observation(f, context) for f in facts if f.delivered]
    within = sum(1 for seconds, answered in observations if answered and seconds <= DAY_SECONDS)
    return {
        "delivered": len(observations),
        "human_responded": sum(1 for _, answered in observations if answered),
        "within_24h": part_of(within, len(observations)),
        "median_first_human_response_seconds": km_median(observations),
    }


def wave_change(
    earlier: Sequence[InquiryFacts], later: Sequence[InquiryFacts], context: MeasureContext
) -> dict[str, Any]:
    """What changed from one wave to the next, and whether it is significant."""
    before, after = wave_figures(earlier, context), wave_figures(later, context)
    a, n1 = before["within_24h"]["count"], before["delivered"]
    c, n2 = after["within_24h"]["count"], after["delivered"]
    share_p = fisher_exact(a, n1 - a, c, n2 - c) if n1 and n2 else None
    shares = (before["within_24h"]["share"], after["within_24h"]["share"])
    share_change = shares[1] - shares[0] if None not in shares else None
    medians = (before["median_first_human_response_seconds"], after["median_first_human_response_seconds"])
    test = logrank(
        [observation(f, context) for f in earlier if f.delivered],
        [observation(f, context) for f in later if f.delivered],
    )
    share_worse = share_p is not None and share_p < ALPHA and (share_change or 0) < 0
    curve_worse = test is not None and test.p < ALPHA and test.observed_minus_expected < 0
    share_better = share_p is not None and share_p < ALPHA and (share_change or 0) > 0
    curve_better = test is not None and test.p < ALPHA and test.observed_minus_expected > 0
    return {
        "change_in_share": share_change,
        "share_p": share_p,
        "median_change_seconds": medians[1] - medians[0] if None not in medians else None,
        "logrank_p": test.p if test else None,
        "significant": share_worse or curve_worse or share_better or curve_better,
        "worse": share_worse or curve_worse,
        "better": (share_better or curve_better) and not (share_worse or curve_worse),
    }


def compare_waves(
    facts: Sequence[InquiryFacts], context: MeasureContext, waves: Sequence[int]
) -> dict[str, Any]:
    """A group's figures per wave and the changes between consecutive waves (wave numbers as keys)."""
    by_wave = {wave: [f for f in facts if f.inquiry.wave == wave] for wave in waves}
    changes = [
        {"from": earlier, "to": later, **wave_change(by_wave[earlier], by_wave[later], context)}
        for earlier, later in itertools.pairwise(waves)
    ]
    return {
        "waves": {str(wave): wave_figures(by_wave[wave], context) for wave in waves},
        "changes": changes,
        "worse": any(change["worse"] for change in changes),
    }


def company_waves(
    facts: Sequence[InquiryFacts], context: MeasureContext, waves: Sequence[int]
) -> dict[str, Any]:
    """A company over the waves, all channels together and per channel when it was asked in more than one."""
    channels = sorted({f.inquiry.channel for f in facts})
    overall = compare_waves(facts, context, waves)
    by_channel = (
        {c: compare_waves([f for f in facts if f.inquiry.channel == c], context, waves) for c in channels}
        if len(channels) > 1
        else {}
    )
    return {**overall, "channels": by_channel}


def by_send_time(facts: Sequence[InquiryFacts], context: MeasureContext, zone: tzinfo) -> dict[str, Any]:
    """Share of delivered inquiries answered by a person within 24 h, by send weekday and hour band."""
    sent = [
        (f.inquiry.sent_at.astimezone(zone), observation(f, context))
        for f in facts
        if f.delivered and f.inquiry.sent_at is not None
    ]

    def table(key: Callable[[datetime], str], keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        rows = {}
        for k in keys:
            group = [(s, answered) for moment, (s, answered) in sent if key(moment) == k]
            rows[k] = part_of(sum(1 for s, answered in group if answered and s <= DAY_SECONDS), len(group))
        return rows

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
    waves = sorted({f.inquiry.wave for f in facts if f.delivered})
    per_company = {
        slug: company_waves(mine, context, waves)
        for slug in companies
        if (mine := [f for f in facts if f.inquiry.company == slug])
    }
    return {
        "waves": waves,
        "alpha": ALPHA,
        "companies": per_company,
        "worse": [slug for slug, figures in per_company.items() if figures["worse"]],
        "send_time": by_send_time(facts, context, zone),
    }
