"""Arrivals per weekday × hour of the next week from past weeks: two count models, chosen on held-out weeks, with
a prediction interval.

Input: `counts[w, d, h]`, the arrivals of past week w (oldest first) on weekday d in hour slot h, and `observed`
(same shape), False where the cell tells nothing (a holiday, a closure, a day before the data begin); unobserved
cells are left out, never read as zeros. Both models assume the weekly pattern repeats (no trend, every week
weighs the same) and that counts are over-dispersed Poisson, i.e. negative binomial NB2 with
Var(y) = μ + α·μ² (Cameron & Trivedi, *Regression Analysis of Count Data*, 2nd ed., ch. 3):

- ``seasonal_mean``: μ[d, h] = the mean of the observed counts of that weekday and hour (a cell never observed
  takes the mean of its hour over the other weekdays); α by the method of moments pooled over the cells,
  α = max(0, Σ n·(s² − ȳ)) / Σ n·ȳ² (s² the cell's sample variance); Var(μ̂) = (μ̂ + α·μ̂²) / n.
- ``nb_glm``: a negative binomial GLM with log link, log μ[d, h] = β₀ + β_d + γ_h (weekday and hour effects,
  multiplicative), fitted by iteratively reweighted least squares for given α and α by maximising the profile
  likelihood (NB2 with α → 0 is Poisson); Var(μ̂) by the delta method from the Fisher information. A weekday or
  hour observed but with no arrival at all is forecast 0 (its effect would be −∞); one never observed takes the
  average effect of the others.

Choice (`forecast`): with at least MIN_WEEKS_TO_VALIDATE weeks, both models are fitted on all weeks but the last
`holdout` and scored on the held-out weeks by the mean absolute error of the forecast mean per observed hour; the
model with the smaller error is refitted on every week (a tie keeps the simpler seasonal mean). With fewer weeks
nothing can be validated and the seasonal mean is used.

Interval: the predictive distribution of next week's count is taken as negative binomial with mean μ̂ and variance
μ̂ + α·μ̂² + Var(μ̂) (the count's own spread plus the estimate's), Poisson when that variance is not above μ̂; the
interval runs from its (1 − level)/2 to its (1 + level)/2 quantile, so it holds the count with probability at
least `level` when the model is right (a discrete interval covers at least its level).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

MODELS = ("seasonal_mean", "nb_glm")
LEVEL = 0.90
MIN_WEEKS_TO_VALIDATE = 4
MAX_ALPHA = 20.0
MIN_ALPHA = 1e-8


@dataclass(frozen=True)
class Validation:
    """How the model was chosen: the last `holdout_weeks` weeks held out, each model's mean absolute error per
    observed hour on them (`mae`), the mean held-out count (for a relative error) and the chosen model."""

    holdout_weeks: int
    cells: int
    mae: dict[str, float]
    mean_count: float
    chosen: str

    @property
    def relative_error(self) -> float | None:
        """The chosen model's MAE as a share of the mean count per hour (None when nobody arrived)."""
        return self.mae[self.chosen] / self.mean_count if self.mean_count > 0 else None


@dataclass(frozen=True)
class Fit:
    """One model fitted on some weeks: the forecast mean per (weekday, hour), the variance of that estimate and
    the NB2 dispersion α (0 = Poisson)."""

    model: str
    mean: np.ndarray
    estimate_variance: np.ndarray
    dispersion: float


@dataclass(frozen=True)
class Forecast:
    """Next week's arrivals per (weekday, hour): mean, predictive variance and the interval [low, high] at
    `level`; `weeks` the weeks used, `validation` how the model was chosen (None with too few weeks)."""

    model: str
    mean: np.ndarray
    variance: np.ndarray
    low: np.ndarray
    high: np.ndarray
    level: float
    dispersion: float
    weeks: int
    validation: Validation | None


def _as_arrays(counts, observed) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(counts, dtype=float)
    if y.ndim != 3:
        raise ValueError("counts must have the shape (weeks, weekdays, hours)")
    mask = np.ones(y.shape, dtype=bool) if observed is None else np.asarray(observed, dtype=bool)
    if mask.shape != y.shape:
        raise ValueError("observed must have the shape of counts")
    if np.any(y[mask] < 0) or not np.all(np.isfinite(y[mask])):
        raise ValueError("counts must be finite and >= 0")
    return y, mask


