"""Proportions with Wilson intervals, verdicts against a target, the sample still needed, overcharges."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

ALPHA = 0.05
MAX_EXTRA = 10_000_000  # cap of the extra-sample search


def rate(k: int, n: int) -> float | None:
    """k / n, or None when n == 0."""
    return k / n if n else None


def _check(k: int, n: int) -> None:
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")


def wilson_interval(k: float, n: int, conf: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Wilson 1927; Newcombe 1998 method 3, no continuity
    correction): (p + z^2/2n -/+ z*sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n).

    n = 0 returns (0.0, 1.0): with no observations every rate is possible (the interval is uninformative
    rather than NaN, so it can be drawn). k may be fractional (used for what-if sample sizes).
    """
    if n == 0:
        return (0.0, 1.0)
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    z = float(stats.norm.ppf(0.5 + conf / 2))
    p = k / n
    denom = 1 + z * z / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = max(0.0, (centre - half) / denom)
    high = min(1.0, (centre + half) / denom)
    if k == 0:
        low = 0.0
    if k == n:
        high = 1.0
    return (low, high)


@dataclass(frozen=True)
class Proportion:
    """A rate with its Wilson 95 % interval and, when a target is given, the verdict against it."""

    k: int
    n: int
    rate: float | None
    ci95: tuple[float, float]
    target: float | None
    verdict: str | None  # 'meets' | 'below' | 'inconclusive' | None without target
    p_value: float | None  # one-sided exact binomial test of H0: p >= target
    extra_needed: int | None


def _p_below(k: int, n: int, target: float) -> float:
    """One-sided exact binomial p-value for H0: p >= target against p < target."""
    if target <= 0:
        return 1.0
    return float(stats.binomtest(int(k), int(n), target, alternative="less").pvalue)


def _status(k: float, n: int, target: float) -> str:
    if n == 0:
        return "inconclusive"
    if wilson_interval(k, n)[0] >= target:
        return "meets"
    if _p_below(int(round(k)), n, target) < ALPHA:
        return "below"
    return "inconclusive"


def _extra_needed(k: int, n: int, target: float) -> int | None:
    """Smallest extra sample m (at the observed rate, cases rounded to whole numbers) that makes the verdict
    conclusive, by doubling then bisection (the status is monotone in m up to the rounding of cases).
    None when the observed rate equals the target or no m up to MAX_EXTRA suffices."""
    p = k / n
    if p == target:
        return None

    def conclusive(m: int) -> bool:
        total = n + m
        return _status(round(p * total), total, target) != "inconclusive"

    hi = 1
    while not conclusive(hi):
        hi *= 2
        if hi > MAX_EXTRA:
            return None if not conclusive(MAX_EXTRA) else _bisect(conclusive, hi // 2, MAX_EXTRA)
    return _bisect(conclusive, hi // 2, hi)


def _bisect(ok, lo: int, hi: int) -> int:
    """Smallest m in (lo, hi] with ok(m), given ok(hi) (and assuming not ok(lo))."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def verdict(k: int, n: int, target: float) -> tuple[str, float | None, int | None]:
    """Verdict of an observed k of n against a target rate (domain rule 4, "Verdict against a target").

    'meets' when the lower Wilson 95 % bound >= target; 'below' when the one-sided exact binomial test
    (scipy.stats.binomtest, alternative='less') rejects p >= target at 5 %; else 'inconclusive' with the
    smallest additional n that would make it conclusive at the current rate (None if unreachable).
    Returns (status, p_value, extra_needed); n = 0 gives ('inconclusive', None, None).
    """
    _check(k, n)
    if not 0 <= target <= 1:
        raise ValueError("target must be a proportion in [0, 1]")
    if n == 0:
        return ("inconclusive", None, None)
    p_value = _p_below(k, n, target)
    status = _status(k, n, target)
    extra = _extra_needed(k, n, target) if status == "inconclusive" else None
    return (status, p_value, extra)


def proportion(k: int, n: int, target: float | None = None) -> Proportion:
    """k of n as a rate with a Wilson 95 % interval and, with a target, the verdict of `verdict`."""
    _check(k, n)
    status = p_value = extra = None
    if target is not None:
        status, p_value, extra = verdict(k, n, target)
    return Proportion(int(k), int(n), rate(k, n), wilson_interval(k, n), target, status, p_value, extra)


def overcharge(amounts_paid, official_fee: float) -> Proportion:
    """Share of payments above the official fee (potential pungli; every case counts, none is trimmed).

    Amounts that are None or NaN (not reported) are ignored. A payment counts when paid > fee.
    """
    vals = [np.nan if a is None else float(a) for a in amounts_paid]
    arr = np.asarray(vals, dtype=float)
    arr = arr[np.isfinite(arr)]
    k = int(np.count_nonzero(arr > official_fee))
    return proportion(k, int(arr.size))
