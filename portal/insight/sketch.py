"""Additive duration sketches: log-binned histograms of minutes, kept in the rollups, with quantile intervals.

Bins grow geometrically by RATIO (5 %) from MIN_MINUTES, so any quantile read from a sketch is within 5 % of the
value computed on the raw durations. The interval takes its ranks from survey.survival.order_statistic_ranks (the one
home of the distribution-free order-statistic rule, Conover 3.2; survey.survival.quantile_ci uses it too),
reported conservatively as the lower edge of the bin holding X(l) and the upper edge of the bin holding X(u).
"""

from __future__ import annotations

import math

from survey.survival import order_statistic_ranks

MIN_MINUTES = 0.1
RATIO = 1.05
_LOG = math.log(RATIO)


def bin_of(minutes: float) -> int:
    if minutes < MIN_MINUTES:
        return 0
    return 1 + int(math.floor(math.log(minutes / MIN_MINUTES) / _LOG))


def edges(b: int) -> tuple[float, float]:
    if b == 0:
        return 0.0, MIN_MINUTES
    return MIN_MINUTES * RATIO ** (b - 1), MIN_MINUTES * RATIO ** b


def add(hist: dict[int, int], minutes: float) -> None:
    b = bin_of(minutes)
    hist[b] = hist.get(b, 0) + 1


def _value_at(bins: list[tuple[int, int]], position: float) -> float:
    """Value at a 0-based fractional order position, interpolated linearly inside its bin."""
    seen = 0
    for b, count in bins:
        if position < seen + count:
            lo, hi = edges(b)
            return lo + (hi - lo) * ((position - seen + 0.5) / count)
        seen += count
    return edges(bins[-1][0])[1]


def _bin_of_order(bins: list[tuple[int, int]], k: int) -> int:
    """Bin holding the k-th order statistic (1-based)."""
    seen = 0
    for b, count in bins:
        seen += count
        if k <= seen:
            return b
    return bins[-1][0]


def quantile_ci(hist: dict, q: float, conf: float = 0.95) -> dict | None:
    """{"est", "low", "high", "n"} of the q-quantile from a sketch (None without values; a bound that would need
    an order statistic outside 1..n is None)."""
    bins = sorted((int(b), int(c)) for b, c in hist.items() if int(c) > 0)
    n = sum(c for _, c in bins)
    if n == 0:
        return None
    est = _value_at(bins, q * (n - 1))
    lo_i, hi_i = order_statistic_ranks(n, q, conf)
    low = edges(_bin_of_order(bins, lo_i))[0] if lo_i >= 1 else None
    high = edges(_bin_of_order(bins, hi_i))[1] if hi_i <= n else None
    return {"est": est, "low": low, "high": high, "n": n}
