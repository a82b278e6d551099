"""Unit tests of survey.change: Newcombe's interval for a difference of proportions and the IKM change."""

import numpy as np
import pytest
from scipy import stats

from survey.change import ikm_change, two_proportions


def test_newcombe_published_example():
    # Newcombe (1998) Stat Med 17:873, example (a): 56/70 vs 48/80, method 10 gives 0.0524 to 0.3339
    c = two_proportions(48, 80, 56, 70)
    assert c.diff == pytest.approx(0.2)
    assert c.ci95[0] == pytest.approx(0.0524, abs=1e-4)
    assert c.ci95[1] == pytest.approx(0.3339, abs=1e-4)
    chi2 = stats.chi2_contingency([[56, 14], [48, 32]], correction=False)
    assert c.p_value == pytest.approx(chi2.pvalue)


def test_two_proportions_edges():
    c = two_proportions(0, 0, 5, 10)
    assert np.isnan(c.diff) and c.ci95 is None and c.p_value is None
    assert two_proportions(10, 10, 20, 20).p_value == 1.0


def test_ikm_change():
    good = np.array([[0, 1, 10, 18]] * 9)
    worse = np.array([[2, 5, 10, 12]] * 9)
    c = ikm_change(good, worse)
    assert c.diff < 0 and c.ci95[1] < 0 and c.p_value < 0.01
    assert ikm_change(good, worse) == c  # seeded
    same = ikm_change(good, good, B=500)
    assert same.diff == 0 and same.ci95[0] < 0 < same.ci95[1] and same.p_value > 0.5
    assert ikm_change(np.zeros((9, 4)), good).ci95 is None
