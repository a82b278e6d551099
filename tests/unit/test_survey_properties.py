"""Property tests (hypothesis) of the IKM: bounds, monotonicity, counts path equal to raw path."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from survey.compliance import wilson_interval
from survey.ikm import WEIGHTS, counts_from_answers, ikm_from_answers, ikm_from_counts, profiles_from_answers

answers = arrays(np.int64, st.tuples(st.integers(1, 25), st.just(9)), elements=st.integers(0, 4))
weights = st.sampled_from(list(WEIGHTS))


@settings(max_examples=80, deadline=None)
@given(answers, weights)
def test_ikm_within_scale(a, weight):
    r = ikm_from_answers(a, weight, bootstrap=0)
    if not a.any():
        assert np.isnan(r.ikm)
        return
    assert 25 * 9 * WEIGHTS[weight] - 1e-9 <= r.ikm <= 100 + 1e-9
    assert r.category in "ABCD"


@settings(max_examples=80, deadline=None)
@given(answers, weights, st.data())
def test_ikm_never_decreases_when_an_answer_rises(a, weight, data):
    cells = np.argwhere((a > 0) & (a < 4))
    if cells.size == 0:
        return
    i, j = cells[data.draw(st.integers(0, len(cells) - 1))]
    b = a.copy()
    b[i, j] += data.draw(st.integers(1, 4 - a[i, j]))
    assert ikm_from_answers(b, weight, bootstrap=0).ikm >= ikm_from_answers(a, weight, bootstrap=0).ikm - 1e-12


@settings(max_examples=60, deadline=None)
@given(answers, weights, st.integers(0, 2**32 - 1))
def test_counts_path_equals_raw_path(a, weight, seed):
    raw = ikm_from_answers(a, weight, bootstrap=40, seed=seed)
    cnt = ikm_from_counts(counts_from_answers(a), weight, profiles=profiles_from_answers(a), bootstrap=40, seed=seed)
    np.testing.assert_array_equal(raw.nrr, cnt.nrr)
    assert (raw.ikm == cnt.ikm) or (np.isnan(raw.ikm) and np.isnan(cnt.ikm))
    assert raw.category == cnt.category
    assert raw.ci95 == cnt.ci95
    assert raw.category_certain == cnt.category_certain
    assert raw.unsur_grades == cnt.unsur_grades


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 500), st.integers(0, 500))
def test_wilson_contains_estimate(k, extra):
    n = k + extra
    low, high = wilson_interval(k, n)
    assert 0 <= low <= high <= 1
    if n:
        assert low <= k / n <= high
