"""NRR, IKM, categories and weightings of the SKM (PermenPANRB 14/2017), with bootstrap intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import numpy as np

from .sampling import cronbach_alpha

N_UNSUR = 9
SCORES = np.arange(1, 5, dtype=np.float64)

#: PermenPANRB 14/2017: each unsur weighs 1/9, printed "1/9 = 0,11"; many agency worksheets use 0.111.
WEIGHTS: dict[str, float] = {"exact": 1 / 9, "0.11": 0.11, "0.111": 0.111}

#: PermenPANRB 14/2017 interval table: mutu pelayanan -> kinerja unit pelayanan (id, en).
CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "A": ("sangat baik", "very good"),
    "B": ("baik", "good"),
    "C": ("kurang baik", "poor"),
    "D": ("tidak baik", "very poor"),
}

DEFAULT_B = 2000
DEFAULT_SEED = 20170


def round_half_up(x: float, ndigits: int = 2) -> float:
    """Round as a printed report does: half up on the decimal value; for display and classification only.

    Floating-point noise is removed first (rounding to 9 decimals), so a value whose exact rational value is
    a midpoint, e.g. 25 * 3.0642 = 76.605 computed as 76.60499999999999, rounds up to 76.61 as it would on a
    calculator.
    """
    if not math.isfinite(x):
        return x
    d = Decimal(repr(float(x))).quantize(Decimal("1e-9"), rounding=ROUND_HALF_EVEN)
    return float(d.quantize(Decimal(1).scaleb(-ndigits), rounding=ROUND_HALF_UP))


def category(ikm: float) -> str:
    """Mutu of a converted IKM (25..100), PermenPANRB 14/2017 IKM interval table.

    The published bands (25.00-64.99 D, 65.00-76.60 C, 76.61-88.30 B, 88.31-100.00 A) leave gaps, so the IKM is
    rounded half-up to 2 decimals and classified with >= 88.31 A, >= 76.61 B, >= 65.00 C, else D.
    NaN (no answers at all) gives "-".
    """
    if ikm != ikm:
        return "-"
    r = round_half_up(ikm, 2)
    if r >= 88.31:
        return "A"
    if r >= 76.61:
        return "B"
    if r >= 65.00:
        return "C"
    return "D"


@dataclass(frozen=True)
class IkmResult:
    """Everything the SKM report prints for one group of responses (full precision; round for display only)."""

    n: int
    responses_per_unsur: tuple[int, ...]
    nrr: tuple[float, ...]
    ni: float
    ikm: float
    category: str
    unsur_grades: tuple[str, ...]
    weight: str
    ci95: tuple[float, float] | None
    category_certain: bool | None
    cronbach_alpha: float | None
    ci_method: str | None = None  # "respondents" (profiles known) | "unsur-independent" (counts only)


def _weight(weight: str) -> float:
    try:
        return WEIGHTS[weight]
    except KeyError:
        raise ValueError(f"unknown weight {weight!r}; choose one of {sorted(WEIGHTS)}") from None


def _validate_counts(counts) -> np.ndarray:
    c = np.asarray(counts)
    if c.shape != (N_UNSUR, 4):
        raise ValueError(f"counts must have shape (9, 4), got {c.shape}")
    if not np.all(np.isfinite(c)) or np.any(c < 0) or np.any(c != np.round(c)):
        raise ValueError("counts must be non-negative integers")
    return c.astype(np.int64)


def counts_from_answers(answers) -> np.ndarray:
    """Tally an (n, 9) answer matrix (scores 1..4; 0 or NaN = unanswered) into (9, 4) counts per unsur and score.

    Vectorised: one np.bincount over a flattened (unsur*5 + score) index.
    """
    a = _answers_int(answers)
    flat = (a + np.arange(N_UNSUR, dtype=np.int8) * 5).ravel()
    return np.bincount(flat, minlength=N_UNSUR * 5).reshape(N_UNSUR, 5)[:, 1:].astype(np.int64)


def _answers_int(answers) -> np.ndarray:
    a = np.asarray(answers)
    if a.ndim != 2 or a.shape[1] != N_UNSUR:
        raise ValueError(f"answers must have shape (n, 9), got {a.shape}")
    if a.dtype.kind == "f":
        a = np.where(np.isnan(a), 0.0, a)
        if np.any(a != np.round(a)):
            raise ValueError("answers must be whole scores 1..4 (0/NaN = unanswered)")
    elif a.dtype.kind not in "iub":
        raise ValueError("answers must be numeric")
    if a.size and (a.min() < 0 or a.max() > 4):
        raise ValueError("answers must be scores 1..4 (0/NaN = unanswered)")
    return a.astype(np.int8, copy=False)


def _ni(nrr: np.ndarray, w: float) -> np.ndarray:
    """NI = sum NRR_i * w over answered unsur, re-weighted by 9/m when only m < 9 unsur have answers.

    PermenPANRB 14/2017 defines NI = sum NRR_i * w with w = 1/9. When an unsur has no answers at all (e.g. a
    service with no complaint channel left U8 blank everywhere) its NRR is undefined; we renormalise the
    weights over the m answered unsur (w * 9/m each), so that with the exact weight NI is the mean of the
    answered NRR and the scale stays 1..4 (25..100). Works on the last axis; all-NaN rows give NaN.
    """
    answered = np.isfinite(nrr)
    m = answered.sum(axis=-1)
    total = np.where(answered, nrr, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(m > 0, total * w * N_UNSUR / np.maximum(m, 1), np.nan)


def bootstrap_counts(counts, weight: str = "exact", B: int = DEFAULT_B,
                     seed: int | np.random.Generator = DEFAULT_SEED) -> np.ndarray:
    """B bootstrap replicates of IKM from the (9, 4) counts (each unsur resampled from its own answers).

    Each unsur's n_i answers are redrawn multinomially from its observed score frequencies (equivalent to
    resampling that unsur's answers with replacement, Efron & Tibshirani 1993, ch. 6), all B x 9 draws in
    one rng.multinomial call. This treats unsur as independent (see docs/measures.md). `seed` may be an int
    or a numpy Generator.
    """
    c = _validate_counts(counts)
    w = _weight(weight)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n_i = c.sum(axis=1)
    p = np.where(n_i[:, None] > 0, c / np.maximum(n_i, 1)[:, None], 0.25)
    draws = rng.multinomial(n_i, p, size=(B, N_UNSUR))  # (B, 9, 4)
    with np.errstate(invalid="ignore", divide="ignore"):
        nrr = (draws @ SCORES) / np.where(n_i > 0, n_i, np.nan)
    return _ni(nrr, w) * 25.0


def _percentile_ci(reps: np.ndarray) -> tuple[float, float] | None:
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return None
    lo, hi = np.percentile(reps, [2.5, 97.5])
    return float(lo), float(hi)


def _result(c: np.ndarray, n: int, weight: str, bootstrap: int, seed, alpha: float | None,
            profiles: np.ndarray | None = None) -> IkmResult:
    w = _weight(weight)
    n_i = c.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        nrr = (c @ SCORES) / np.where(n_i > 0, n_i, np.nan)
    ni = float(_ni(nrr, w))
    ikm = ni * 25.0
    cat = category(ikm)
    grades = tuple(category(float(x) * 25.0) for x in nrr)
    ci = None
    certain = None
    method = None
    if bootstrap and math.isfinite(ikm):
        if profiles is not None and profiles.sum() > 0:
            ci, method = bootstrap_profiles(profiles, ikm, weight, bootstrap, seed), "respondents"
        else:
            ci, method = _percentile_ci(bootstrap_counts(c, weight, bootstrap, seed)), "unsur-independent"
        if ci is not None:
            certain = category(ci[0]) == category(ci[1])
    return IkmResult(
        n=int(n),
        responses_per_unsur=tuple(int(x) for x in n_i),
        nrr=tuple(float(x) for x in nrr),
        ni=ni,
        ikm=ikm,
        category=cat,
        unsur_grades=grades,
        weight=weight,
        ci95=ci,
        category_certain=certain,
        cronbach_alpha=alpha,
        ci_method=method,
    )


def ikm_from_counts(counts, weight: str = "exact", *, profiles=None, bootstrap: int = DEFAULT_B,
                    seed=DEFAULT_SEED) -> IkmResult:
    """IKM from (9, 4) counts per unsur and score (PermenPANRB 14/2017: NRR, NI = sum NRR*w, IKM = NI*25).

    With `profiles` (the respondent-profile histogram of `profiles_from_answers`, which rollups can sum), n is
    the number of respondents and the 95 % interval resamples respondents (`bootstrap_profiles`), exactly as
    `ikm_from_answers` does on the raw rows. Without it, n is the largest number of answers to any unsur and
    the interval falls back to `bootstrap_counts` (unsur treated as independent: too narrow when answers
    correlate; ci_method says which). bootstrap=0 gives no interval. cronbach_alpha is None (needs rows).
    """
    c = _validate_counts(counts)
    if profiles is not None:
        profiles = _validate_profiles(profiles)
        n = int(profiles.sum())
    else:
        n = int(c.sum(axis=1).max())
    return _result(c, n, weight, bootstrap, seed, None, profiles)


def ikm_from_answers(answers, weight: str = "exact", *, bootstrap: int = DEFAULT_B,
                     seed=DEFAULT_SEED) -> IkmResult:
    """IKM from an (n, 9) matrix of respondent answers (1..4; 0 or NaN = unanswered).

    Builds the counts and runs exactly the code of `ikm_from_counts`, so ikm, nrr, category and ci95 are
    identical to the counts path given the same profiles; adds Cronbach's alpha.
    """
    a = _answers_int(answers)
    c = counts_from_answers(a)
    profiles = profiles_from_answers(a)
    n = int(profiles.sum())
    return _result(c, n, weight, bootstrap, seed, cronbach_alpha(a), profiles)


def bootstrap_respondents(answers, weight: str = "exact", B: int = DEFAULT_B,
                          seed=DEFAULT_SEED) -> tuple[float, float] | None:
    """Percentile 95 % interval of IKM resampling whole respondents (keeps the correlation between unsur).

    Efron's nonparametric bootstrap over rows (the "resample respondents" reading of the domain rule).
    Identical answer rows are pooled into patterns, and a resample is a multinomial draw of n rows over the
    patterns, so the cost grows with the number of distinct patterns, not with n. None without answers.
    """
    a = _answers_int(answers)
    a = a[a.any(axis=1)]
    n = a.shape[0]
    if n == 0:
        return None
    w = _weight(weight)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    patterns, freq = np.unique(a, axis=0, return_counts=True)
    sums = patterns.astype(np.float64)  # (P, 9) score per unsur, 0 when unanswered
    answered = (patterns > 0).astype(np.float64)
    P = patterns.shape[0]
    chunk = max(1, min(B, 20_000_000 // max(P, 1)))
    out = np.empty(B)
    for start in range(0, B, chunk):
        b = min(chunk, B - start)
        m = rng.multinomial(n, freq / n, size=b).astype(np.float64)  # (b, P)
        with np.errstate(invalid="ignore", divide="ignore"):
            nrr = (m @ sums) / (m @ answered)
        out[start:start + b] = _ni(nrr, w) * 25.0
    return _percentile_ci(out)


PROFILE_SHAPE = (N_UNSUR + 1, 4 * N_UNSUR + 1)  # [answered items m, row total t]


def profiles_from_answers(answers) -> np.ndarray:
    """Respondent-profile histogram: count of respondents by (m items answered, total t of their answers).

    A (10, 37) integer array (index [m, t]; m = 1..9, t = m..4m). It is additive, so a rollup can keep one per
    service and day and sum them; with the (9, 4) counts it is all the canonical interval needs. Respondents
    with no answer at all are left out.
    """
    a = _answers_int(answers)
    m = np.count_nonzero(a, axis=1)
    t = a.sum(axis=1, dtype=np.int64)
    keep = m > 0
    flat = m[keep] * PROFILE_SHAPE[1] + t[keep]
    size = PROFILE_SHAPE[0] * PROFILE_SHAPE[1]
    return np.bincount(flat, minlength=size).reshape(PROFILE_SHAPE).astype(np.int64)


def _validate_profiles(profiles) -> np.ndarray:
    p = np.asarray(profiles)
    if p.shape != PROFILE_SHAPE or np.any(p < 0) or np.any(p != np.round(p)):
        raise ValueError(f"profiles must be non-negative integer counts of shape {PROFILE_SHAPE}")
    return p.astype(np.int64)


def bootstrap_profiles_replicates(profiles, point_ikm: float, weight: str = "exact", B: int = DEFAULT_B,
                                  seed: int | np.random.Generator = DEFAULT_SEED) -> np.ndarray | None:
    """B respondent-bootstrap replicates of IKM from the profile histogram, centred on `point_ikm`.

    Each replicate redraws n respondents multinomially over the (m, t) profiles and computes the pooled
    index 25 * 9w * sum(t) / sum(m), shifted by (point IKM - pooled index of the sample); see
    `bootstrap_profiles`. None without respondents.
    """
    p = _validate_profiles(profiles)
    n = int(p.sum())
    if n == 0 or not math.isfinite(point_ikm):
        return None
    w = _weight(weight)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    cells = np.flatnonzero(p)
    m_of = (cells // PROFILE_SHAPE[1]).astype(np.float64)
    t_of = (cells % PROFILE_SHAPE[1]).astype(np.float64)
    freq = p.ravel()[cells]
    draws = rng.multinomial(n, freq / n, size=B).astype(np.float64)  # (B, cells)
    scale = 25.0 * N_UNSUR * w
    pooled_hat = scale * float(freq @ t_of) / float(freq @ m_of)
    return scale * (draws @ t_of) / (draws @ m_of) + (point_ikm - pooled_hat)


def bootstrap_profiles(profiles, point_ikm: float, weight: str = "exact", B: int = DEFAULT_B,
                       seed=DEFAULT_SEED) -> tuple[float, float] | None:
    """95 % interval of IKM resampling respondents (Efron & Tibshirani 1993), from the profile histogram.

    For complete responses the pooled index 25 * 9w * sum(t) / sum(m) is exactly the IKM
    (NI = w * mean row total), so this is the respondent bootstrap itself and keeps the correlation between
    unsur. With unanswered items the pooled index differs slightly from the NRR-based IKM; the percentile
    interval is then shifted by (point IKM - pooled index), i.e. the respondent bootstrap's spread around the
    official point estimate. None without respondents.
    """
    reps = bootstrap_profiles_replicates(profiles, point_ikm, weight, B, seed)
    return None if reps is None else _percentile_ci(reps)
