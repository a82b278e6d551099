"""Unit tests of survey.spc: p-chart limits and Western Electric rules on constructed series; funnels."""

import numpy as np
import pytest
from scipy import stats

from survey.spc import RULE_1, RULE_2, RULE_3, RULE_4, funnel_limits, funnel_position, p_chart

N = 100  # p = 0.1 -> sigma = 0.03 = 3 cases


def chart(ks, ns=None):
    ks = np.asarray(ks)
    return p_chart(ks, np.full(ks.size, N) if ns is None else np.asarray(ns))


def rules(pc):
    return {(i, r) for i, r in pc.signals}


def test_limits_follow_n_and_are_clipped():
    pc = p_chart([1, 10, 100], [10, 100, 1000])
    c = 111 / 1110
    assert pc.center == pytest.approx(c)
    sig = np.sqrt(c * (1 - c) / np.array([10, 100, 1000]))
    np.testing.assert_allclose(pc.ucl, c + 3 * sig)
    np.testing.assert_allclose(pc.lcl, np.maximum(0, c - 3 * sig))
    assert pc.lcl[0] == 0.0


def test_in_control_series_has_no_signal():
    assert chart([10, 9, 11, 10, 8, 12, 10, 9, 11, 10, 10, 11, 9, 10]).signals == []


def test_rule_1_point_beyond_3_sigma():
    pc = chart([10, 9, 11, 10, 9, 11, 25, 10, 9, 11, 10, 9])
    assert (6, RULE_1) in rules(pc)
    assert {i for i, _ in pc.signals} == {6}


def test_rule_2_two_of_three_beyond_2_sigma():
    base = [9, 11] * 6
    pc = chart(base[:6] + [17, 10, 17] + base[6:] + [4, 4, 11, 9])
    assert (8, RULE_2) in rules(pc)
    assert not any(r == RULE_1 for _, r in pc.signals)


def test_rule_3_four_of_five_beyond_1_sigma():
    base = [9, 11] * 6
    ks = base + [14, 14, 10, 14, 14] + base + [6, 6, 6, 6, 10]
    pc = chart(ks)
    got = rules(pc)
    assert (16, RULE_3) in got  # fourth point beyond +1 sigma in the window 12..16
    assert (12 + 5 + 12 + 3, RULE_3) in got  # the low cluster
    assert not any(r in (RULE_1, RULE_2) for _, r in pc.signals)


def test_rule_4_eight_in_a_row():
    ks = [9, 11] * 4 + [11] * 8 + [9] * 8
    pc = chart(ks)
    got = {i for i, r in pc.signals if r == RULE_4}
    assert got == {14, 15, 23}  # the run starts with the last 11 of the alternation
    assert all(r == RULE_4 for _, r in pc.signals)


def test_zero_n_period_is_skipped():
    pc = chart([10, 0, 10], [100, 0, 100])
    assert np.isnan(pc.p[1]) and np.isnan(pc.z[1]) and pc.signals == []


def test_funnel_limits_are_binomial_and_narrow_with_n():
    p0 = 0.1
    n = np.array([20, 100, 1000, 10000])
    lim = funnel_limits(p0, n)
    for level in (0.95, 0.998):
        low, high = lim[level]
        q = (1 - level) / 2
        assert np.all(np.diff(high) < 0) and np.all(np.diff(low[1:]) > 0)
        r_hi = stats.binom.ppf(1 - q, n, p0)
        assert np.all(high <= r_hi / n + 1e-12) and np.all(high >= (r_hi - 1) / n - 1e-12)
    # large n: close to the normal approximation
    se = np.sqrt(p0 * (1 - p0) / 10000)
    assert lim[0.95][1][-1] == pytest.approx(p0 + 1.96 * se, abs=5e-4)
    assert lim[0.998][0][-1] == pytest.approx(p0 - 3.09 * se, abs=5e-4)


def test_funnel_position():
    pos = funnel_position([10, 16, 22, 3, 1, 0], [100, 100, 100, 100, 100, 0], 0.1)
    assert pos == ["inside", "above95", "above998", "below95", "below998", "inside"]
