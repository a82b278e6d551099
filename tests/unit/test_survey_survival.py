"""Unit tests of survey.survival: Kaplan-Meier by hand and against an independent implementation."""

import math

import numpy as np
import pytest
from scipy import stats

from survey.survival import cumulative_incidence, km_within, order_statistic_ranks, quantile_ci


def test_km_small_censored_example_by_hand():
    # times 1 (done), 2 (done), 2.5 (open), 3 (done)
    t = [1, 2, 2.5, 3]
    done = [True, True, False, True]
    r = km_within(t, done, 2.6)
    # S(2) = (1 - 1/4)(1 - 1/3) = 1/2 ; Greenwood sum V = 1/(4*3) + 1/(3*2) = 1/4
    # log-log: se = sqrt(V) / |log S| = 0.5 / log 2; S bounds S^exp(-/+ z se); F = 1 - S
    assert r.prob == pytest.approx(0.5)
    z = 1.959963984540054
    se = 0.5 / math.log(2)
    assert r.ci95 == pytest.approx((1 - 0.5 ** math.exp(-z * se), 1 - 0.5 ** math.exp(z * se)))
    assert r.ci95 == pytest.approx((0.15513871880962604, 0.9421529170048555))
    assert (r.n, r.events, r.censored) == (4, 3, 1)
    assert km_within(t, done, 1.5).prob == pytest.approx(0.25)
    assert km_within(t, done, 0.5).prob == 0.0
    full = km_within(t, done, 3)
    assert full.prob == 1.0 and full.ci95 is None  # Greenwood undefined when S = 0


def test_km_censoring_differs_from_dropping():
    t = np.array([1, 1, 5, 5, 5, 5])
    done = np.array([True, True, False, False, False, False])
    r = km_within(t, done, 2)
    assert r.prob == pytest.approx(2 / 6)
    assert np.mean(t[done] <= 2) == 1.0  # dropping open cases would claim 100 %


def product_limit(t, done, limit):
    """Independent Kaplan-Meier: loop over distinct event times (censored at t still at risk at t)."""
    s = 1.0
    var_sum = 0.0
    for u in np.unique(t[done]):
        if u > limit:
            break
        at_risk = np.sum(t >= u)
        d = np.sum((t == u) & done)
        s *= 1 - d / at_risk
        var_sum += d / (at_risk * (at_risk - d)) if at_risk > d else math.inf
    return 1 - s, s * s * var_sum


def test_km_against_independent_computation_random():
    rng = np.random.default_rng(42)
    for _ in range(5):
        n = int(rng.integers(20, 400))
        t = rng.integers(0, 30, n).astype(float)  # many ties
        done = rng.random(n) < 0.7
        limit = float(rng.integers(1, 25))
        r = km_within(t, done, limit)
        p, var = product_limit(t, done, limit)
        assert r.prob == pytest.approx(p, abs=1e-12)
        if r.ci95 is not None:
            s = 1 - p
            se = math.sqrt(var) / (s * abs(math.log(s)))  # var is S^2 V: the log-log scale needs sqrt(V)
            z = 1.959963984540054
            assert r.ci95[0] == pytest.approx(1 - s ** math.exp(-z * se), abs=1e-9)
            assert r.ci95[1] == pytest.approx(1 - s ** math.exp(z * se), abs=1e-9)
            assert 0 <= r.ci95[0] <= r.prob <= r.ci95[1] <= 1
        ref = stats.ecdf(stats.CensoredData(uncensored=t[done], right=t[~done]))
        assert r.prob == pytest.approx(float(ref.cdf.evaluate(limit)))


def test_km_edge_cases():
    assert math.isnan(km_within([], [], 1).prob)
    r = km_within([1, 2, np.nan], [False, False, True], 5)
    assert r.prob == 0.0 and r.n == 2 and r.events == 0
    with pytest.raises(ValueError):
        km_within([1, 2], [True], 1)


def test_quantile_ci_order_statistics():
    x = np.arange(1, 101, dtype=float)
    est, low, high = quantile_ci(x, 0.5)
    assert est == 50.5 and (low, high) == (40.0, 61.0)  # classic ranks 40 and 61 for n = 100
    # coverage of the ranks is at least 95 %
    cover = stats.binom.cdf(60, 100, 0.5) - stats.binom.cdf(39, 100, 0.5)
    assert cover >= 0.95
    est, low, high = quantile_ci(np.random.default_rng(1).permutation(x), 0.9)
    assert low <= est <= high


