"""Duration sketches and reporting periods of the insight capability (pure functions)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from portal.insight import periods, sketch
from survey.survival import quantile_ci


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sketch_quantiles_within_five_percent_and_interval_covers_exact(seed):
    rng = np.random.default_rng(seed)
    values = rng.lognormal(2.5, 0.8, 3000)
    hist: dict[int, int] = {}
    for v in values:
        sketch.add(hist, float(v))
    for q in (0.5, 0.9):
        exact = quantile_ci(values, q)
        got = sketch.quantile_ci(hist, q)
        assert got["n"] == 3000
        assert abs(got["est"] - exact[0]) <= 0.05 * exact[0]
        assert got["low"] <= exact[1] and got["high"] >= exact[2]  # conservative: bin edges around the exact bounds


def test_sketch_edges_and_small_samples():
    assert sketch.bin_of(0.0) == 0 and sketch.edges(0) == (0.0, sketch.MIN_MINUTES)
    for x in (0.1, 1.0, 7.3, 600.0):
        lo, hi = sketch.edges(sketch.bin_of(x))
        assert lo <= x < hi * (1 + 1e-12)
    assert sketch.quantile_ci({}, 0.5) is None
    one = sketch.quantile_ci({sketch.bin_of(5.0): 1}, 0.5)
    assert one["low"] is None and one["high"] is None and 4.7 < one["est"] < 5.3


@pytest.mark.parametrize("text,start,end,kind", [
    ("2026-Q3", date(2026, 7, 1), date(2026, 9, 30), "quarter"),
    ("2026-s1", date(2026, 1, 1), date(2026, 6, 30), "semester"),
    ("2026-07", date(2026, 7, 1), date(2026, 7, 31), "month"),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "month"),
    ("2026", date(2026, 1, 1), date(2026, 12, 31), "year"),
])
def test_period_syntax(text, start, end, kind):
    p = periods.parse(text)
    assert (p.start, p.end, p.kind) == (start, end, kind)


@pytest.mark.parametrize("text", ["2026-Q0", "2026-Q5", "2026-S3", "2026-13", "26", "Q3-2026", "", "2026-7"])
def test_bad_periods(text):
    with pytest.raises(periods.PeriodError):
        periods.parse(text)


def test_previous_periods_and_defaults():
    assert periods.parse("2026-Q1").previous().label == "2025-Q4"
    assert periods.parse("2026-01").previous().label == "2025-12"
    assert periods.parse("2026-S1").previous().label == "2025-S2"
    assert periods.parse("2026").previous().label == "2025"
    c = periods.custom(date(2026, 3, 10), date(2026, 3, 19))
    assert (c.previous().start, c.previous().end) == (date(2026, 2, 28), date(2026, 3, 9))
    assert periods.last_closed_quarter(date(2026, 11, 24)).label == "2026-Q3"
    assert periods.last_closed_quarter(date(2026, 2, 1)).label == "2025-Q4"
    d = periods.from_query(None, None, None, date(2026, 11, 24))
    assert (d.start, d.end) == (date(2026, 8, 27), date(2026, 11, 24)) and d.days == 90
    with pytest.raises(periods.PeriodError):
        periods.from_query(None, "2026-03-31", "2026-03-01", date(2026, 11, 24))
    weeks = periods.parse("2026-03").weeks()
    assert weeks[0] == (date(2026, 3, 1), date(2026, 3, 1)) and weeks[-1][1] == date(2026, 3, 31)
