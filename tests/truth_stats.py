"""The two tests of a wave comparison, written out for checking servaudit's figures against a sandbox's
ground truth: independent of servaudit.measure, so a test does not check the code with itself."""

from __future__ import annotations

import math


def fisher_two_sided(a: int, n1: int, c: int, n2: int) -> float:
    """Fisher's exact test of a/n1 against c/n2: the tables as likely or less, margins fixed."""
    total, k = n1 + n2, a + c

    def chance(x: int) -> float:
        return math.comb(n1, x) * math.comb(n2, k - x) / math.comb(total, k)

    seen = chance(a)
    return sum(p for x in range(max(0, k - n2), min(k, n1) + 1) if (p := chance(x)) <= seen * (1 + 1e-9))


def logrank_slower(first: list[float], second: list[float]) -> tuple[float | None, bool]:
    """The log-rank test of two samples of answer delays, every one answered (no censoring): its p value,
    and whether the second sample was the slower one (fewer answers than expected). Delays are taken to
    the minute: the timetables answer on the hour, the sends leave a second or two after their tick."""
    first, second = [round(t / 60) for t in first], [round(t / 60) for t in second]
    observed2 = expected2 = variance = 0.0
    for moment in sorted({*first, *second}):
        n1, n2 = sum(1 for t in first if t >= moment), sum(1 for t in second if t >= moment)
        d = first.count(moment) + second.count(moment)
        n = n1 + n2
        observed2 += second.count(moment)
        expected2 += d * n2 / n
        if n > 1:
            variance += d * (n1 / n) * (n2 / n) * (n - d) / (n - 1)
    if not variance:
        return None, False  # nothing to test: every answer at the same time
    statistic = (observed2 - expected2) ** 2 / variance
    return math.erfc(math.sqrt(statistic / 2)), observed2 < expected2
