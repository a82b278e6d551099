"""Unit tests of survey.ikm and survey.instrument: the worked n = 29 check, weightings, paths, intervals."""

from pathlib import Path

import numpy as np
import pytest

from survey.ikm import (
    CATEGORY_LABELS,
    WEIGHTS,
    bootstrap_respondents,
    category,
    counts_from_answers,
    ikm_from_answers,
    ikm_from_counts,
    profiles_from_answers,
    round_half_up,
)
from survey.instrument import UNSUR_2004, UNSUR_2017, category_2004

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "data" / "worked_n29.csv"
SHARED = Path(__file__).resolve().parents[3] / "shared/domain/worked_n29.csv"
EXPECTED = {"exact": 91.48, "0.11": 90.56, "0.111": 91.38}
TOTALS = [105, 101, 100, 116, 102, 105, 106, 105, 115]
NRR = [3.6207, 3.4828, 3.4483, 4.0000, 3.5172, 3.6207, 3.6552, 3.6207, 3.9655]


def load(path: Path) -> np.ndarray:
    return np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.int64)


def sources():
    out = [FIXTURE]
    if SHARED.exists():
        out.append(SHARED)
    return out


@pytest.mark.parametrize("path", sources(), ids=lambda p: p.parent.name)
@pytest.mark.parametrize("weight", list(EXPECTED))
def test_worked_check(path, weight):
    a = load(path)
    assert a.shape == (29, 9)
    assert a.sum(axis=0).tolist() == TOTALS
    r = ikm_from_answers(a, weight, bootstrap=0)
    assert r.n == 29
    assert round(r.ikm, 2) == EXPECTED[weight]
    assert r.category == "A"
    assert [round(x, 4) for x in r.nrr] == NRR
    c = ikm_from_counts(counts_from_answers(a), weight, bootstrap=0)
    assert c.ikm == r.ikm and c.nrr == r.nrr


def test_fixture_equals_shared_copy():
    if not SHARED.exists():
        pytest.skip("shared/domain not beside the repo")
    assert FIXTURE.read_text() == SHARED.read_text()


def test_weights_and_perfect_score():
    assert WEIGHTS["exact"] == 1 / 9
    perfect = np.full((5, 9), 4)
    assert ikm_from_answers(perfect, bootstrap=0).ikm == pytest.approx(100.0)
    assert ikm_from_answers(perfect, "0.11", bootstrap=0).ikm == pytest.approx(99.0)
    assert ikm_from_answers(perfect, "0.111", bootstrap=0).ikm == pytest.approx(99.9)
    assert ikm_from_answers(np.ones((3, 9)), bootstrap=0).ikm == pytest.approx(25.0)
    with pytest.raises(ValueError):
        ikm_from_answers(perfect, "0.1")


@pytest.mark.parametrize(
    ("ikm", "cat"),
    [(25, "D"), (64.99, "D"), (64.994, "D"), (64.995, "C"), (65.0, "C"), (76.60, "C"), (76.604, "C"),
     (76.605, "B"), (76.61, "B"), (88.30, "B"), (88.305, "A"), (88.31, "A"), (100, "A"), (float("nan"), "-")],
)
def test_category_thresholds(ikm, cat):
    assert category(ikm) == cat


def test_category_of_exact_midpoint_despite_float_noise():
    a = np.array([[4] * 9] * 321 + [[3] * 9] * 4679)
    r = ikm_from_answers(a, bootstrap=0)
    assert r.category == "B" and round_half_up(r.ikm) == 76.61
    noisy = 76.60499999999999  # a midpoint carrying floating-point noise (cf. the IKM of NRR 3.3222 everywhere)
    assert category(noisy) == "B" and round_half_up(noisy) == 76.61 and category(76.6049) == "C"
    assert round_half_up(83.05499999999999) == 83.06 and round_half_up(2.675) == 2.68 and round_half_up(76.6049) == 76.6


