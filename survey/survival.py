"""Kaplan-Meier probability of completion within a limit (open cases censored, log-log interval), Aalen-Johansen
cumulative incidence of completion with competing outcomes, quantiles with distribution-free intervals."""

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
    done, right=open)); 95 % interval from its confidence_interval(method="log-log"): Greenwood's variance V
    on the log(-log S) scale (Kalbfleisch & Prentice 2002, The Statistical Analysis of Failure Time Data,
    sec. 4.3), S^exp(+/- z sqrt(V) / log S), which stays inside [0, 1] and is not symmetric near 0 or 1.
    Durations that are NaN are dropped. A censored case at exactly t counts as at risk at t. With no cases
    prob is NaN. ci95 is None where the interval is undefined (S = 1: no event by the limit; S = 0: every
    case at risk has finished by it).
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
        ci = res.cdf.confidence_interval(0.95, method="log-log")
        low, high = float(ci.low.evaluate(limit)), float(ci.high.evaluate(limit))
    ci95 = (low, high) if math.isfinite(low) and math.isfinite(high) else None
    return KaplanMeier(prob, ci95, n, events, censored)


@dataclass(frozen=True)
class CumulativeIncidence:
    """P(completed within the limit) with competing outcomes, by Aalen-Johansen; counts of each kind."""

    prob: float  # cumulative incidence of completion at the limit
    competing_prob: float  # cumulative incidence of the competing outcomes (rejected, cancelled) at the limit
    n: int
    events: int
    competing: int
    censored: int


def cumulative_incidence(durations, status, limit: float) -> CumulativeIncidence:
    """Aalen-Johansen cumulative incidence of completion within `limit`, with competing events.

    status per case: 0 = still open (right-censored at its time so far), 1 = completed (the event of
    interest), any other value = a competing outcome that ends the case without completion (rejected,
    cancelled). At each distinct time t_j with n_j cases at risk, d1_j completions and d2_j competing
    endings: CIF1(t) = sum_{t_j <= t} S(t_j-) d1_j / n_j, with S the all-cause Kaplan-Meier survival
    (Aalen & Johansen 1978; Kalbfleisch & Prentice 2002, sec. 8.2). Treating the competing outcomes as
    censored (1 - KM) would overstate completion, dropping them would misstate it; with no competing event
    CIF1 = 1 - KM exactly. A case censored at t is at risk at t. NaN durations are dropped; no cases give
    NaN. No interval is computed here.
    """
    d = np.asarray(durations, dtype=float).ravel()
    st = np.asarray(status).ravel()
    if d.shape != st.shape:
        raise ValueError("durations and status must have the same length")
    keep = np.isfinite(d)
    d, st = d[keep], st[keep].astype(int)
    n = int(d.size)
    done = st == 1
    ended = st != 0
    counts = (n, int(done.sum()), int((ended & ~done).sum()), int((~ended).sum()))
    if n == 0:
        return CumulativeIncidence(math.nan, math.nan, *counts)
    surv, cif1, cif2 = 1.0, 0.0, 0.0
    for t in np.unique(d[ended]):
        if t > limit:
            break
        at_risk = int(np.count_nonzero(d >= t))
        d1 = int(np.count_nonzero((d == t) & done))
        d2 = int(np.count_nonzero((d == t) & ended & ~done))
        cif1 += surv * d1 / at_risk
        cif2 += surv * d2 / at_risk
        surv *= 1 - (d1 + d2) / at_risk
    return CumulativeIncidence(cif1, cif2, *counts)


def order_statistic_ranks(n: int, q: float, conf: float = 0.95) -> tuple[int, int]:
    """1-based ranks (l, u) of the distribution-free confidence interval X(l), X(u) for the q-quantile of n
    values: the number of values below the true quantile is Binomial(n, q), so l = binom.ppf(a/2, n, q) and
    u = binom.ppf(1 - a/2, n, q) + 1 cover it with probability >= conf (Conover, Practical Nonparametric
    Statistics, 3rd ed., sec. 3.2). A rank outside 1..n means that bound does not exist (too few values).
    The one place this rule lives: quantile_ci here and the rollup sketches (portal.insight.sketch) use it."""
    if not 0 < q < 1:
        raise ValueError("q must be in (0, 1)")
    if not 0 < conf < 1:
        raise ValueError("conf must be in (0, 1)")
    a = 1 - conf
    return int(stats.binom.ppf(a / 2, n, q)), int(stats.binom.ppf(1 - a / 2, n, q)) + 1


def quantile_ci(values, q: float, conf: float = 0.95) -> tuple[float, float | None, float | None] | None:
    """Sample quantile with a distribution-free (order-statistic) confidence interval.

    The interval is X(l), X(u) with the ranks of `order_statistic_ranks` (Conover 3.2). The estimate is numpy's default
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
    lo_i, hi_i = order_statistic_ranks(n, q, conf)
    low = float(x[lo_i - 1]) if lo_i >= 1 else None
    high = float(x[hi_i - 1]) if hi_i <= n else None
    return (est, low, high)
