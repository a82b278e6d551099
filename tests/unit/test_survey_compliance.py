"""Unit tests of survey.compliance: Wilson intervals, verdicts against targets, sample still needed."""

import math

import pytest
from scipy import stats

from survey.compliance import overcharge, proportion, rate, verdict, wilson_interval


def wilson_by_hand(k, n, z=1.959963984540054):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (81, 263), (950, 1000), (1, 2)])
def test_wilson_matches_textbook_and_scipy(k, n):
    low, high = wilson_interval(k, n)
    hl, hh = wilson_by_hand(k, n)
    assert low == pytest.approx(max(hl, 0), abs=1e-12) and high == pytest.approx(min(hh, 1), abs=1e-12)
    ci = stats.binomtest(k, n).proportion_ci(method="wilson")
    assert low == pytest.approx(ci.low, abs=1e-12) and high == pytest.approx(ci.high, abs=1e-12)


def test_wilson_empty_and_invalid():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson_interval(5, 3)


def test_verdict_meets():
    status, p, extra = verdict(99, 100, 0.9)
    assert status == "meets" and extra is None and p > 0.5
    assert wilson_interval(99, 100)[0] >= 0.9


def test_verdict_below():
    status, p, extra = verdict(80, 100, 0.9)
    assert status == "below" and p < 0.05 and extra is None
    assert p == pytest.approx(stats.binomtest(80, 100, 0.9, alternative="less").pvalue)


def test_verdict_inconclusive_with_extra_needed():
    status, p, extra = verdict(92, 100, 0.9)
    assert status == "inconclusive" and p >= 0.05
    assert extra is not None and extra > 0
    # adding `extra` at the same rate is conclusive, one fewer is not
    total = 100 + extra
    assert verdict(round(0.92 * total), total, 0.9)[0] == "meets"
    total = 100 + extra - 1
    assert verdict(round(0.92 * total), total, 0.9)[0] == "inconclusive"
    status, _, extra = verdict(86, 100, 0.9)
    assert status == "inconclusive"
    total = 100 + extra
    assert verdict(round(0.86 * total), total, 0.9)[0] == "below"


def test_verdict_unreachable_and_empty():
    assert verdict(90, 100, 0.9) == ("inconclusive", pytest.approx(stats.binomtest(90, 100, 0.9,
                                                                                    alternative="less").pvalue),
                                     None)
    assert verdict(0, 0, 0.9) == ("inconclusive", None, None)
    assert verdict(100, 100, 1.0)[0] == "inconclusive" and verdict(100, 100, 1.0)[2] is None
    with pytest.raises(ValueError):
        verdict(3, 2, 0.5)


def test_proportion():
    p = proportion(45, 50, target=0.8)
    assert p.rate == 0.9 and p.ci95 == wilson_interval(45, 50)
    assert p.verdict in ("meets", "inconclusive")
    q = proportion(0, 0)
    assert q.rate is None and q.verdict is None and q.ci95 == (0.0, 1.0)
    assert rate(1, 4) == 0.25 and rate(0, 0) is None


def test_overcharge_counts_every_case_and_ignores_missing():
    p = overcharge([0, 0, None, float("nan"), 10000, 0, 5000.0], 0)
    assert (p.k, p.n) == (2, 5)
    assert overcharge([15000, 15000, 15001], 15000).k == 1
    assert overcharge([], 0).n == 0
