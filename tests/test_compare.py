"""measure/compare.py against known values: the log-rank statistic of a textbook example, Holm's
adjusted p-values, the two-proportion sample size, ties, and a seeded bootstrap."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from servaudit.errors import UsageError
from servaudit.measure.compare import (
    bootstrap_ranks,
    chi2_sf_1df,
    holm,
    logrank,
    minimum_inquiries,
    pairwise,
    rank_ranges,
    restricted_mean,
    sample_size,
    study_size,
)
from servaudit.measure.stats import percentile

# Freireich et al. (1963), remission times in weeks of leukaemia patients, 6-MP against placebo, as
# worked in Kleinbaum & Klein, "Survival Analysis: A Self-Learning Text" (3rd ed., ch. 2): log-rank
# chi-square 16.79 with O1 = 9, E1 = 19.25, O2 = 21, E2 = 10.75 (R's survdiff: Chisq = 16.8,
# p = 4.17e-05). Here "event" is "answered": the method does not care what the event is.
SIX_MP = [(t, True) for t in (6, 6, 6, 7, 10, 13, 16, 22, 23)] + [
    (t, False) for t in (6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35)
]
PLACEBO = [(t, True) for t in (1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23)]


def test_logrank_gives_the_textbook_statistic() -> None:
    result = logrank(SIX_MP, PLACEBO)
    assert result.statistic == pytest.approx(16.79, abs=0.005)
    assert result.observed == (9, 21)
    assert result.expected[0] == pytest.approx(19.25, abs=0.005)
    assert result.expected[1] == pytest.approx(10.75, abs=0.005)
    assert result.p_value == pytest.approx(4.17e-5, rel=0.01)
    assert not result.first_faster  # 6-MP patients stayed in remission longer: fewer "events"
    assert logrank(PLACEBO, SIX_MP).statistic == pytest.approx(result.statistic)


def test_logrank_of_identical_groups_is_not_significant() -> None:
    result = logrank(PLACEBO, PLACEBO)
    assert result.statistic == pytest.approx(0.0)
    assert result.p_value == pytest.approx(1.0)
    # Nobody answered at all: nothing to compare, p = 1.
    assert logrank([(10.0, False)], [(20.0, False)]).p_value == 1.0


def test_chi_square_survival_function_for_one_degree_of_freedom() -> None:
    assert chi2_sf_1df(3.841458820694124) == pytest.approx(0.05)
    assert chi2_sf_1df(6.634896601021214) == pytest.approx(0.01)
    assert chi2_sf_1df(0.0) == 1.0


def test_holm_on_a_known_vector() -> None:
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005), method = "holm") → 0.03 0.06 0.06 0.02
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == [1.0, 1.0]  # capped at 1
    assert holm([]) == []


def test_rank_ranges_separate_only_significant_differences() -> None:
    fast = [(float(t), True) for t in range(1, 31)]
    slow = [(float(t), True) for t in range(1000, 1030)]
    also_slow = [(float(t), True) for t in range(1001, 1031)]
    groups = {"fast": fast, "slow": slow, "also_slow": also_slow}
    tests = pairwise(groups)
    ranges = rank_ranges(list(groups), tests)
    assert ranges["fast"] == (1, 1)
    assert ranges["slow"] == ranges["also_slow"] == (2, 3)  # tied: not told apart


def test_one_inquiry_each_is_always_a_tie() -> None:
    groups = {"a": [(10.0, True)], "b": [(20.0, True)], "c": [(500.0, False)]}
    ranges = rank_ranges(list(groups), pairwise(groups))
    assert set(ranges.values()) == {(1, 3)}


def test_restricted_mean_counts_the_unanswered_as_waited_to_the_horizon() -> None:
    assert restricted_mean([(10.0, True), (30.0, True)], 100.0) == pytest.approx(20.0)
    # One answered at 10, one never: half still waiting from 10 to 100.
    assert restricted_mean([(10.0, True), (100.0, False)], 100.0) == pytest.approx(10 + 0.5 * 90)
    assert restricted_mean([], 50.0) == 50.0


def test_bootstrap_is_deterministic_and_orders_clear_differences() -> None:
    groups = {
        "fast": [(float(t), True) for t in range(1, 11)],
        "slow": [(float(t), t % 2 == 0) for t in range(300, 310)],
        "tiny": [(5.0, True)],
    }
    first = bootstrap_ranks(groups, 400.0, rounds=200)
    assert first == bootstrap_ranks(groups, 400.0, rounds=200)
    assert first["slow"] == (3.0, 3.0)
    assert first["fast"][1] <= 2.0
    assert "tiny" not in first  # too few inquiries for an interval of its own


def resampled_as_written(
    groups: dict[str, list[tuple[float, bool]]], horizon: float, rounds: int, seed: int
) -> dict[str, tuple[float, float]]:
    """The bootstrap as its definition reads: each resample drawn by randrange, its restricted mean
    over answered_curve (what bootstrap_ranks computes faster, to the same bits)."""
    generator = random.Random(seed)
    names = sorted(groups)
    drawn: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(rounds):
        means = {}
        for name in names:
            data = groups[name]
            means[name] = restricted_mean([data[generator.randrange(len(data))] for _ in data], horizon)
        ordered = sorted(means.values())
        for name in names:
            first = ordered.index(means[name])
            last = len(ordered) - 1 - ordered[::-1].index(means[name])
            drawn[name].append((first + last) / 2 + 1)
    found: dict[str, tuple[float, float]] = {}
    for name, ranks in drawn.items():
        if len(groups[name]) >= 5:
            low, high = percentile(ranks, 0.025), percentile(ranks, 0.975)
            assert low is not None and high is not None
            found[name] = (low, high)
    return found


def test_bootstrap_draws_and_means_are_those_of_randrange_and_restricted_mean() -> None:
    rng = random.Random(5)
    for case in range(12):
        groups = {}
        for g in range(rng.randrange(2, 9)):
            size = rng.choice((1, 2, 3, 5, 8, 16, 17, 31, 32, 33, 64, 200))
            # Ties on purpose: times to the minute, answered and unanswered at the same time.
            groups[f"g{g}"] = [
                (float(rng.randrange(0, 20) * 60), rng.random() < 0.6) for _ in range(size)
            ]
        horizon = rng.choice((0.0, 60.0, 600.0, 1200.0, 5000.0))
        seed = rng.randrange(1000)
        fast, written = bootstrap_ranks(groups, horizon, rounds=60, seed=seed), resampled_as_written(
            groups, horizon, 60, seed
        )
        assert repr(fast) == repr(written), case  # the same floats, not merely close ones


def test_sample_size_matches_r_power_prop_test() -> None:
    # R: power.prop.test(p1 = .50, p2 = .75, power = .90) → n = 76.7 (its documentation's example)
    assert sample_size(0.5, 0.75, power=0.9) == 77
    assert sample_size(0.75, 0.5, power=0.9) == 77
    # The report's threshold: 35% against 65%, α = 0.05, power 0.8 → 42.4, rounded up.
    assert minimum_inquiries() == 43
    with pytest.raises(ValueError):
        sample_size(0.5, 0.5)


def test_study_size_splits_alpha_over_the_pairs() -> None:
    two = study_size(0.5, 0.2, 0.05, 0.8, 2)
    five = study_size(0.5, 0.2, 0.05, 0.8, 5)
    assert two["p2"] == 0.7 and two["pairs"] == 1
    assert five["pairs"] == 10 and five["alpha_per_pair"] == pytest.approx(0.005)
    assert five["inquiries_per_company"] > two["inquiries_per_company"]
    assert study_size(0.9, 0.2, 0.05, 0.8, 2)["p2"] == pytest.approx(0.7)  # the other side of 100 %
    with pytest.raises(UsageError, match="--companies"):
        study_size(0.5, 0.2, 0.05, 0.8, 1)


def test_power_command_prints_the_inquiries_needed_and_refuses_bad_input() -> None:
    run = [sys.executable, "-m", "servaudit", "power"]
    done = subprocess.run([*run, "--share", "0.5", "--difference", "0.25", "--power", "0.9", "--json"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '"inquiries_per_company": 77' in done.stdout
    done = subprocess.run([*run, "--share", "2"], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "--share" in done.stderr and "Traceback" not in done.stderr
