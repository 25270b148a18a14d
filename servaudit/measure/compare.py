"""Between-group tests: the one place that says whether a difference between groups is real (pure).

Every comparison of groups of inquiries (companies, and waves of one company) uses these
functions, so that one definition of "significant" holds across the report:

- ``logrank``: the log-rank (Mantel–Cox) test of two time-to-first-human-answer curves, with
  unanswered inquiries censored at the end of their observation (the window's end, or now
  while the window is open). The statistic is chi-square with 1 degree of freedom; its
  p-value is ``erfc(sqrt(x / 2))`` (no SciPy needed).
- ``fisher_exact``: two-sided Fisher's exact test of a 2×2 table (two shares: a wave against the
  one before), summing the hypergeometric probabilities no larger than the observed table's (as R's
  fisher.test and scipy.stats.fisher_exact compute it).
- ``holm``: Holm's step-down correction for many comparisons (adjusted p-values).
- ``rank_ranges``: from all pairwise tests, each group's range of ranks it may hold: a group
  is ranked above another only where the corrected test says they differ; groups whose
  differences are not significant share a rank range (they are tied).
- ``bootstrap_ranks``: 95% bootstrap intervals on each group's rank by the restricted mean
  time to a human answer (seeded, so a report is reproducible).
- ``sample_size`` / ``power``: inquiries per group needed to detect a difference of two shares
  (two-sided two-proportion z-test, the formula R's ``power.prop.test`` solves).
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from statistics import NormalDist
from typing import Any

from servaudit.errors import UsageError
from servaudit.measure.stats import answered_curve, percentile

Observation = tuple[float, bool]
"""(seconds observed, answered): the time to the first human answer, or the censoring time."""

ALPHA = 0.05
BOOTSTRAP_ROUNDS = 1000
BOOTSTRAP_SEED = 13
"""Fixed: the same store gives the same intervals in every report."""
BOOTSTRAP_MINIMUM = 5
"""Observations a group needs for its own rank interval: resampling one or two inquiries gives the
same few values every round, an interval that looks certain and is not."""


@dataclass(frozen=True)
class LogRank:
    statistic: float
    """Chi-square with 1 degree of freedom: (O1 - E1)² / V."""
    p_value: float
    observed: tuple[int, int]
    expected: tuple[float, float]
    variance: float

    @property
    def tested(self) -> bool:
        """Whether the curves could be compared at all (some answer, at a time both were watched)."""
        return self.variance > 0

    @property
    def second_slower(self) -> bool:
        """The second group was answered later than equal curves would have it."""
        return self.observed[1] < self.expected[1]

    @property
    def first_faster(self) -> bool:
        """The first group was answered sooner than the null hypothesis expects."""
        return self.observed[0] > self.expected[0]


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


TIE_SECONDS = 60
"""The log-rank test compares times to the first human answer to the minute. A send time is taken
after the SMTP transaction, an arrival is known to the second (IMAP), so two answers a company gave
equally fast differ by a fraction of a second; counted as different times they break the ties the
test relies on, and its p value swings with the noise (0.03 instead of 0.07 in the end-to-end study,
tests/test_study_end_to_end.py). Callers round before a test (waves, companies); the shares, medians
and means keep the measured times, and logrank() itself compares the times it is given."""


def to_the_minute(observations: Sequence[Observation]) -> list[Observation]:
    return [(round(seconds / TIE_SECONDS) * TIE_SECONDS, answered) for seconds, answered in observations]


def chi2_sf_1df(x: float) -> float:
    """P(X > x) for a chi-square variable with 1 degree of freedom."""
    return math.erfc(math.sqrt(max(x, 0.0) / 2))


def logrank(first: Sequence[Observation], second: Sequence[Observation]) -> LogRank:
    """The two-sample log-rank test over (time, answered) observations; censored ones stay at risk
    up to and including their own time (the usual convention: events before censorings)."""
    pooled = sorted({t for t, answered in (*first, *second) if answered})
    observed1 = observed2 = 0
    expected1 = expected2 = variance = 0.0
    for moment in pooled:
        n1 = sum(1 for t, _ in first if t >= moment)
        n2 = sum(1 for t, _ in second if t >= moment)
        d1 = sum(1 for t, a in first if a and t == moment)
        d2 = sum(1 for t, a in second if a and t == moment)
        n, d = n1 + n2, d1 + d2
        observed1 += d1
        observed2 += d2
        expected1 += d * n1 / n
        expected2 += d * n2 / n
        if n > 1:
            variance += d * (n1 / n) * (n2 / n) * (n - d) / (n - 1)
    statistic = (observed1 - expected1) ** 2 / variance if variance > 0 else 0.0
    return LogRank(
        statistic=statistic,
        p_value=chi2_sf_1df(statistic) if variance > 0 else 1.0,
        observed=(observed1, observed2),
        expected=(expected1, expected2),
        variance=variance,
    )


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input's order (as R's p.adjust(method="holm"))."""
    count = len(p_values)
    order = sorted(range(count), key=lambda i: p_values[i])
    adjusted = [1.0] * count
    running = 0.0
    for step, index in enumerate(order):
        running = max(running, min(1.0, (count - step) * p_values[index]))
        adjusted[index] = running
    return adjusted