def test_category_labels():
    assert CATEGORY_LABELS["A"] == ("sangat baik", "very good")
    assert CATEGORY_LABELS["D"] == ("tidak baik", "very poor")


def test_counts_from_answers_ignores_unanswered_and_nan():
    a = np.array([[1, 2, 3, 4, 0, 0, 0, 0, 0], [4, 4, 4, 4, 4, 4, 4, 4, 4], [0] * 9])
    c = counts_from_answers(a)
    assert c.shape == (9, 4) and c.dtype == np.int64
    assert c[0].tolist() == [1, 0, 0, 1]
    assert c[4].tolist() == [0, 0, 0, 1]
    f = np.where(a == 0, np.nan, a).astype(float)
    np.testing.assert_array_equal(counts_from_answers(f), c)
    r = ikm_from_answers(f, bootstrap=0)
    assert r.n == 2  # the empty row is not a respondent
    assert r.responses_per_unsur == (2, 2, 2, 2, 1, 1, 1, 1, 1)


@pytest.mark.parametrize("bad", [[[5] * 9], [[-1] * 9], [[1.5] * 9], [[1] * 8]])
def test_bad_answers_rejected(bad):
    with pytest.raises(ValueError):
        counts_from_answers(np.array(bad))


def test_unanswered_unsur_renormalises_weights():
    # U8 never answered: NI is the mean of the other eight NRR (exact weight) and the scale stays 25..100
    a = np.array([[4, 4, 4, 4, 4, 4, 4, 0, 4], [2, 2, 2, 2, 2, 2, 2, 0, 2]])
    r = ikm_from_answers(a, bootstrap=200, seed=1)
    assert np.isnan(r.nrr[7]) and r.unsur_grades[7] == "-"
    assert r.ni == pytest.approx(3.0)
    assert r.ikm == pytest.approx(75.0)
    r11 = ikm_from_answers(np.where(a > 0, 4, 0), "0.11", bootstrap=0)
    assert r11.ikm == pytest.approx(99.0)  # the agency's rounding convention is kept
    assert r.ci95 is not None and 25 <= r.ci95[0] <= r.ci95[1] <= 100


def test_no_answers_at_all():
    r = ikm_from_counts(np.zeros((9, 4), dtype=int))
    assert r.n == 0 and np.isnan(r.ikm) and r.category == "-" and r.ci95 is None
    assert r.category_certain is None


def test_counts_and_raw_paths_identical_with_interval():
    rng = np.random.default_rng(7)
    a = rng.integers(0, 5, size=(300, 9))
    raw = ikm_from_answers(a, "0.111")
    cnt = ikm_from_counts(counts_from_answers(a), "0.111", profiles=profiles_from_answers(a))
    assert raw.ikm == cnt.ikm and raw.nrr == cnt.nrr and raw.category == cnt.category
    assert raw.ci95 == cnt.ci95 and raw.category_certain == cnt.category_certain
    assert raw.n == cnt.n == np.count_nonzero(a.any(axis=1))
    assert raw.ci_method == cnt.ci_method == "respondents"
    assert cnt.cronbach_alpha is None and raw.cronbach_alpha is not None


def test_profile_interval_is_the_respondent_bootstrap_for_complete_rows():
    """With complete rows the pooled index is the IKM, so the profile interval equals bootstrap_respondents'
    spread (same estimator, different random streams): compare widths, and the point sits inside."""
    rng = np.random.default_rng(11)
    latent = rng.normal(3.0, 0.6, size=(800, 1))
    a = np.clip(np.rint(latent + rng.normal(0, 0.4, size=(800, 9))), 1, 4).astype(int)
    raw = ikm_from_answers(a)
    lo, hi = raw.ci95
    rlo, rhi = bootstrap_respondents(a)
    assert lo < raw.ikm < hi
    assert abs((hi - lo) - (rhi - rlo)) / (rhi - rlo) < 0.15
    fallback = ikm_from_counts(counts_from_answers(a))
    assert fallback.ci_method == "unsur-independent"
    assert (fallback.ci95[1] - fallback.ci95[0]) < 0.7 * (hi - lo)  # independence understates the spread


