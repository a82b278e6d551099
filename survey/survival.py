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
class Reading:
    """Kaplan-Meier completion read where the data can carry it: P(done within `horizon`), `horizon` <= `limit`.

    `variance` is Greenwood's variance of the estimate (of S, the same as of 1 - S); `limited` is True when the
    follow-up is shorter than the limit, so the figure is P(done within the horizon reached), not within the
    limit; `follow_up` is the longest time observed (completed or still open)."""

    prob: float
    ci95: tuple[float, float] | None
    variance: float
    horizon: float
    limit: float
    follow_up: float
    limited: bool
    n: int
    events: int
    censored: int


def log_log_interval(surv: float, v: float, conf: float = 0.95) -> tuple[float, float] | None:
    """95 % interval of P = 1 - S from S and Greenwood's V = Var(S) / S^2 on the log(-log S) scale (Kalbfleisch &
    Prentice 2002, sec. 4.3): S^exp(+/- z sqrt(V) / log S), as scipy's confidence_interval(method="log-log").
    None where it is undefined: S = 0 or 1, or no variance."""
    if not 0 < surv < 1 or not math.isfinite(v) or v < 0:
        return None
    z = float(stats.norm.ppf(0.5 + conf / 2))
    half = z * math.sqrt(v) / math.log(surv)  # negative: log S < 0
    s_low, s_high = surv ** math.exp(-half), surv ** math.exp(half)  # S^exp(-h) <= S <= S^exp(h) for h < 0
    return (1 - s_high, 1 - s_low)


def km_reading(durations, observed, limit: float, at: float | None = None) -> Reading:
    """Kaplan-Meier estimate of P(T <= h) read at the horizon h the follow-up reaches (issue 22 item 2).

    The product-limit estimator (Kaplan & Meier 1958) with open cases right-censored at their time so far, a
    censored case at t at risk at t. It can be read at the limit only when the data reach it: when some case
    is still open at a time before the limit, the estimate is read at h = min(limit, longest time observed)
    and is then P(done within h) (`limited`), never an extrapolation to the limit; with no open case before
    the limit (every case done, or open past the limit) h = limit. `at` reads it earlier still (h = min(h,
    at)): two periods compared at the same horizon. Greenwood's variance V = sum over event times t_j <= h of
    d_j / (n_j (n_j - d_j)) (Var S = S^2 V; Kalbfleisch & Prentice 2002, sec. 4.3) and the log-log interval
    (`log_log_interval`; the same as scipy.stats.ecdf's confidence_interval(method="log-log")). NaN durations
    are dropped; no cases gives prob NaN; no event by h gives prob 0 and no interval.
    """
    d = np.asarray(durations, dtype=float).ravel()
    obs = np.asarray(observed, dtype=bool).ravel()
    if d.shape != obs.shape:
        raise ValueError("durations and observed must have the same length")
    keep = np.isfinite(d)
    d, obs = d[keep], obs[keep]
    n, events = int(d.size), int(obs.sum())
    if n == 0:
        return Reading(math.nan, None, math.nan, float(limit), float(limit), 0.0, False, 0, 0, 0)
    follow_up = float(d.max())
    open_before = bool(np.any(~obs & (d < limit)))
    horizon = float(min(limit, follow_up)) if open_before else float(limit)
    if at is not None:
        horizon = min(horizon, float(at))
    limited = horizon < limit
    surv, v = 1.0, 0.0
    for t in np.unique(d[obs & (d <= horizon)]):
        at_risk = int(np.count_nonzero(d >= t))
        done = int(np.count_nonzero((d == t) & obs))
        surv *= 1 - done / at_risk
        v = math.inf if done >= at_risk else v + done / (at_risk * (at_risk - done))
    variance = 0.0 if surv == 0 else surv * surv * v
    ci95 = log_log_interval(surv, v) if events else None
    return Reading(1 - surv, ci95, variance, horizon, float(limit), follow_up, limited, n, events, n - events)


@dataclass(frozen=True)
class Pooled:
    """A stratified estimate: strata weighted by their number of cases, with its variance and interval."""

    prob: float
    ci95: tuple[float, float] | None
    variance: float
    n: int


def pooled(strata) -> Pooled:
    """P(done within its own limit) over strata judged each against its own limit (issue 22 item 3: a unit's
    services, a city's units): the direct-standardised combination with case-count weights w_s = n_s / N,
    P = sum w_s P_s, Var P = sum w_s^2 Var P_s (strata independent: disjoint cases), and the log-log interval of
    `log_log_interval` with V = Var / S^2 on S = 1 - P. One stratum gives back its own estimate and interval.
    When no stratum is censored before its limit each P_s = k_s / n_s, so P = sum k_s / N, the completed share.
    `strata`: (n_s, P_s, Var P_s) per stratum; strata with no cases or no estimate are left out."""
    kept = [(int(n), float(p), float(v)) for n, p, v in strata if n and math.isfinite(p)]
    total = sum(n for n, _p, _v in kept)
    if total == 0:
        return Pooled(math.nan, None, math.nan, 0)
    prob = sum(n / total * p for n, p, _v in kept)
    variance = sum((n / total) ** 2 * v for n, _p, v in kept)
    surv = 1 - prob
    ci95 = log_log_interval(surv, variance / (surv * surv)) if 0 < surv < 1 else None
    return Pooled(prob, ci95, variance, total)


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
