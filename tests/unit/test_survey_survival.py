"""Unit tests of survey.survival: Kaplan-Meier by hand and against an independent implementation."""

import math

import numpy as np
import pytest
from scipy import stats

from survey.survival import km_within, quantile_ci


def test_km_small_censored_example_by_hand():
    # times 1 (done), 2 (done), 2.5 (open), 3 (done)
    t = [1, 2, 2.5, 3]
    done = [True, True, False, True]
    r = km_within(t, done, 2.6)
    # S(2) = (1 - 1/4)(1 - 1/3) = 1/2 ; Greenwood var = S^2 (1/(4*3) + 1/(3*2)) = 1/16
    assert r.prob == pytest.approx(0.5)
    z = 1.959963984540054
    assert r.ci95 == pytest.approx((0.5 - z * 0.25, 0.5 + z * 0.25))
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
            half = 1.959963984540054 * math.sqrt(var)
            assert r.ci95[0] == pytest.approx(max(0.0, p - half), abs=1e-9)
            assert r.ci95[1] == pytest.approx(min(1.0, p + half), abs=1e-9)
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
