"""Two small exact tests for comparing waves (pure; scipy is not a dependency, so written out here).

- ``fisher_exact``: two-sided Fisher's exact test of a 2×2 table (two shares), summing the
  hypergeometric probabilities no larger than the observed table's (the usual two-sided definition,
  as R's fisher.test and scipy.stats.fisher_exact compute it).
- ``logrank``: the log-rank test of two censored samples (time, answered): the chi-square statistic
  with one degree of freedom and its p-value, plus observed minus expected events of the second
  sample (negative: it was answered more slowly than the first).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

_RELATIVE_TOLERANCE = 1 + 1e-7
"""Tables as probable as the observed one, up to rounding, count as 'as extreme' (R and scipy do the same)."""


def fisher_exact(a: int, b: int, c: int, d: int) -> float:
    """Two-sided p-value of the table [[a, b], [c, d]] (rows: groups; columns: yes, no)."""
    if min(a, b, c, d) < 0:
        raise ValueError("a 2×2 table holds counts, not negative numbers")
    row1, row2, col1 = a + b, c + d, a + c
    total = row1 + row2
    if row1 == 0 or row2 == 0 or col1 == 0 or col1 == total:
        return 1.0
    denominator = math.comb(total, col1)

    def probability(x: int) -> float:
        return math.comb(row1, x) * math.comb(row2, col1 - x) / denominator

    observed = probability(a)
    low, high = max(0, col1 - row2), min(row1, col1)
    p = sum(q for x in range(low, high + 1) if (q := probability(x)) <= observed * _RELATIVE_TOLERANCE)
    return min(1.0, p)


@dataclass(frozen=True)
class LogRank:
    chi2: float
    p: float
    observed_minus_expected: float
    """Events of the second sample minus those expected under equal curves: below 0 it was slower."""


def logrank(first: Iterable[tuple[float, bool]], second: Iterable[tuple[float, bool]]) -> LogRank | None:
    """Compare two 'answered by time t' curves; None when no event happened in either sample."""
    samples = [(t, answered, 0) for t, answered in first] + [(t, answered, 1) for t, answered in second]
    samples.sort()
    at_risk = [sum(1 for *_, g in samples if g == 0), sum(1 for *_, g in samples if g == 1)]
    o_minus_e = variance = 0.0
    index = 0
    while index < len(samples):
        moment = samples[index][0]
        events = [0, 0]
        leaving = [0, 0]
        while index < len(samples) and samples[index][0] == moment:
            _, answered, group = samples[index]
            events[group] += answered
            leaving[group] += 1
            index += 1
        n, d = at_risk[0] + at_risk[1], events[0] + events[1]
        if d and n > 1:
            o_minus_e += events[1] - d * at_risk[1] / n
            variance += d * (at_risk[0] / n) * (at_risk[1] / n) * (n - d) / (n - 1)
        elif d:
            o_minus_e += events[1] - d * at_risk[1] / n
        at_risk = [at_risk[0] - leaving[0], at_risk[1] - leaving[1]]
    if variance <= 0:
        return None
    chi2 = o_minus_e * o_minus_e / variance
    return LogRank(chi2=chi2, p=math.erfc(math.sqrt(chi2 / 2)), observed_minus_expected=o_minus_e)
