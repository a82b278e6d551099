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


def test_ikm_change_with_profiles_resamples_respondents():
    """With correlated answers the respondent-based change interval is wider than the counts-only one."""
    from survey.ikm import counts_from_answers, profiles_from_answers

    rng = np.random.default_rng(5)

    def sample(shift):
        latent = rng.normal(3.0 + shift, 0.6, size=(300, 1))
        return np.clip(np.rint(latent + rng.normal(0, 0.4, size=(300, 9))), 1, 4).astype(int)

    a, b = sample(0.0), sample(0.1)
    plain = ikm_change(counts_from_answers(a), counts_from_answers(b))
    resp = ikm_change(counts_from_answers(a), counts_from_answers(b),
                      profiles_a=profiles_from_answers(a), profiles_b=profiles_from_answers(b))
    assert plain.diff == resp.diff
    assert resp.ci95[0] < resp.diff < resp.ci95[1]
    assert (resp.ci95[1] - resp.ci95[0]) > 1.5 * (plain.ci95[1] - plain.ci95[0])
