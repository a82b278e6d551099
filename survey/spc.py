"""Statistical process control: p-charts with Western Electric run rules, funnel-plot limits."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

RULE_1 = "1_beyond_3sigma"
RULE_2 = "2_of_3_beyond_2sigma"
RULE_3 = "4_of_5_beyond_1sigma"
RULE_4 = "8_in_a_row_same_side"


@dataclass(frozen=True)
class PChart:
    """p-chart: centre line, per-point proportions, 3-sigma limits following n, z-scores and signals."""

    center: float
    p: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    z: np.ndarray
    signals: list[tuple[int, str]] = field(default_factory=list)


def _window_rule(z: np.ndarray, width: int, need: int, thresh: float) -> list[int]:
    """Indices i where, among the `width` points ending at i, >= `need` lie beyond `thresh` sigma on one
    side and point i itself is one of them (so a cluster is flagged where it completes, not re-flagged for
    unrelated points)."""
    hits = []
    for sign in (1, -1):
        beyond = (sign * z > thresh)
        csum = np.concatenate([[0], np.cumsum(beyond)])
        for i in range(width - 1, z.size):
            if beyond[i] and csum[i + 1] - csum[i + 1 - width] >= need:
                hits.append(i)
    return hits


def p_chart(k, n) -> PChart:
    """p-chart (Shewhart; Montgomery, Introduction to Statistical Quality Control, sec. 7.2.2, variable n).

    centre = sum k / sum n; sigma_i = sqrt(centre(1-centre)/n_i); limits centre -/+ 3 sigma_i clipped to
    [0, 1]. Signals (Western Electric Statistical Quality Control Handbook, 1956), on z_i = (p_i-centre)/sigma_i:
    rule 1: a point beyond 3 sigma; rule 2: 2 of 3 consecutive beyond 2 sigma on the same side; rule 3: 4 of 5
    consecutive beyond 1 sigma on the same side; rule 4: 8 consecutive on the same side of the centre.
    Rules 2-3 flag the point completing the pattern (it must itself be beyond); rule 4 flags the 8th point
    and each further point of the run. Periods with n = 0 have NaN p and z and break runs.
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if k.shape != n.shape or k.ndim != 1:
        raise ValueError("k and n must be 1-d arrays of the same length")
    if np.any(k < 0) or np.any(k > n):
        raise ValueError("need 0 <= k <= n")
    total = n.sum()
    center = float(k.sum() / total) if total > 0 else float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, k / n, np.nan)
        sigma = np.where(n > 0, np.sqrt(center * (1 - center) / n), np.nan)
        dev = p - center
        z = np.where(sigma > 0, dev / sigma, np.where(dev == 0, 0.0, np.sign(dev) * np.inf))
    z = np.where(n > 0, z, np.nan)
    lcl = np.clip(center - 3 * sigma, 0.0, 1.0)
    ucl = np.clip(center + 3 * sigma, 0.0, 1.0)
    zf = np.nan_to_num(z, nan=0.0, posinf=np.inf, neginf=-np.inf)
    signals: set[tuple[int, str]] = set()
    for i in np.flatnonzero(np.abs(zf) > 3):
        signals.add((int(i), RULE_1))
    for i in _window_rule(zf, 3, 2, 2.0):
        signals.add((i, RULE_2))
    for i in _window_rule(zf, 5, 4, 1.0):
        signals.add((i, RULE_3))
    run_side, run_len = 0, 0
    for i, zi in enumerate(z):
        side = 0 if np.isnan(zi) else int(np.sign(zi))
        if side != 0 and side == run_side:
            run_len += 1
        else:
            run_side, run_len = side, (1 if side != 0 else 0)
        if run_len >= 8:
            signals.add((i, RULE_4))
    return PChart(center, p, lcl, ucl, z, sorted(signals))


def funnel_limits(p0: float, n, levels=(0.95, 0.998)) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Funnel-plot control limits for a proportion around the overall rate p0 (Spiegelhalter 2005,
    "Funnel plots for comparing institutional performance", Stat Med 24:1185, exact binomial with the
    interpolation of his appendix A.1.1): r = binom.ppf(q, n, p0), a = (F(r) - q) / (F(r) - F(r-1)),
    limit = (r - a) / n, for q = (1-level)/2 and 1-(1-level)/2. Returns level -> (low, high) arrays of
    proportions; n = 0 gives (0, 1)."""
    n = np.atleast_1d(np.asarray(n, dtype=float))
    out = {}
    for level in levels:
        lims = []
        for q in ((1 - level) / 2, 1 - (1 - level) / 2):
            nn = np.maximum(n, 1)
            r = stats.binom.ppf(q, nn, p0)
            f_r = stats.binom.cdf(r, nn, p0)
            f_r1 = stats.binom.cdf(r - 1, nn, p0)
            with np.errstate(invalid="ignore", divide="ignore"):
                a = np.where(f_r - f_r1 > 0, (f_r - q) / (f_r - f_r1), 0.0)
            lim = np.clip((r - a) / nn, 0.0, 1.0)
            lims.append(lim)
        low, high = lims
        low = np.where(n > 0, low, 0.0)
        high = np.where(n > 0, high, 1.0)
        out[level] = (low, high)
    return out


def funnel_position(k, n, p0: float) -> list[str]:
    """Where each unit sits on the funnel plot: 'inside', 'above95', 'above998', 'below95' or 'below998'
    (limits of `funnel_limits`; a point exactly on a limit is inside it)."""
    k = np.atleast_1d(np.asarray(k, dtype=float))
    n = np.atleast_1d(np.asarray(n, dtype=float))
    lim = funnel_limits(p0, n, (0.95, 0.998))
    lo95, hi95 = lim[0.95]
    lo998, hi998 = lim[0.998]
    out = []
    for i in range(k.size):
        if n[i] <= 0:
            out.append("inside")
            continue
        p = k[i] / n[i]
        if p > hi998[i]:
            out.append("above998")
        elif p > hi95[i]:
            out.append("above95")
        elif p < lo998[i]:
            out.append("below998")
        elif p < lo95[i]:
            out.append("below95")
        else:
            out.append("inside")
    return out