@dataclass(frozen=True)
class PairTest:
    first: str
    second: str
    test: LogRank
    adjusted_p: float

    @property
    def significant(self) -> bool:
        return self.adjusted_p < ALPHA

    def as_dict(self) -> dict[str, object]:
        return {
            "first": self.first,
            "second": self.second,
            "statistic": self.test.statistic,
            "p_value": self.test.p_value,
            "adjusted_p_value": self.adjusted_p,
            "significant": self.significant,
            "faster": (self.first if self.test.first_faster else self.second) if self.significant else None,
        }


def pairwise(groups: Mapping[str, Sequence[Observation]]) -> list[PairTest]:
    """A log-rank test for every pair of groups, Holm-corrected over all pairs."""
    pairs = list(combinations(groups, 2))
    tests = [logrank(groups[a], groups[b]) for a, b in pairs]
    adjusted = holm([t.p_value for t in tests])
    return [PairTest(a, b, t, p) for (a, b), t, p in zip(pairs, tests, adjusted, strict=True)]


def rank_ranges(names: Sequence[str], tests: Sequence[PairTest]) -> dict[str, tuple[int, int]]:
    """Each group's possible ranks: 1 + the groups significantly faster, to the number of groups
    minus those significantly slower. A range wider than one rank means tied with another."""
    faster = {name: 0 for name in names}
    slower = {name: 0 for name in names}
    for pair in tests:
        if not pair.significant:
            continue
        winner, loser = (pair.first, pair.second) if pair.test.first_faster else (pair.second, pair.first)
        faster[loser] += 1
        slower[winner] += 1
    return {name: (1 + faster[name], len(names) - slower[name]) for name in names}


def restricted_mean(observations: Sequence[Observation], horizon: float) -> float:
    """The restricted mean time to a human answer up to ``horizon``: the area under the Kaplan–Meier
    'still unanswered' curve. Lower is faster; the unanswered count as censored, not as zeros."""
    area, last, unanswered = 0.0, 0.0, 1.0
    for moment, share in answered_curve(observations):
        if moment >= horizon:
            break
        area += unanswered * (moment - last)
        last, unanswered = moment, 1 - share
    return area + unanswered * (horizon - last)