def fit_seasonal_mean(counts, observed=None) -> Fit:
    """The seasonal mean model (module docstring)."""
    y, mask = _as_arrays(counts, observed)
    n = mask.sum(axis=0)
    total = np.where(mask, y, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
    hour_n = n.sum(axis=0)
    hour_mean = np.where(hour_n > 0, total.sum(axis=0) / np.maximum(hour_n, 1), 0.0)
    filled = np.where(np.isnan(mean), hour_mean[np.newaxis, :], mean)
    n_eff = np.where(n > 0, n, np.maximum(hour_n, 1))
    # Pooled method-of-moments dispersion over cells seen at least twice.
    deviation = np.where(mask, (y - np.nan_to_num(mean)[np.newaxis]) ** 2, 0.0).sum(axis=0)
    two = n >= 2
    s2 = np.where(two, deviation / np.maximum(n - 1, 1), 0.0)
    numerator = float(np.sum(np.where(two, n * (s2 - np.nan_to_num(mean)), 0.0)))
    denominator = float(np.sum(np.where(two, n * np.nan_to_num(mean) ** 2, 0.0)))
    alpha = min(MAX_ALPHA, max(0.0, numerator / denominator)) if denominator > 0 else 0.0
    estimate_variance = (filled + alpha * filled ** 2) / n_eff
    return Fit("seasonal_mean", filled, estimate_variance, alpha)


def _design(days: int, hours: int, keep_days: np.ndarray, keep_hours: np.ndarray) -> np.ndarray:
    """Rows for every (weekday, hour) cell: intercept, weekday and hour indicators (first kept level as base)."""
    d_levels = np.flatnonzero(keep_days)
    h_levels = np.flatnonzero(keep_hours)
    columns = 1 + max(len(d_levels) - 1, 0) + max(len(h_levels) - 1, 0)
    x = np.zeros((days, hours, columns))
    x[..., 0] = 1.0
    for j, d in enumerate(d_levels[1:], start=1):
        x[d, :, j] = 1.0
    offset = max(len(d_levels) - 1, 0)
    for j, h in enumerate(h_levels[1:], start=1 + offset):
        x[:, h, j] = 1.0
    return x


def _nb_loglik(y: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    if alpha <= MIN_ALPHA:
        return float(np.sum(stats.poisson.logpmf(y, mu)))
    r = 1.0 / alpha
    return float(np.sum(special.gammaln(y + r) - special.gammaln(r) - special.gammaln(y + 1)
                        + r * np.log(r / (r + mu)) + y * np.log(mu / (r + mu))))


def _irls(x: np.ndarray, y: np.ndarray, alpha: float, beta: np.ndarray | None = None,
          iterations: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Maximum likelihood β of the NB2 log-link GLM for a fixed α (Fisher scoring = IRLS), with step halving."""
    if beta is None:
        start = np.zeros(x.shape[1])
        start[0] = np.log(max(float(y.mean()), 1e-3))
    else:
        start = beta
    beta = start
    mu = np.exp(np.clip(x @ beta, -30, 30))
    current = _nb_loglik(y, mu, alpha)
    for _ in range(iterations):
        information = x.T @ (x * (mu / (1.0 + alpha * mu))[:, None])
        step = np.linalg.solve(information + 1e-10 * np.eye(len(beta)), x.T @ ((y - mu) / (1.0 + alpha * mu)))
        factor = 1.0
        while True:
            candidate = beta + factor * step
            candidate_mu = np.exp(np.clip(x @ candidate, -30, 30))
            value = _nb_loglik(y, candidate_mu, alpha)
            if value >= current - 1e-12 or factor < 1e-6:
                break
            factor /= 2
        beta, mu, current = candidate, candidate_mu, value
        if np.max(np.abs(factor * step)) < 1e-8:
            break
    information = x.T @ (x * (mu / (1.0 + alpha * mu))[:, None])
    return beta, information


def fit_nb_glm(counts, observed=None) -> Fit:
    """The negative binomial GLM with weekday and hour effects (module docstring)."""
    y, mask = _as_arrays(counts, observed)
    _weeks, days, hours = y.shape
    seen = np.where(mask, y, 0.0)
    keep_days = (seen.sum(axis=(0, 2)) > 0) & mask.any(axis=(0, 2))
    keep_hours = (seen.sum(axis=(0, 1)) > 0) & mask.any(axis=(0, 1))
    mean = np.zeros((days, hours))
    variance = np.zeros((days, hours))
    if not keep_days.any() or not keep_hours.any():
        return Fit("nb_glm", mean, variance, 0.0)
    x_cells = _design(days, hours, keep_days, keep_hours)
    rows = mask & keep_days[np.newaxis, :, np.newaxis] & keep_hours[np.newaxis, np.newaxis, :]
    x = np.broadcast_to(x_cells, y.shape + (x_cells.shape[-1],))[rows]
    yy = y[rows]

    poisson_beta, _ = _irls(x, yy, 0.0)
    poisson_ll = _nb_loglik(yy, np.exp(np.clip(x @ poisson_beta, -30, 30)), 0.0)

    def profile(log_alpha: float) -> float:
        alpha = float(np.exp(log_alpha))
        beta, _ = _irls(x, yy, alpha, poisson_beta.copy())
        return -_nb_loglik(yy, np.exp(np.clip(x @ beta, -30, 30)), alpha)

    found = optimize.minimize_scalar(profile, bounds=(np.log(1e-6), np.log(MAX_ALPHA)), method="bounded",
                                     options={"xatol": 1e-3})
    alpha = float(np.exp(found.x)) if -found.fun > poisson_ll + 1e-9 else 0.0
    beta, information = _irls(x, yy, alpha, poisson_beta.copy())
    covariance = np.linalg.pinv(information)
    # A weekday (or hour) never observed in the weeks given takes the average effect of the observed ones.
    unseen_days, unseen_hours = ~mask.any(axis=(0, 2)), ~mask.any(axis=(0, 1))
    n_day_effects = int(keep_days.sum()) - 1
    n_hour_effects = int(keep_hours.sum()) - 1
    if n_day_effects > 0 and unseen_days.any():
        x_cells[unseen_days, :, 1:1 + n_day_effects] = 1.0 / (n_day_effects + 1)
    if n_hour_effects > 0 and unseen_hours.any():
        first = 1 + n_day_effects
        x_cells[:, unseen_hours, first:first + n_hour_effects] = 1.0 / (n_hour_effects + 1)
    eta = x_cells @ beta
    cell_mean = np.exp(np.clip(eta, -30, 30))
    log_variance = np.einsum("dhi,ij,dhj->dh", x_cells, covariance, x_cells)
    keep = (keep_days | unseen_days)[:, np.newaxis] & (keep_hours | unseen_hours)[np.newaxis, :]
    mean[keep] = cell_mean[keep]
    variance[keep] = (cell_mean ** 2 * log_variance)[keep]
    return Fit("nb_glm", mean, variance, alpha)


FITTERS = {"seasonal_mean": fit_seasonal_mean, "nb_glm": fit_nb_glm}


def predictive_interval(mean, variance, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """[low, high] of a count with this mean and variance: negative binomial quantiles at (1 ∓ level)/2 when the
    variance exceeds the mean (moment matched: n = μ² / (V − μ), p = μ / V), Poisson quantiles otherwise."""
    mu = np.asarray(mean, dtype=float)
    v = np.asarray(variance, dtype=float)
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    low = np.zeros(mu.shape)
    high = np.zeros(mu.shape)
    positive = mu > 0
    over = positive & (v > mu * (1 + 1e-9))
    poisson = positive & ~over
    if poisson.any():
        low[poisson] = stats.poisson.ppf(lo_q, mu[poisson])
        high[poisson] = stats.poisson.ppf(hi_q, mu[poisson])
    if over.any():
        size = mu[over] ** 2 / (v[over] - mu[over])
        p = mu[over] / v[over]
        low[over] = stats.nbinom.ppf(lo_q, size, p)
        high[over] = stats.nbinom.ppf(hi_q, size, p)
    return low.astype(int), high.astype(int)


def _finish(fit: Fit, weeks: int, level: float, validation: Validation | None) -> Forecast:
    variance = fit.mean + fit.dispersion * fit.mean ** 2 + fit.estimate_variance
    low, high = predictive_interval(fit.mean, variance, level)
    return Forecast(fit.model, fit.mean, variance, low, high, level, fit.dispersion, weeks, validation)


def validate(counts, observed=None, holdout: int | None = None) -> Validation | None:
    """Score both models on the last `holdout` weeks (default 2, or 1 with fewer than 6 weeks) after fitting them
    on the weeks before; None with fewer than MIN_WEEKS_TO_VALIDATE weeks or nothing observed to score."""
    y, mask = _as_arrays(counts, observed)
    weeks = y.shape[0]
    if weeks < MIN_WEEKS_TO_VALIDATE:
        return None
    holdout = holdout or (2 if weeks >= 6 else 1)
    train_y, train_mask = y[:-holdout], mask[:-holdout]
    test_y, test_mask = y[-holdout:], mask[-holdout:]
    cells = int(test_mask.sum())
    if cells == 0 or not train_mask.any():
        return None
    mae = {}
    for name in MODELS:
        fit = FITTERS[name](train_y, train_mask)
        predicted = np.broadcast_to(fit.mean, test_y.shape)
        mae[name] = float(np.abs(test_y - predicted)[test_mask].mean())
    chosen = "nb_glm" if mae["nb_glm"] < mae["seasonal_mean"] else "seasonal_mean"
    return Validation(holdout, cells, mae, float(test_y[test_mask].mean()), chosen)


def forecast(counts, observed=None, level: float = LEVEL, model: str | None = None) -> Forecast:
    """Next week's arrivals per (weekday, hour) with a `level` prediction interval, by the model chosen on held-out
    weeks (or `model` when given). See the module docstring."""
    if not (0 < level < 1):
        raise ValueError("level must be between 0 and 1")
    y, mask = _as_arrays(counts, observed)
    if model is not None and model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}")
    validation = validate(y, mask) if model is None else None
    chosen = model or (validation.chosen if validation else "seasonal_mean")
    return _finish(FITTERS[chosen](y, mask), int(mask.any(axis=(1, 2)).sum()), level, validation)


def combine(forecasts: list[Forecast], level: float = LEVEL) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The sum of several services' arrivals (assumed independent): mean and variance add; the interval is the
    moment-matched predictive interval of the sum. Returns (mean, variance, low, high)."""
    if not forecasts:
        raise ValueError("nothing to combine")
    mean = np.sum([f.mean for f in forecasts], axis=0)
    variance = np.sum([f.variance for f in forecasts], axis=0)
    low, high = predictive_interval(mean, variance, level)
    return mean, variance, low, high
