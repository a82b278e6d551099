"""Benchmarks of survey/ at 1M rows (run by hand: /work/venv/bin/python bench/bench_survey.py)."""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from survey.clock import durations  # noqa: E402
from survey.ikm import (  # noqa: E402
    bootstrap_respondents,
    counts_from_answers,
    ikm_from_answers,
    ikm_from_counts,
    profiles_from_answers,
)
from survey.survival import km_within  # noqa: E402

N = 1_000_000
REPEAT = 5


def best(fn, repeat=REPEAT):
    fn()  # warm-up (imports, holiday calendar cache)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), float(np.median(times))


def demo_like_answers(n: int, rng: np.random.Generator) -> np.ndarray:
    """Correlated answers: a respondent's latent satisfaction shifts all nine unsur; ~3 % items skipped."""
    latent = rng.normal(0, 0.6, size=(n, 1))
    unsur_mean = np.array([3.3, 3.1, 3.0, 3.7, 3.2, 3.3, 3.4, 3.1, 3.5])
    x = np.clip(np.rint(unsur_mean + latent + rng.normal(0, 0.5, size=(n, 9))), 1, 4).astype(np.int8)
    x[rng.random((n, 9)) < 0.03] = 0
    return x


def main() -> None:
    rng = np.random.default_rng(1)
    answers = demo_like_answers(N, rng)
    counts = counts_from_answers(answers)
    profiles = profiles_from_answers(answers)
    start = np.datetime64("2026-01-01T00:00", "s") + rng.integers(0, 365 * 86400, N).astype("timedelta64[s]")
    end = start + rng.integers(0, 20 * 86400, N).astype("timedelta64[s]")
    end[rng.random(N) < 0.1] = np.datetime64("NaT")
    dur = rng.exponential(5.0, N).round(2)
    done = rng.random(N) < 0.8

    rows = [
        ("IKM + 2000 bootstrap, from counts (1M responses)", 0.050,
         best(lambda: ikm_from_counts(counts, profiles=profiles, bootstrap=2000))),
        ("IKM + 2000 bootstrap, from raw answers (1M x 9)", 1.0,
         best(lambda: ikm_from_answers(answers, bootstrap=2000))),
        ("Kaplan-Meier P(done <= 5) over 1M cases", 1.0, best(lambda: km_within(dur, done, 5.0))),
        ("working-day durations, 1M cases (Asia/Makassar)", 0.5,
         best(lambda: durations(start, end, "working_days", tz="Asia/Makassar"))),
    ]
    print(f"python {platform.python_version()}, numpy {np.__version__}, nproc {os.cpu_count()}, "
          f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    print(f"{'benchmark':<52} {'goal':>8} {'best':>9} {'median':>9}  ok")
    for name, goal, (b, m) in rows:
        print(f"{name:<52} {goal * 1000:>6.0f}ms {b * 1000:>7.1f}ms {m * 1000:>7.1f}ms  {'yes' if b <= goal else 'NO'}")

    print("\nInterval comparison on demo-like correlated answers (B = 2000, seed 20170):")
    print(f"{'n':>6} {'IKM':>7} {'counts (unsur independent)':>28} {'respondents':>22} {'ratio':>6}"
          f" {'canonical (profiles)':>22}")
    for n in (30, 100, 400, 2000):
        a = demo_like_answers(n, np.random.default_rng(n))
        canonical = ikm_from_answers(a)
        r = ikm_from_counts(counts_from_answers(a))  # counts only: the unsur-independent fallback
        lo, hi = bootstrap_respondents(a)
        w_c = r.ci95[1] - r.ci95[0]
        print(f"{n:>6} {r.ikm:>7.2f} {r.ci95[0]:>13.2f} - {r.ci95[1]:>6.2f} ({w_c:4.2f}) "
              f"{lo:>8.2f} - {hi:>6.2f} ({hi - lo:4.2f}) {(hi - lo) / w_c:>5.2f}x"
              f" {canonical.ci95[0]:>8.2f} - {canonical.ci95[1]:>6.2f}"
              f" ({canonical.ci95[1] - canonical.ci95[0]:4.2f})")
    w = np.loadtxt(Path(__file__).resolve().parents[1] / "tests/unit/data/worked_n29.csv", delimiter=",",
                   skiprows=1, dtype=np.int64)
    r = ikm_from_counts(counts_from_answers(w))
    alpha = ikm_from_answers(w, bootstrap=0).cronbach_alpha
    lo, hi = bootstrap_respondents(w)
    print(f"worked n=29 (alpha {alpha:.2f}): counts {r.ci95[0]:.2f} - {r.ci95[1]:.2f}, "
          f"respondents {lo:.2f} - {hi:.2f}")
    t = time.perf_counter()
    bootstrap_respondents(answers[:100_000])
    print(f"\nbootstrap_respondents, 100k respondents, B = 2000: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