def _ranks(values: Mapping[str, float]) -> dict[str, float]:
    """Ranks from lowest value (1) up; equal values share their average rank."""
    ordered = sorted(values, key=lambda name: values[name])
    ranks: dict[str, float] = {}
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and values[ordered[end + 1]] == values[ordered[start]]:
            end += 1
        for name in ordered[start : end + 1]:
            ranks[name] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def bootstrap_ranks(
    groups: Mapping[str, Sequence[Observation]],
    horizon: float,
    rounds: int = BOOTSTRAP_ROUNDS,
    seed: int = BOOTSTRAP_SEED,
    minimum: int = BOOTSTRAP_MINIMUM,
) -> dict[str, tuple[float, float]]:
    """95% percentile intervals of each group's rank by restricted mean time to a human answer, each
    group's inquiries resampled with replacement ``rounds`` times from a seeded generator. Every
    group takes part in the ranking; only groups of at least ``minimum`` observations get an interval.

    Each resample is the one ``[data[generator.randrange(len(data))] for _ in data]`` draws, group by
    group in name order, and its restricted mean is ``restricted_mean``'s to the bit: the draws are
    taken from the generator's output in bulk (_Draws) and each group's observations sorted once
    (_Resampling): at 50 companies a third of the CPU seconds."""
    draws = _Draws(random.Random(seed))
    names = sorted(groups)
    resampling = [_Resampling(groups[name]) for name in names]
    drawn: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(rounds):
        means = {
            name: group.restricted_mean(draws.below(group.size), horizon)
            for name, group in zip(names, resampling, strict=True)
        }
        for name, rank in _ranks(means).items():
            drawn[name].append(rank)
    return {
        name: (_percentile(ranks, 0.025), _percentile(ranks, 0.975))
        for name, ranks in drawn.items()
        if len(groups[name]) >= minimum
    }


class _Draws:
    """What ``generator.randrange(n)`` returns, n times in a row, read from the generator's 32-bit
    outputs fetched many at a time. CPython's randrange(n) takes the top ``n.bit_length()`` bits of
    the next output (``getrandbits``) and draws again while that is n or more; ``getrandbits(32 * m)``
    is the next m outputs, the first in the lowest bits. tests/test_compare.py holds both to the same
    draws."""

    FETCH = 4096

    def __init__(self, generator: random.Random) -> None:
        self.generator = generator
        self.words: list[int] = []
        self.position = 0

    def below(self, n: int) -> list[int]:
        bits = n.bit_length()
        if not 0 < bits <= 32:
            raise ValueError("a bootstrap group holds from 1 to 2**32 - 1 observations")
        shift = 32 - bits
        found: list[int] = []
        need = n
        while need:  # each pass reads no more outputs than draws still needed: none past the last one
            if self.position + need > len(self.words):
                self._fetch(need)
            chunk = self.words[self.position : self.position + need]
            self.position += need
            taken = [value for word in chunk if (value := word >> shift) < n]
            found += taken
            need -= len(taken)
        return found

    def _fetch(self, need: int) -> None:
        count = max(need, self.FETCH)
        fresh = self.generator.getrandbits(32 * count).to_bytes(4 * count, sys.byteorder)
        self.words = self.words[self.position :] + memoryview(fresh).cast("I").tolist()
        self.position = 0


class _Resampling:
    """One group's observations, their distinct times sorted once: a resample (indexes into the
    group) is counted per time, answered and not, and its restricted mean computed from the counts
    with ``restricted_mean``'s arithmetic in the same order (answered_curve's steps, each taken as
    restricted_mean takes them), so the same float to the bit."""

    def __init__(self, observations: Sequence[Observation]) -> None:
        self.size = len(observations)
        self.moments = sorted({seconds for seconds, _ in observations})
        index = {moment: number for number, moment in enumerate(self.moments)}
        # Two counters per time: [2k] the unanswered (censored) at the k-th time, [2k + 1] the answered.
        self.slot = [2 * index[seconds] + bool(answered) for seconds, answered in observations]

    def restricted_mean(self, indexes: Sequence[int], horizon: float) -> float:
        counts = [0] * (2 * len(self.moments))
        slot = self.slot
        for i in indexes:
            counts[slot[i]] += 1
        area, last, unanswered = 0.0, 0.0, 1.0
        if horizon <= 0.0:  # the curve's first step, (0, 0)
            return area + unanswered * (horizon - last)
        area += unanswered * (0.0 - last)
        last, unanswered = 0.0, 1 - 0.0
        survival = 1.0
        at_risk = len(indexes)
        for number, moment in enumerate(self.moments):
            censored, events = counts[2 * number], counts[2 * number + 1]
            if events:
                survival *= 1 - events / at_risk
                share = 1 - survival
                if moment >= horizon:
                    break
                area += unanswered * (moment - last)
                last, unanswered = moment, 1 - share
            at_risk -= events + censored
        return area + unanswered * (horizon - last)


