"""report.json's "comparisons": whether companies really differ in how soon a person answers.

The statistics are measure/compare.py's; this gathers each company's (time, answered)
observations over its delivered inquiries (unanswered ones censored at the window's end, or
now while it is open) and lays the results out as report.json keys (docs/report-json.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from servaudit.measure.compare import (
    ALPHA,
    BOOTSTRAP_MINIMUM,
    BOOTSTRAP_ROUNDS,
    BOOTSTRAP_SEED,
    MINIMUM_DIFFERENCE,
    MINIMUM_SHARE,
    Observation,
    bootstrap_ranks,
    minimum_inquiries,
    pairwise,
    rank_ranges,
    restricted_mean,
    to_the_minute,
)
from servaudit.measure.facts import InquiryFacts
from servaudit.measure.figures import MeasureContext, observation

COMPARE_UP_TO = 100
"""Companies up to which every pair is tested (pairs grow with the square; a study gets a note)."""


def company_comparisons(
    by_company: Mapping[str, Sequence[InquiryFacts]], context: MeasureContext
) -> dict[str, Any]:
    """Pairwise Holm-corrected log-rank tests, rank ranges (ties) and bootstrap rank intervals over
    the companies with a delivered inquiry; every company gets its too-few-inquiries mark."""
    threshold = minimum_inquiries()
    groups: dict[str, list[Observation]] = {
        slug: [observation(f, context) for f in facts if f.delivered] for slug, facts in by_company.items()
    }
    compared = {slug: found for slug, found in groups.items() if found}
    found: dict[str, Any] = {
        "test": "logrank",
        "correction": "holm",
        "alpha": ALPHA,
        "compared": len(compared),
        "skipped": None,
        "minimum_inquiries": threshold,
        "minimum_share": MINIMUM_SHARE,
        "minimum_difference": MINIMUM_DIFFERENCE,
        "bootstrap": {
            "rounds": BOOTSTRAP_ROUNDS,
            "seed": BOOTSTRAP_SEED,
            "statistic": "restricted_mean",
            "minimum": BOOTSTRAP_MINIMUM,
        },
        "tied": False,
        "companies": {},
        "pairs": [],
    }
    horizon = max((t for found_ in compared.values() for t, _ in found_), default=0.0)
    if len(compared) > COMPARE_UP_TO:
        found["skipped"] = "too_many_companies"
    ranges: dict[str, tuple[int, int]] = {}
    intervals: dict[str, tuple[float, float]] = {}
    if 1 < len(compared) <= COMPARE_UP_TO:
        tests = pairwise({slug: to_the_minute(found_) for slug, found_ in compared.items()})
        ranges = rank_ranges(list(compared), tests)
        intervals = bootstrap_ranks(compared, horizon)
        found["pairs"] = [pair.as_dict() for pair in tests]
    for slug, observations in groups.items():
        low, high = ranges.get(slug, (None, None))
        boot_low, boot_high = intervals.get(slug, (None, None))
        found["companies"][slug] = {
            "delivered": len(observations),
            "answered": sum(1 for _, answered in observations if answered),
            "restricted_mean_seconds": restricted_mean(observations, horizon) if observations else None,
            "rank_from": low,
            "rank_to": high,
            "tied": low is not None and low != high,
            "bootstrap_rank_from": boot_low,
            "bootstrap_rank_to": boot_high,
            "too_few_inquiries": 0 < len(observations) < threshold,
        }
    found["tied"] = any(c["tied"] for c in found["companies"].values())
    return found
