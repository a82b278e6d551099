"""Sample size (Krejcie-Morgan), margin of error, response rates and Cronbach's alpha."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

KM_CHI2 = 3.841
KM_P = 0.5
KM_D = 0.05


def krejcie_morgan(population: int) -> int:
    """Required sample for a population of N (Krejcie & Morgan 1970, as used by PermenPANRB 14/2017).

    S = chi2*N*P*(1-P) / (d^2*(N-1) + chi2*P*(1-P)) with chi2 = 3.841, P = 0.5, d = 0.05, rounded to the
    nearest integer (half up). Reproduces the published table (100 -> 80, 1000 -> 278, 10000 -> 370).
    """
    if isinstance(population, bool) or not isinstance(population, (int, np.integer)):
        raise TypeError("population must be an integer")
    n = int(population)
    if n < 1:
        raise ValueError("population must be a positive integer")
    s = KM_CHI2 * n * KM_P * (1 - KM_P) / (KM_D**2 * (n - 1) + KM_CHI2 * KM_P * (1 - KM_P))
    return min(n, int(math.floor(s + 0.5)))


def margin_of_error(n: int, population: int | None, p: float = 0.5, conf: float = 0.95) -> float:
    """Half-width of the normal-approximation interval for a proportion, with finite population correction.

    e = z * sqrt(p(1-p)/n) * sqrt((N-n)/(N-1))  (Cochran, Sampling Techniques, 3rd ed., eq. 4.2 / 2.4).
    population=None means an infinite population (no correction). n = 0 gives inf; n >= N gives 0.
    """
    if n <= 0:
        return math.inf
    z = float(stats.norm.ppf(0.5 + conf / 2))
    e = z * math.sqrt(p * (1 - p) / n)
    if population is not None:
        if population <= 1 or n >= population:
            return 0.0
        e *= math.sqrt((population - n) / (population - 1))
    return e


@dataclass(frozen=True)
class ResponseRate:
    """Served -> offered the survey -> responded, with rates (None when the denominator is 0)."""

    served: int
    offered: int
    responded: int
    offer_rate: float | None  # offered / served
    response_rate: float | None  # responded / offered
    coverage: float | None  # responded / served


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def response_rate(served: int, offered: int, responded: int) -> ResponseRate:
    """Response-rate funnel (AAPOR-style simple ratios): offer rate, response rate, coverage of those served."""
    if min(served, offered, responded) < 0:
        raise ValueError("counts must be non-negative")
    return ResponseRate(served, offered, responded,
                        _ratio(offered, served), _ratio(responded, offered), _ratio(responded, served))


def cronbach_alpha(answers) -> float | None:
    """Cronbach's alpha of the items (Cronbach 1951): k/(k-1) * (1 - sum(var_i) / var(total)).

    `answers` is an (n, k) array of scores where 0 or NaN means unanswered; only complete rows are used
    (listwise deletion). Sample variances (ddof=1). None when fewer than 2 complete rows, fewer than 2 items,
    or the total score has zero variance.
    """
    a = np.asarray(answers, dtype=float)
    if a.ndim != 2 or a.shape[1] < 2:
        return None
    complete = np.all(np.isfinite(a) & (a > 0), axis=1)
    x = a[complete]
    if x.shape[0] < 2:
        return None
    k = x.shape[1]
    total_var = float(np.var(x.sum(axis=1), ddof=1))
    if total_var <= 0:
        return None
    item_var = float(np.var(x, axis=0, ddof=1).sum())
    return k / (k - 1) * (1 - item_var / total_var)