def _percentile(values: Sequence[float], q: float) -> float:
    found = percentile(values, q)
    assert found is not None  # every group has a rank in every round
    return found


# -- how many inquiries a study needs ------------------------------------------------


def sample_size(p1: float, p2: float, alpha: float = ALPHA, power: float = 0.8) -> int:
    """Inquiries per group to tell shares p1 and p2 apart with a two-sided z-test at ``alpha`` with
    the given power (no continuity correction):

        n = (z(1-α/2)·√(2·p̄·(1-p̄)) + z(power)·√(p1(1-p1) + p2(1-p2)))² / (p1 - p2)²,  p̄ = (p1+p2)/2

    rounded up. p1 = 0.5, p2 = 0.75, power 0.9 gives 77 (R: power.prop.test → n = 76.7).
    """
    if not (0 <= p1 <= 1 and 0 <= p2 <= 1) or p1 == p2:
        raise ValueError("the two shares must lie between 0 and 1 and differ")
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError("alpha and power must lie between 0 and 1")
    normal = NormalDist()
    mean_share = (p1 + p2) / 2
    top = normal.inv_cdf(1 - alpha / 2) * math.sqrt(2 * mean_share * (1 - mean_share)) + normal.inv_cdf(
        power
    ) * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(top**2 / (p1 - p2) ** 2)


MINIMUM_SHARE, MINIMUM_DIFFERENCE = 0.5, 0.3
"""The report's warning threshold: the inquiries per company needed to tell a share of 35% from
one of 65% answered (30 points around 50%, the least favourable share) at α = 0.05, power 0.8."""


def minimum_inquiries() -> int:
    """Below this many delivered inquiries a company's share answered is marked as resting on too few."""
    half = MINIMUM_DIFFERENCE / 2
    return sample_size(MINIMUM_SHARE - half, MINIMUM_SHARE + half)


def study_size(share: float, difference: float, alpha: float, power: float, companies: int) -> dict[str, Any]:
    """`servaudit power`: inquiries per company to tell ``share`` from ``share + difference`` (or
    ``share - difference`` where that passes 100 %) for every pair of ``companies`` companies."""
    if companies < 2:
        raise UsageError("--companies: at least 2 companies are compared")
    if not 0 < difference < 1:
        raise UsageError("--difference: a share between 0 and 1 (0.2 = 20 points)")
    if not 0 <= share <= 1:
        raise UsageError("--share: a share between 0 and 1 (0.5 = 50 %)")
    if not (0 < alpha < 1 and 0 < power < 1):
        raise UsageError("--alpha and --power: shares between 0 and 1 (e.g. 0.05 and 0.8)")
    other = share + difference if share + difference <= 1 else share - difference
    if other < 0:
        raise UsageError("--difference is larger than any share on either side of --share")
    pairs = companies * (companies - 1) // 2
    per_pair = alpha / pairs
    n = sample_size(share, other, per_pair, power)
    return {
        "p1": share,
        "p2": other,
        "alpha": alpha,
        "alpha_per_pair": per_pair,
        "power": power,
        "companies": companies,
        "pairs": pairs,
        "inquiries_per_company": n,
        "test": "two-proportion z-test, two-sided, no continuity correction",
    }
