"""Statistical process control: p-charts with Western Electric run rules, funnel-plot limits (exact binomial, or
widened for overdispersion when the data call for it)."""

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
    return _positions(k, n, funnel_limits(p0, n, (0.95, 0.998)))


FUNNEL_METHODS = ("binomial", "multiplicative", "additive")
LEVELS = (0.95, 0.998)
WINSOR = 0.10  # Spiegelhalter 2005: 10 % of the z-scores at each end are pulled in


@dataclass(frozen=True)
class Funnel:
    """A funnel plot: overall rate, per-unit limits and positions, and the overdispersion assessment.

    method: 'binomial' (exact limits, no adjustment), 'multiplicative' (phi) or 'additive' (tau^2);
    phi: winsorised dispersion estimate; p_overdispersion: P(chi2_{I-1} >= I phi) (None when I < 2 or
    the z-scores are undefined); tau2: additive between-unit variance (0 unless overdispersed).
    """

    p0: float
    limits: dict[float, tuple[np.ndarray, np.ndarray]]
    positions: list[str]
    method: str
    phi: float | None
    tau2: float
    p_overdispersion: float | None
    z: np.ndarray


def overdispersion(k, n, p0: float, winsor: float = WINSOR) -> tuple[float | None, float, float | None]:
    """(phi, tau2, p-value) of the winsorised overdispersion estimate for proportions k/n around p0.

    Spiegelhalter 2005, "Handling over-dispersion of performance indicators", Qual Saf Health Care 14:347,
    and "Funnel plots for comparing institutional performance", Stat Med 24:1185, sec. 5: z_i = (y_i - p0) /
    s_i with s_i = sqrt(p0 (1 - p0) / n_i); z below its 10th / above its 90th percentile (numpy's linear
    percentile) are set to those percentiles; phi = (1/I) sum z_i^2, and I phi is compared with chi2 on I - 1
    degrees of freedom. Additive random effects (DerSimonian-Laird form): w_i = 1/s_i^2,
    tau2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w), or 0 when I phi <= I - 1.
    Units with n = 0 are left out; fewer than 2 units, or p0 of 0 or 1, give (None, 0.0, None).
    """
    k = np.atleast_1d(np.asarray(k, dtype=float))
    n = np.atleast_1d(np.asarray(n, dtype=float))
    use = n > 0
    k, n = k[use], n[use]
    m = k.size
    if m < 2 or not 0 < p0 < 1:
        return None, 0.0, None
    s2 = p0 * (1 - p0) / n
    z = (k / n - p0) / np.sqrt(s2)
    lo, hi = np.percentile(z, [100 * winsor, 100 * (1 - winsor)])
    zw = np.clip(z, lo, hi)
    phi = float(np.mean(zw ** 2))
    p_value = float(stats.chi2.sf(m * phi, m - 1))
    w = 1 / s2
    denom = w.sum() - (w ** 2).sum() / w.sum()
    tau2 = float(max(0.0, (m * phi - (m - 1)) / denom)) if denom > 0 else 0.0
    return phi, tau2, p_value


def funnel(k, n, p0: float | None = None, adjust: str = "auto", model: str = "additive",
           alpha: float = 0.05) -> Funnel:
    """Funnel plot of proportions k/n around p0 (default: the pooled rate sum k / sum n), 95 % and 99.8 % limits.

    adjust='auto' widens the limits only when the data call for it: the chi-square test of `overdispersion`
    rejects at `alpha` (I phi > chi2_{I-1, 1-alpha}, hence phi > 1). Then `model` decides how (Spiegelhalter
    2005): 'additive' random effects, limits p0 -/+ z_q sqrt(s_i^2 + tau2) (they stay apart as n grows, which
    suits many large units), or 'multiplicative', p0 -/+ z_q sqrt(phi) s_i (normal approximation, clipped to
    [0, 1]). Otherwise the exact binomial limits of `funnel_limits` are kept. adjust='none' never widens;
    adjust='always' widens whenever phi > 1. `method` says which limits were used.
    """
    if adjust not in ("auto", "none", "always"):
        raise ValueError("adjust must be 'auto', 'none' or 'always'")
    if model not in ("additive", "multiplicative"):
        raise ValueError("model must be 'additive' or 'multiplicative'")
    k = np.atleast_1d(np.asarray(k, dtype=float))
    n = np.atleast_1d(np.asarray(n, dtype=float))
    if k.shape != n.shape or np.any(k < 0) or np.any(k > n):
        raise ValueError("need k and n of one length with 0 <= k <= n")
    if p0 is None:
        p0 = float(k.sum() / n.sum()) if n.sum() > 0 else float("nan")
    phi, tau2, p_od = overdispersion(k, n, p0) if np.isfinite(p0) else (None, 0.0, None)
    widen = phi is not None and phi > 1 and (adjust == "always" or (adjust == "auto" and p_od is not None and p_od <= alpha))
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.sqrt(p0 * (1 - p0) / np.maximum(n, 1))
        z = np.where(n > 0, (k / np.maximum(n, 1) - p0) / s, np.nan)
    if not widen:
        limits = funnel_limits(p0, n, LEVELS)
        method, tau2 = "binomial", 0.0
    else:
        assert phi is not None  # widen implies it
        method = model
        limits = {}
        for level in LEVELS:
            zq = float(stats.norm.ppf(1 - (1 - level) / 2))
            half = zq * (np.sqrt(s ** 2 + tau2) if model == "additive" else np.sqrt(phi) * s)
            low = np.where(n > 0, np.clip(p0 - half, 0.0, 1.0), 0.0)
            high = np.where(n > 0, np.clip(p0 + half, 0.0, 1.0), 1.0)
            limits[level] = (low, high)
        if model == "multiplicative":
            tau2 = 0.0
    return Funnel(float(p0), limits, _positions(k, n, limits), method, phi, tau2, p_od, z)


def _positions(k: np.ndarray, n: np.ndarray, lim: dict) -> list[str]:
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
