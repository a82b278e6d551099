"""Unit tests of survey.sampling: Krejcie-Morgan table, margin of error, response rates, Cronbach's alpha."""

import math

import numpy as np
import pytest

from survey.sampling import cronbach_alpha, krejcie_morgan, margin_of_error, response_rate

TABLE = {10: 10, 50: 44, 100: 80, 250: 152, 300: 169, 1000: 278, 1200: 291, 1500: 306, 2000: 322, 10000: 370}


@pytest.mark.parametrize(("population", "sample"), TABLE.items())
def test_krejcie_morgan_published_table(population, sample):
    assert krejcie_morgan(population) == sample


def test_krejcie_morgan_limits():
    assert krejcie_morgan(1) == 1
    assert krejcie_morgan(10**9) == 384
    for bad in (0, -5):
        with pytest.raises(ValueError):
            krejcie_morgan(bad)
    with pytest.raises(TypeError):
        krejcie_morgan(10.5)


def test_margin_of_error():
    assert margin_of_error(384, None) == pytest.approx(0.05, abs=1e-3)
    # Krejcie-Morgan samples give about 5 % at 95 % confidence (they use chi2 = 3.841 = 1.96^2)
    for population, sample in TABLE.items():
        if population >= 100:
            assert margin_of_error(sample, population) == pytest.approx(0.05, abs=2e-3)
    assert margin_of_error(100, 100) == 0.0
    assert math.isinf(margin_of_error(0, 100))
    z = 1.959963984540054
    assert margin_of_error(50, 1000, p=0.3) == pytest.approx(z * math.sqrt(0.21 / 50) * math.sqrt(950 / 999))


def test_response_rate():
    r = response_rate(200, 150, 60)
    assert (r.offer_rate, r.response_rate, r.coverage) == (0.75, 0.4, 0.3)
    z = response_rate(0, 0, 0)
    assert z.offer_rate is None and z.response_rate is None and z.coverage is None


def test_cronbach_alpha_textbook():
    x = np.array([[4, 3, 4], [3, 3, 3], [2, 1, 2], [4, 4, 3], [1, 2, 1]], dtype=float)
    k = 3
    item_var = x.var(axis=0, ddof=1).sum()
    total_var = x.sum(axis=1).var(ddof=1)
    assert cronbach_alpha(x) == pytest.approx(k / (k - 1) * (1 - item_var / total_var))
    with_gap = np.vstack([x, [[4, 0, 4]], [[np.nan, 2, 2]]])
    assert cronbach_alpha(with_gap) == pytest.approx(cronbach_alpha(x))  # incomplete rows dropped
    assert cronbach_alpha(x[:1]) is None
    assert cronbach_alpha(np.ones((5, 3))) is None
