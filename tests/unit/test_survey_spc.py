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


def overdispersion_by_hand(k, n, p0):
    """Independent loop version of Spiegelhalter's (2005) winsorised phi and DerSimonian-Laird tau^2."""
    z = [(ki / ni - p0) / np.sqrt(p0 * (1 - p0) / ni) for ki, ni in zip(k, n, strict=True)]
    srt = sorted(z)
    m = len(z)

    def pct(q):  # Hyndman & Fan type 7 (R's default, numpy's linear)
        h = (m - 1) * q
        lo = int(np.floor(h))
        return srt[lo] + (h - lo) * (srt[min(lo + 1, m - 1)] - srt[lo])

    lo, hi = pct(0.1), pct(0.9)
    phi = sum(min(max(v, lo), hi) ** 2 for v in z) / m
    w = [ni / (p0 * (1 - p0)) for ni in n]
    tau2 = max(0.0, (m * phi - (m - 1)) / (sum(w) - sum(x * x for x in w) / sum(w)))
    return phi, tau2


def test_overdispersion_matches_independent_computation():
    from survey.spc import overdispersion

    rng = np.random.default_rng(3)
    for _ in range(20):
        m = int(rng.integers(3, 40))
        n = rng.integers(20, 2000, m)
        p = np.clip(rng.normal(0.8, rng.choice([0.0, 0.05]), m), 0.01, 0.99)
        k = rng.binomial(n, p)
        p0 = k.sum() / n.sum()
        phi, tau2, pval = overdispersion(k, n, p0)
        hphi, htau2 = overdispersion_by_hand(k, n, p0)
        assert phi == pytest.approx(hphi, rel=1e-12) and tau2 == pytest.approx(htau2, rel=1e-9, abs=1e-15)
        assert pval == pytest.approx(stats.chi2.sf(m * hphi, m - 1))


def test_funnel_keeps_binomial_limits_without_overdispersion():
    from survey.spc import funnel

    rng = np.random.default_rng(11)
    n = rng.integers(50, 400, 30)
    widened = 0
    for _ in range(40):
        k = rng.binomial(n, 0.85)
        f = funnel(k, n)
        widened += f.method != "binomial"
        if f.method == "binomial":
            exact = funnel_limits(f.p0, n)
            np.testing.assert_array_equal(f.limits[0.95][0], exact[0.95][0])
            assert f.positions == funnel_position(k, n, f.p0) and f.tau2 == 0.0
    assert widened <= 6  # the test is at 5 %: about 2 of 40 by chance


def test_funnel_widens_for_overdispersed_units():
    from survey.spc import funnel

    rng = np.random.default_rng(5)
    n = rng.integers(500, 5000, 40)  # large units: binomial limits are narrow
    true = rng.normal(0.85, 0.04, 40)  # real between-unit variation, sd 0.04
    k = rng.binomial(n, true)
    plain = funnel(k, n, adjust="none")
    f = funnel(k, n)
    assert plain.method == "binomial" and f.method == "additive"
    assert f.phi > 1 and f.p_overdispersion < 0.001
    assert 0.04 ** 2 / 2 < f.tau2 < 0.04 ** 2 * 2
    outside = sum(pos != "inside" for pos in plain.positions)
    assert outside > 15  # most large units look "special" without the adjustment
    assert sum(pos in ("above998", "below998") for pos in f.positions) <= 2
    s = np.sqrt(f.p0 * (1 - f.p0) / n)
    np.testing.assert_allclose(f.limits[0.95][1], np.clip(f.p0 + 1.959963984540054 * np.sqrt(s ** 2 + f.tau2),
                                                          0, 1))
    mult = funnel(k, n, model="multiplicative")
    assert mult.method == "multiplicative" and mult.tau2 == 0.0
    np.testing.assert_allclose(mult.limits[0.998][0], np.clip(mult.p0 - stats.norm.ppf(0.999) * np.sqrt(mult.phi)
                                                              * s, 0, 1))
    assert funnel(k, n, adjust="none").positions == funnel_position(k, n, plain.p0)


def test_funnel_edge_cases():
    from survey.spc import funnel

    f = funnel([5], [10])
    assert f.method == "binomial" and f.phi is None
    f = funnel([10, 20], [10, 20])  # p0 = 1: no variance to scale
    assert f.method == "binomial" and f.phi is None
    with pytest.raises(ValueError):
        funnel([5, 3], [4, 10])
