"""The arrivals forecast (survey.forecast) on constructed data with known rates: the rates are recovered, the
interval covers what it says (seeded), unobserved days are not zeros, and the model is chosen on held-out weeks."""

from __future__ import annotations

import numpy as np
import pytest

from survey import forecast as fc

DAY = np.array([1.45, 1.1, 1.0, 0.95, 0.7])  # Monday busiest, Friday a short day
HOUR = np.array([1.0, 2.3, 2.6, 1.8, 1.2, 0.9, 0.7, 0.35])  # 08:00 .. 15:00, a morning peak
RATE = 3.0 * DAY[:, None] * HOUR[None, :]  # arrivals per hour, multiplicative weekday x hour


def _weeks(rng, weeks: int, rate: np.ndarray = RATE, alpha: float = 0.0) -> np.ndarray:
    """Counts per (week, weekday, hour): Poisson (alpha 0) or negative binomial NB2 (gamma-Poisson)."""
    if alpha == 0:
        return rng.poisson(rate, size=(weeks, *rate.shape))
    r = 1.0 / alpha
    return rng.poisson(rng.gamma(r, rate / r, size=(weeks, *rate.shape)))


@pytest.mark.parametrize("model", fc.MODELS)
def test_known_poisson_rates_are_recovered(model):
    rng = np.random.default_rng(29)
    errors = []
    for _ in range(40):
        f = fc.forecast(_weeks(rng, 12), model=model)
        errors.append(f.mean - RATE)
    bias = np.mean(errors, axis=0)
    assert np.max(np.abs(bias) / RATE) < 0.12  # unbiased cell by cell, within simulation noise
    assert np.mean(np.abs(errors) / RATE) < (0.08 if model == "nb_glm" else 0.2)


def test_the_glm_finds_the_weekday_and_hour_pattern_and_the_dispersion():
    rng = np.random.default_rng(7)
    f = fc.forecast(_weeks(rng, 12, alpha=0.25), model="nb_glm")
    assert f.mean[0, 2] > 2 * f.mean[4, 7]  # Monday 10:00 is far busier than Friday 15:00
    assert np.argmax(f.mean.sum(axis=1)) == 0 and np.argmax(f.mean.sum(axis=0)) == 2
    assert 0.1 < f.dispersion < 0.45
    poisson = fc.forecast(_weeks(np.random.default_rng(8), 12), model="nb_glm")
    assert poisson.dispersion < 0.05


@pytest.mark.parametrize(("model", "alpha"), [("seasonal_mean", 0.0), ("nb_glm", 0.0), ("seasonal_mean", 0.2),
                                              ("nb_glm", 0.2)])
def test_the_interval_covers_next_weeks_counts_as_often_as_it_says(model, alpha):
    """Seeded coverage: fit on 12 simulated weeks, draw the 13th; a 90 % interval of a discrete count holds it at
    least 90 % of the time (a little more, as quantiles of a count jump) and not much more."""
    rng = np.random.default_rng(2029)
    inside = []
    for _ in range(120):
        data = _weeks(rng, 13, alpha=alpha)
        f = fc.forecast(data[:12], model=model, level=0.90)
        inside.append((data[12] >= f.low) & (data[12] <= f.high))
    coverage = float(np.mean(inside))
    assert 0.88 <= coverage <= 0.97, coverage


def test_unobserved_days_are_left_out_not_read_as_zeros():
    rng = np.random.default_rng(3)
    counts = _weeks(rng, 10)
    observed = np.ones(counts.shape, dtype=bool)
    counts[[2, 5], 1, :] = 0  # two Tuesdays were holidays: nobody came, and that says nothing of Tuesdays
    observed[[2, 5], 1, :] = False
    for model in fc.MODELS:
        seen = fc.forecast(counts, observed, model=model)
        naive = fc.forecast(counts, model=model)
        assert seen.mean[1].sum() > naive.mean[1].sum()
        assert abs(seen.mean[1].sum() - RATE[1].sum()) < abs(naive.mean[1].sum() - RATE[1].sum())


def test_a_cell_never_observed_takes_its_hour_and_an_hour_nobody_came_is_zero():
    rng = np.random.default_rng(4)
    counts = _weeks(rng, 8)
    counts[:, :, 7] = 0  # nobody ever comes at 15:00
    observed = np.ones(counts.shape, dtype=bool)
    observed[:, 3, :] = False  # every Thursday closed in the window
    for model in fc.MODELS:
        f = fc.forecast(counts, observed, model=model)
        assert np.all(f.mean[:, 7] == 0) and np.all(f.high[:, 7] == 0)
        assert np.all(f.mean[3, :7] > 0)


def test_the_model_is_chosen_on_held_out_weeks():
    rng = np.random.default_rng(11)
    f = fc.forecast(_weeks(rng, 12, alpha=0.1))
    v = f.validation
    assert v is not None and v.holdout_weeks == 2 and v.cells == 2 * 5 * 8
    assert f.model == v.chosen == min(v.mae, key=lambda m: (v.mae[m], m != "seasonal_mean"))
    assert v.relative_error is not None and 0 < v.relative_error < 1
    # A pattern the weekday + hour model cannot express (Monday's peak at 08:00, other days' at 11:00), with
    # plenty of arrivals: the cell means win on the held-out weeks.
    rate = np.full((5, 8), 4.0)
    rate[0, 0] = 60.0
    rate[1:, 3] = 60.0
    g = fc.forecast(_weeks(np.random.default_rng(12), 12, rate=rate))
    assert g.validation is not None and g.model == "seasonal_mean"


def test_few_weeks_use_the_seasonal_mean_unvalidated():
    f = fc.forecast(_weeks(np.random.default_rng(5), 3))
    assert f.model == "seasonal_mean" and f.validation is None and f.weeks == 3


def test_services_combine_into_one_pool():
    rng = np.random.default_rng(6)
    a = fc.forecast(_weeks(rng, 10), model="nb_glm")
    b = fc.forecast(_weeks(rng, 10, rate=RATE / 2), model="nb_glm")
    mean, variance, low, high = fc.combine([a, b])
    assert np.allclose(mean, a.mean + b.mean) and np.allclose(variance, a.variance + b.variance)
    assert np.all(low <= np.floor(mean) + 1) and np.all(high >= np.floor(mean))


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        fc.forecast(np.zeros((4, 5)))
    with pytest.raises(ValueError):
        fc.forecast(-np.ones((4, 5, 8)))
    with pytest.raises(ValueError):
        fc.forecast(np.zeros((4, 5, 8)), model="neural")
