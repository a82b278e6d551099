"""Change between periods: difference of two proportions and of two IKM, with tests."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .compliance import wilson_interval
from .ikm import (
    DEFAULT_B,
    DEFAULT_SEED,
    _validate_counts,
    bootstrap_counts,
    bootstrap_profiles_replicates,
    ikm_from_counts,
)


@dataclass(frozen=True)
class Change:
    """A difference (second minus first) with its 95 % interval and a two-sided p-value."""

    diff: float
    ci95: tuple[float, float] | None
    p_value: float | None


def two_estimates(p1: float, var1: float, p2: float, var2: float) -> Change:
    """Difference p2 - p1 of two independent estimates with known variances, e.g. two Kaplan-Meier estimates
    read at the same time (Klein, Logan, Harhoff & Andersen 2007, "Analyzing survival curves at a fixed point
    in time", Stat Med 26:4505): Wald interval d +/- z sqrt(V1 + V2) and the two-sided z-test. A missing
    estimate gives NaN diff and no interval or p-value; with no variance at all the difference is exact
    (p-value 1 when it is 0, none otherwise)."""
    if not all(math.isfinite(x) for x in (p1, var1, p2, var2)):
        return Change(math.nan, None, None)
    d = p2 - p1
    se = math.sqrt(max(var1, 0.0) + max(var2, 0.0))
    if se == 0:
        return Change(d, (d, d), 1.0 if d == 0 else None)
    z = float(stats.norm.ppf(0.975))
    return Change(d, (d - z * se, d + z * se), float(2 * stats.norm.sf(abs(d) / se)))


def two_proportions(k1: int, n1: int, k2: int, n2: int) -> Change:
    """Difference p2 - p1 of two independent proportions.

    Interval: Newcombe's hybrid score interval (Newcombe 1998, Stat Med 17:873, method 10) built from the two
    Wilson intervals. Test: two-sided pooled z-test (equivalent to Pearson's chi-square on the 2x2 table
    without continuity correction). Either n = 0 gives NaN diff and no interval or p-value.
    """
    if n1 == 0 or n2 == 0:
        return Change(math.nan, None, None)
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1)
    l2, u2 = wilson_interval(k2, n2)
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    p_value = 1.0 if se == 0 else float(2 * stats.norm.sf(abs(d) / se))
    return Change(d, (low, high), p_value)


def ikm_change(counts_a, counts_b, weight: str = "exact", B: int = DEFAULT_B, seed=DEFAULT_SEED, *,
               profiles_a=None, profiles_b=None) -> Change:
    """Change of IKM from period a to period b (diff = IKM_b - IKM_a) from their (9, 4) counts.

    Each period is bootstrapped independently (streams spawned from one seed): by resampling respondents
    from its profile histogram when both `profiles_a` and `profiles_b` are given (`bootstrap_profiles_replicates`,
    the canonical method), else unsur-independently from the counts (`bootstrap_counts`, narrower when answers
    correlate). ci95 is the percentile interval of the B differences and the two-sided bootstrap p-value is
    min(1, 2 * min(#(d* <= 0) + 1, #(d* >= 0) + 1) / (B + 1)) (Davison & Hinkley 1997, sec. 4.4).
    """
    ca, cb = _validate_counts(counts_a), _validate_counts(counts_b)
    a = ikm_from_counts(ca, weight, bootstrap=0)
    b = ikm_from_counts(cb, weight, bootstrap=0)
    d = b.ikm - a.ikm
    if not math.isfinite(d) or B <= 0:
        return Change(d, None, None)
    ra, rb = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    if profiles_a is not None and profiles_b is not None:
        rep_a = bootstrap_profiles_replicates(profiles_a, a.ikm, weight, B, ra)
        rep_b = bootstrap_profiles_replicates(profiles_b, b.ikm, weight, B, rb)
        if rep_a is None or rep_b is None:
            return Change(d, None, None)
        diffs = rep_b - rep_a
    else:
        diffs = bootstrap_counts(cb, weight, B, rb) - bootstrap_counts(ca, weight, B, ra)
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    le = np.count_nonzero(diffs <= 0)
    ge = np.count_nonzero(diffs >= 0)
    p = min(1.0, 2 * (int(min(le, ge)) + 1) / (B + 1))
    return Change(d, (float(lo), float(hi)), p)
