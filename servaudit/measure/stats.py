"""Statistics for the figures: medians, percentiles, rates with 95% Wilson intervals, the
Kaplan–Meier 'answered by time t' curve (pure)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

Z95 = 1.959963984540054


def median(values: Iterable[float]) -> float | None:
    data = list(values)
    return statistics.median(data) if data else None


def mean(values: Iterable[float]) -> float | None:
    data = list(values)
    return statistics.fmean(data) if data else None


def percentile(values: Iterable[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (the common 'type 7' definition)."""
    data = sorted(values)
    if not data:
        return None
    position = (len(data) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (position - low)


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def wilson(part: int, whole: int, z: float = Z95) -> tuple[float, float] | None:
    """95% Wilson score interval of a rate; None without a denominator."""
    if whole <= 0:
        return None
    p = part / whole
    denominator = 1 + z * z / whole
    centre = (p + z * z / (2 * whole)) / denominator
    half = z * math.sqrt(p * (1 - p) / whole + z * z / (4 * whole * whole)) / denominator
    # Exact ends for 0 of n and n of n (the formula leaves a rounding crumb there).
    low = 0.0 if part == 0 else max(0.0, centre - half)
    high = 1.0 if part == whole else min(1.0, centre + half)
    return low, high


def answered_curve(observations: Iterable[tuple[float, bool]]) -> list[tuple[float, float]]:
    """Kaplan–Meier 'share answered by time t' from (time, answered) pairs.

    An unanswered inquiry is censored at the time it was observed for (the end
    of the window, or now while the window is open): it counts as at risk up to
    then and is never a zero. Returns the steps (t, share answered by t),
    starting at (0, 0).
    """
    data = sorted(observations)
    points = [(0.0, 0.0)]
    survival = 1.0
    at_risk = len(data)
    index = 0
    while index < len(data):
        moment = data[index][0]
        events = censored = 0
        while index < len(data) and data[index][0] == moment:
            if data[index][1]:
                events += 1
            else:
                censored += 1
            index += 1
        if events:
            survival *= 1 - events / at_risk
            points.append((moment, 1 - survival))
        at_risk -= events + censored
    return points


def share_at(curve: Sequence[tuple[float, float]], seconds: float) -> float:
    """The curve's value at a time (a step function: the last step at or before it)."""
    value = 0.0
    for moment, share in curve:
        if moment > seconds:
            break
        value = share
    return value


def share_of_companies(values: Iterable[bool]) -> dict[str, Any]:
    flags = list(values)
    return part_of(sum(flags), len(flags))


def part_of(count: int, of: int) -> dict[str, Any]:
    """A count with its denominator, share and 95% Wilson interval (report.json's usual shape)."""
    ci = wilson(count, of)
    return {
        "count": count,
        "of": of,
        "share": rate(count, of),
        "low": ci[0] if ci else None,
        "high": ci[1] if ci else None,
    }


def km_median(observations: Iterable[tuple[float, bool]]) -> float | None:
    """The Kaplan–Meier median: the first time half were answered; None if that never happened."""
    return next((moment for moment, share in answered_curve(observations) if share >= 0.5), None)