def test_profiles_are_additive_and_sized():
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 5, size=(50, 9)), rng.integers(0, 5, size=(70, 9))
    both = profiles_from_answers(np.vstack([a, b]))
    np.testing.assert_array_equal(both, profiles_from_answers(a) + profiles_from_answers(b))
    assert both.sum() == np.count_nonzero(np.vstack([a, b]).any(axis=1))


def test_bootstrap_seeded_and_sensible():
    a = load(FIXTURE)
    r1 = ikm_from_answers(a)
    r2 = ikm_from_answers(a)
    assert r1.ci95 == r2.ci95
    lo, hi = r1.ci95
    assert lo < r1.ikm < hi and hi - lo < 5
    assert r1.category_certain is True
    other = ikm_from_answers(a, seed=1)
    assert other.ci95 != r1.ci95
    none = ikm_from_answers(a, bootstrap=0)
    assert none.ci95 is None and none.category_certain is None


def test_category_not_certain_near_boundary():
    # IKM close to 88.31 with few respondents straddles A/B
    rng = np.random.default_rng(3)
    a = np.where(rng.random((20, 9)) < 0.53, 4, 3)
    r = ikm_from_answers(a)
    assert category(r.ci95[0]) != category(r.ci95[1])
    assert r.category_certain is False


def test_bootstrap_respondents_interval():
    a = load(FIXTURE)
    r = ikm_from_answers(a)
    lo, hi = bootstrap_respondents(a, B=2000, seed=20170)
    assert lo < r.ikm < hi
    assert bootstrap_respondents(a, B=500, seed=5) == bootstrap_respondents(a, B=500, seed=5)
    assert bootstrap_respondents(np.zeros((3, 9), dtype=int)) is None


def test_respondent_interval_wider_with_correlated_unsur():
    # each respondent answers all nine unsur alike: unsur are perfectly correlated, the independent
    # per-unsur bootstrap understates the uncertainty, resampling respondents does not
    rng = np.random.default_rng(11)
    a = np.repeat(rng.integers(1, 5, size=(200, 1)), 9, axis=1)
    lo_c, hi_c = ikm_from_counts(counts_from_answers(a)).ci95  # counts only: unsur-independent fallback
    lo_r, hi_r = bootstrap_respondents(a)
    assert (hi_r - lo_r) > 2 * (hi_c - lo_c)
    lo_p, hi_p = ikm_from_answers(a).ci95  # the canonical interval resamples respondents
    assert abs((hi_p - lo_p) - (hi_r - lo_r)) < 0.15 * (hi_r - lo_r)


def test_cronbach_alpha_on_raw_path():
    a = load(FIXTURE)
    r = ikm_from_answers(a, bootstrap=0)
    c = np.cov(a.T.astype(float))
    expected = 9 / 8 * (1 - np.trace(c) / c.sum())
    assert r.cronbach_alpha == pytest.approx(expected)
    assert ikm_from_answers(np.full((4, 9), 3), bootstrap=0).cronbach_alpha is None


def test_instrument():
    assert [u.code for u in UNSUR_2017] == [f"U{i}" for i in range(1, 10)]
    assert UNSUR_2017[6].labels_id == ("tidak sopan dan ramah", "kurang sopan dan ramah", "sopan dan ramah",
                                       "sangat sopan dan ramah")
    assert UNSUR_2017[3].labels_id[3] == "gratis"
    assert all(len(u.labels_id) == 4 and len(u.labels_en) == 4 for u in UNSUR_2017)
    assert len(UNSUR_2004) == 14 and UNSUR_2004[-1].code == "U14"
    assert [category_2004(x) for x in (1.0, 1.75, 1.76, 2.5, 2.51, 3.25, 3.255, 3.26, 4.0)] == \
        ["D", "D", "C", "C", "B", "B", "A", "A", "A"]
