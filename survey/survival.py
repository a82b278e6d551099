"""Kaplan-Meier probability of completion within a limit (open cases censored); quantiles with intervals."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class KaplanMeier:
    """P(case done within the limit) by Kaplan-Meier, with its 95 % interval (None where undefined)."""

    prob: float
    ci95: tuple[float, float] | None
    n: int
    events: int
    censored: int


def km_within(durations, observed, limit: float) -> KaplanMeier:
    """Kaplan-Meier estimate of P(T <= limit) with open cases right-censored at their time so far.

    Product-limit estimator (Kaplan & Meier 1958) via scipy.stats.ecdf(scipy.stats.CensoredData(uncensored=
    done, right=open)); 95 % interval from its confidence_interval (Greenwood's variance, 'linear' method,
    clipped to [0, 1]). Durations that are NaN are dropped. A censored case at exactly t counts as at risk
    at t. With no cases prob is NaN. ci95 is None where Greenwood's formula is undefined (e.g. every case at
    risk has finished by the limit, or no event before it).
    """
    d = np.asarray(durations, dtype=float).ravel()
    obs = np.asarray(observed, dtype=bool).ravel()
    if d.shape != obs.shape:
        raise ValueError("durations and observed must have the same length")
    keep = np.isfinite(d)
    d, obs = d[keep], obs[keep]
    n = int(d.size)
    events = int(obs.sum())
    censored = n - events
    if n == 0:
        return KaplanMeier(math.nan, None, 0, 0, 0)
    if events == 0:
        return KaplanMeier(0.0, None, n, 0, censored)
    res = stats.ecdf(stats.CensoredData(uncensored=d[obs], right=d[~obs]))
    prob = float(res.cdf.evaluate(limit))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = res.cdf.confidence_interval(0.95)
        low, high = float(ci.low.evaluate(limit)), float(ci.high.evaluate(limit))
    ci95 = (low, high) if math.isfinite(low) and math.isfinite(high) else None
    return KaplanMeier(prob, ci95, n, events, censored)


def quantile_ci(values, q: float, conf: float = 0.95) -> tuple[float, float | None, float | None] | None:
    """Sample quantile with a distribution-free (order-statistic) confidence interval.

    The number of values below the true q-quantile is Binomial(n, q), so the order statistics X(l), X(u)
    (1-based) with l = binom.ppf(a/2, n, q) and u = binom.ppf(1 - a/2, n, q) + 1 cover it with probability
    >= conf (Conover, Practical Nonparametric Statistics, 3rd ed., sec. 3.2). The estimate is numpy's default
    (linear) sample quantile. A bound that would need an order statistic outside 1..n is None (too few
    values); no finite values at all returns None.
    """
    x = np.asarray(values, dtype=float).ravel()
    x = np.sort(x[np.isfinite(x)])
    n = x.size
    if n == 0:
        return None
    if not 0 < q < 1:
        raise ValueError("q must be in (0, 1)")
    est = float(np.quantile(x, q))
    a = 1 - conf
    lo_i = int(stats.binom.ppf(a / 2, n, q))
    hi_i = int(stats.binom.ppf(1 - a / 2, n, q)) + 1
    low = float(x[lo_i - 1]) if lo_i >= 1 else None
    high = float(x[hi_i - 1]) if hi_i <= n else None
    return (est, low, high)