def test_quantile_ci_too_few_values():
    assert quantile_ci([], 0.5) is None
    assert quantile_ci([np.nan], 0.5) is None
    est, low, high = quantile_ci([3.0, 1.0, 2.0], 0.5)
    assert est == 2.0 and low is None and high is None
    est, low, high = quantile_ci(np.arange(20.0), 0.9)
    assert low is not None and high is None


def test_km_log_log_interval_matches_scipy():
    rng = np.random.default_rng(8)
    t = rng.exponential(5, 200).round(1)
    done = rng.random(200) < 0.6
    ref = stats.ecdf(stats.CensoredData(uncensored=t[done], right=t[~done]))
    ci = ref.cdf.confidence_interval(0.95, method="log-log")
    for limit in (1.0, 3.0, 7.5):
        r = km_within(t, done, limit)
        assert r.ci95 == pytest.approx((float(ci.low.evaluate(limit)), float(ci.high.evaluate(limit))), abs=1e-12)


def test_cumulative_incidence_hand_worked():
    # t: 1 done, 2 rejected, 3 done, 3 open, 4 done, 5 cancelled
    t = [1, 2, 3, 3, 4, 5]
    status = [1, 2, 1, 0, 1, 3]
    # t=1: 6 at risk, CIF1 += 1 * 1/6, S = 5/6; t=2: competing, S = 5/6 * 4/5 = 2/3, CIF2 += 5/6 * 1/5
    # t=3: 4 at risk (the open case too), CIF1 += 2/3 * 1/4, S = 1/2; t=4: 2 at risk, CIF1 += 1/2 * 1/2
    # t=5: 1 at risk, CIF2 += 1/4 * 1
    r = cumulative_incidence(t, status, 4)
    assert r.prob == pytest.approx(1 / 6 + 1 / 6 + 1 / 4)  # 7/12
    assert r.competing_prob == pytest.approx(1 / 6)
    assert (r.n, r.events, r.competing, r.censored) == (6, 3, 2, 1)
    end = cumulative_incidence(t, status, 10)
    assert end.prob + end.competing_prob == pytest.approx(1.0)  # every case has ended or left the risk set
    assert cumulative_incidence(t, status, 2.5).prob == pytest.approx(1 / 6)
    # treating the rejected/cancelled cases as censored overstates completion: 1 - KM = 11/16 > 7/12
    naive = km_within(t, [s == 1 for s in status], 4)
    assert naive.prob == pytest.approx(11 / 16) and naive.prob > r.prob


def test_cumulative_incidence_without_competing_events_is_one_minus_km():
    rng = np.random.default_rng(12)
    for _ in range(10):
        n = int(rng.integers(5, 300))
        t = rng.integers(0, 20, n).astype(float)
        done = rng.random(n) < 0.7
        limit = float(rng.integers(0, 22))
        km = km_within(t, done, limit)
        aj = cumulative_incidence(t, done.astype(int), limit)
        assert aj.prob == pytest.approx(km.prob, abs=1e-12) and aj.competing_prob == 0.0


def test_cumulative_incidence_edge_cases():
    assert math.isnan(cumulative_incidence([], [], 3).prob)
    r = cumulative_incidence([1, np.nan, 2], [0, 1, 2], 5)
    assert (r.n, r.prob, r.competing_prob) == (2, 0.0, 1.0)  # the open case left the risk set at 1
    with pytest.raises(ValueError):
        cumulative_incidence([1, 2], [1], 3)


def test_one_home_for_order_statistic_ranks():
    from portal.insight import sketch

    assert order_statistic_ranks(100, 0.5) == (40, 61)
    # the sketch's interval uses the same ranks: with one value per bin its edges bracket X(l) and X(u)
    values = [sketch.edges(b)[0] * 1.0001 for b in range(20, 120)]
    hist = {}
    for v in values:
        sketch.add(hist, v)
    got = sketch.quantile_ci(hist, 0.5)
    est, low, high = quantile_ci(values, 0.5)
    assert got["low"] <= low and abs(got["low"] - low) / low < 0.06
    assert got["high"] >= high and abs(got["high"] - high) / high < 0.06
