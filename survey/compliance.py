"""Proportions with Wilson intervals, verdicts against a target (one-sided exact tests at one alpha), the sample
still needed, Benjamini-Hochberg control of the false discovery rate across a review, overcharges."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

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
    p_value: float | None  # one-sided exact binomial test of H0: p >= target (the "below" test)
    extra_needed: int | None
    p_meets: float | None = None  # one-sided exact binomial test of H0: p < target (the "meets" test)


def _p_below(k: int, n: int, target: float) -> float:
    """One-sided exact binomial p-value for H0: p >= target against p < target: P(X <= k | n, target)."""
    if target <= 0:
        return 1.0
    return float(stats.binomtest(int(k), int(n), target, alternative="less").pvalue)


def _p_meets(k: int, n: int, target: float) -> float:
    """One-sided exact binomial p-value for H0: p < target against p >= target: P(X >= k | n, target), the
    supremum over H0 being reached at p = target. A target of 0 is met by any data (H0 is empty: 0.0)."""
    if target <= 0:
        return 0.0
    return float(stats.binomtest(int(k), int(n), target, alternative="greater").pvalue)


def p_values(k: int, n: int, target: float) -> tuple[float, float]:
    """(p_meets, p_below) of the two one-sided exact binomial tests of `verdict` (n must be > 0)."""
    _check(k, n)
    if n == 0:
        raise ValueError("no observations")
    return _p_meets(k, n, target), _p_below(k, n, target)


def _status(k: float, n: int, target: float, alpha: float = ALPHA) -> str:
    if n == 0:
        return "inconclusive"
    kk = int(round(k))
    if _p_meets(kk, n, target) <= alpha:
        return "meets"
    if _p_below(kk, n, target) <= alpha:
        return "below"
    return "inconclusive"


SCAN_BLOCK = 256  # a stretch that cannot be ruled out is tested case by case, this many at a time
MIN_SKIP = 32  # shorter stretches are not worth ruling out (one quantile costs about as much as a block)


def _conclusive(k: int, n: int, target: float, extra: np.ndarray, alpha: float) -> np.ndarray:
    """For each additional sample size m in `extra`: would k/n held at n + m cases (round(p (n + m)) of them,
    half to even as Python's round) make the verdict conclusive? The p-values of `_status` (scipy's binomtest:
    'greater' = binom.sf(k - 1), 'less' = binom.cdf(k)), vectorised."""
    total = n + extra
    kk = np.round(k / n * total)
    return (stats.binom.sf(kk - 1, total, target) <= alpha) | (stats.binom.cdf(kk, total, target) <= alpha)


def _critical(above: bool, target: float, total: int, alpha: float) -> float:
    """K(N) - 1 for N = `total` cases: a lower bound (the quantile function may differ by one from the exact
    p-values at a tie) of the critical count of the one test the observed side can reach, written so that the
    verdict is conclusive only when c(N) >= K(N). Above the target ('meets'): c(N) = round(p N) and K(N) = the
    smallest k with P(X >= k) <= alpha = binom.ppf(1 - alpha) + 1. Below it ('below'): c(N) = N - round(p N)
    and K(N) = N - kmax(N), kmax(N) = the largest k with P(X <= k) <= alpha = binom.ppf(alpha) - 1. In both
    forms K is non-decreasing in N and grows by at most 1 per added case (P_{N+1}(X >= k + 1) <= P_N(X >= k),
    P_{N+1}(X <= k + 1) >= P_N(X <= k))."""
    if above:
        return float(stats.binom.ppf(1 - alpha, total, target))
    return total - float(stats.binom.ppf(alpha, total, target))


@lru_cache(maxsize=4096)
def _extra_needed(k: int, n: int, target: float, alpha: float = ALPHA) -> int | None:
    """Smallest extra sample m >= 1 (at the observed rate, cases rounded to whole numbers) that makes the verdict
    conclusive, found exactly. The verdict is not monotone in m (the rounding of cases and the discreteness of
    the binomial make it flip near the boundary), so a doubling-and-bisection search overshoots (issue 22: 46
    shown where 18 was the smallest). Here the sizes are walked in order. A stretch of totals [N_a, N_b] is
    skipped when it provably holds no conclusive size: there c(N) <= s N + 1/2 (s = p above the target,
    1 - p below it) and K(N) >= max(K(N_a), K(N_b) - (N_b - N)) (`_critical`), two bounds that cross at
    N* = N_b - (K(N_b) - K(N_a)), so no N is conclusive when s N* + 1/2 < K(N_a). Every other size is tested
    with the exact p-values (`_conclusive`). None when the observed rate equals the target (never conclusive)
    or no m up to MAX_EXTRA suffices."""
    if n <= 0 or k / n == target:
        return None
    above = k / n > target
    share = k / n if above else 1 - k / n
    # K grows by about `target` per added case above the target (1 - target below it), so a stretch of
    # length L that starts with c - K <= -gap is ruled out when gap > share (1 - growth) L + 1/2
    slack = max(share * (1 - target if above else target), 1e-9)
    m = 1
    crit_m = _critical(above, target, n + m, alpha)  # K(n + m) - 1, a lower bound of K at every later size
    while m <= MAX_EXTRA:
        gap = crit_m - (share * (n + m) + 0.5)
        step = min(int(gap / slack), MAX_EXTRA - m) if gap > 0 else 0
        while step >= MIN_SKIP:
            crit_b = _critical(above, target, n + m + step, alpha)
            crossing = (n + m + step) - min(max(crit_b - crit_m, 0.0), step)
            if share * crossing + 0.5 + 1e-9 < crit_m:
                break
            step //= 2
        if step >= MIN_SKIP:
            m, crit_m = m + step + 1, crit_b
            continue
        block = np.arange(m, min(m + SCAN_BLOCK, MAX_EXTRA + 1), dtype=np.int64)
        hits = np.flatnonzero(_conclusive(k, n, target, block, alpha))
        if hits.size:
            return int(block[hits[0]])
        m = int(block[-1]) + 1
        crit_m = _critical(above, target, n + m, alpha)
    return None


def verdict(k: int, n: int, target: float, alpha: float = ALPHA) -> tuple[str, float | None, int | None]:
    """Verdict of an observed k of n against a target rate (domain rule 4, "Verdict against a target").

    Both sides use the same test family at the same level: the one-sided exact binomial test (Clopper &
    Pearson 1934; scipy.stats.binomtest) at alpha = 5 %.
    'meets' when the test of H0: p < target rejects, P(X >= k | n, target) <= alpha, which is the same as the
    one-sided 95 % Clopper-Pearson lower bound being >= target; 'below' when the test of H0: p >= target
    rejects, P(X <= k | n, target) <= alpha (the one-sided upper bound is < target); else 'inconclusive' with
    the smallest additional n that would make it conclusive at the current rate (None if unreachable).
    At most one side can reject (the two p-values sum to 1 + P(X = k) > 1 > 2 alpha).
    Returns (status, p_below, extra_needed): the p-value is that of the "below" test, the one a review
    controls for multiplicity (`benjamini_hochberg`). n = 0 gives ('inconclusive', None, None).
    """
    _check(k, n)
    if not 0 <= target <= 1:
        raise ValueError("target must be a proportion in [0, 1]")
    if not 0 < alpha < 0.5:
        raise ValueError("alpha must be in (0, 0.5)")
    if n == 0:
        return ("inconclusive", None, None)
    p_value = _p_below(k, n, target)
    status = _status(k, n, target, alpha)
    extra = _extra_needed(k, n, target, alpha) if status == "inconclusive" else None
    return (status, p_value, extra)


def proportion(k: int, n: int, target: float | None = None) -> Proportion:
    """k of n as a rate with a Wilson 95 % interval and, with a target, the verdict of `verdict`."""
    _check(k, n)
    status = p_value = extra = p_meets = None
    if target is not None:
        status, p_value, extra = verdict(k, n, target)
        if n:
            p_meets = _p_meets(k, n, target)
    return Proportion(int(k), int(n), rate(k, n), wilson_interval(k, n), target, status, p_value, extra, p_meets)


def benjamini_hochberg(p_values, q: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg step-up procedure controlling the false discovery rate at q (Benjamini & Hochberg
    1995, J R Stat Soc B 57:289, for independent or positively dependent tests).

    With the m p-values sorted p(1) <= ... <= p(m): reject H(1)..H(k) for the largest k with p(k) <= k q / m.
    Adjusted p-values: p~(i) = min over j >= i of min(1, m p(j) / j), so H(i) is rejected exactly when
    p~(i) <= q (the values R's p.adjust(method="BH") and statsmodels' multipletests(method="fdr_bh") give).
    Returns (reject, adjusted) in the input order. p-values must be in [0, 1] (NaN refused); m = 0 gives
    two empty arrays.
    """
    p = np.asarray(p_values, dtype=float).ravel()
    if not 0 < q < 1:
        raise ValueError("q must be in (0, 1)")
    if np.any(~np.isfinite(p)) or np.any(p < 0) or np.any(p > 1):
        raise ValueError("p-values must be numbers in [0, 1]")
    m = p.size
    if m == 0:
        return np.zeros(0, dtype=bool), np.zeros(0)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted_sorted = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    adjusted = np.empty(m)
    adjusted[order] = adjusted_sorted
    below = np.flatnonzero(p[order] <= q * np.arange(1, m + 1) / m)
    reject = np.zeros(m, dtype=bool)
    if below.size:
        reject[order[: below[-1] + 1]] = True
    return reject, adjusted


def overcharge(amounts_paid, official_fee: float) -> Proportion:
    """Share of payments above the official fee (potential pungli; every case counts, none is trimmed).

    Amounts that are None or NaN (not reported) are ignored. A payment counts when paid > fee.
    """
    vals = [np.nan if a is None else float(a) for a in amounts_paid]
    arr = np.asarray(vals, dtype=float)
    arr = arr[np.isfinite(arr)]
    k = int(np.count_nonzero(arr > official_fee))
    return proportion(k, int(arr.size))
