"""Erlang C (survey.staffing) against published worked examples, an independent log-space computation for large
numbers of counters, and its edge cases."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from survey.staffing import counters_needed, erlang_b, erlang_c, evaluate


def test_call_centre_helper_worked_example():
    """Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example"
    (https://www.callcentrehelper.com/erlang-c-formula-example-121281.htm): 100 calls per 30 minutes, average
    handling time 180 s, 80 % answered within 20 s -> 14 agents (before shrinkage), probability of waiting 0.174,
    service level 0.888, occupancy 0.714 (to three decimals, as pyworkforce's test suite reproduces them:
    rodrigo-arenas/pyworkforce, pyworkforce/queuing/tests/test_erlang.py)."""
    q = counters_needed(arrivals_per_hour=200, handle_minutes=3, wait_minutes=20 / 60, share=0.80)
    assert q.counters == 14
    assert q.load == pytest.approx(10.0)
    assert round(q.p_wait, 3) == 0.174
    assert round(q.service_level, 3) == 0.888
    assert round(q.occupancy, 3) == 0.714
    # 13 counters would miss the target: 14 is the fewest.
    assert evaluate(200, 3, 13, 20 / 60).service_level < 0.80


def test_calloptix_calculator_default_case():
    """CallOptix Erlang C calculator (https://www.calloptix.com/tools/erlang-c-calculator), its default inputs:
    100 calls per hour, handling 3 minutes, 80 % within 20 s -> 5 Erlangs, 8 agents before shrinkage, service
    level 88.01 %, probability of waiting 16.73 %, immediate answer 83.27 %, average speed of answer 10 s,
    occupancy 62.5 %."""
    q = counters_needed(arrivals_per_hour=100, handle_minutes=3, wait_minutes=20 / 60, share=0.80)
    assert q.counters == 8 and q.load == pytest.approx(5.0)
    assert round(q.service_level * 100, 2) == 88.01
    assert round(q.p_wait * 100, 2) == 16.73
    assert round((1 - q.p_wait) * 100, 2) == 83.27
    assert round(q.mean_wait * 60) == 10
    assert q.occupancy == pytest.approx(0.625)


def test_bronson_schaum_operations_research_examples():
    """Bronson, *Schaum's Outline of Operations Research* (1982), as listed by the IST Lisbon queue calculator
    (web.ist.utl.pt/mcasquilho/compute/or/Fx-queuevars.php):
    23.3  s = 1, λ = 24/h, μ = 30/h            -> L = 4, W = 1/6 h;
    23.14 s = 1, λ = 30/h, 1/μ = 1.5 min        -> Lq = 2.25, Wq = 4.5 min;
    24.6  s = 3, λ = 300/yr, 1/μ = 2 days      -> Lq = 0.352, L = 1.996, Wq = 0.001175 yr = 0.43 d, W = 2.429 d."""
    q = evaluate(arrivals_per_hour=24, handle_minutes=2, counters=1)
    w_hours = (q.mean_wait + 2) / 60
    assert w_hours == pytest.approx(1 / 6) and 24 * w_hours == pytest.approx(4)

    q = evaluate(arrivals_per_hour=30, handle_minutes=1.5, counters=1)
    assert q.mean_wait == pytest.approx(4.5) and q.mean_queue == pytest.approx(2.25)

    per_hour = 300 / (365 * 24)
    q = evaluate(arrivals_per_hour=per_hour, handle_minutes=2 * 24 * 60, counters=3)
    lq = q.mean_queue
    assert round(lq, 3) == 0.352
    assert round(lq + q.load, 3) == 1.996
    wq_days = q.mean_wait / (24 * 60)
    assert round(wq_days / 365, 6) == 0.001175 and round(wq_days, 2) == 0.43
    assert round(wq_days + 2, 3) == 2.429


def _erlang_c_log_space(n: int, a: float) -> float:
    """An independent computation: C = P(N) N/(N−A) / (F(N−1) + P(N) N/(N−A)) with Poisson terms in log space."""
    log_tail = stats.poisson.logpmf(n, a) + math.log(n / (n - a))
    log_head = stats.poisson.logcdf(n - 1, a)
    return 1.0 / (1.0 + math.exp(log_head - log_tail))


@pytest.mark.parametrize(("n", "a"), [(2, 1.0), (14, 10.0), (400, 380.0), (3000, 2950.0), (12000, 11800.5)])
def test_large_numbers_of_counters_agree_with_log_space_poisson_terms(n, a):
    """Factorials overflow a float beyond 170 counters; the Erlang B recursion does not, and agrees with the
    log-space Poisson form to near machine precision."""
    assert erlang_c(n, a) == pytest.approx(_erlang_c_log_space(n, a), rel=1e-9)
    assert 0 < erlang_b(n, a) < 1


def test_textbook_value_of_two_servers_at_half_load():
    """M/M/2 with A = 1: P0 = 1/3 and the probability of waiting is 1/3 (C = A²/(2!(1 − A/2)) P0)."""
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)


def test_more_counters_never_worse_and_the_search_returns_the_fewest():
    levels = [evaluate(150, 6, n, 5).service_level for n in range(16, 26)]
    assert levels == sorted(levels)
    q = counters_needed(150, 6, 5, 0.9)
    assert q.service_level >= 0.9 and evaluate(150, 6, q.counters - 1, 5).service_level < 0.9


def test_overloaded_and_empty_hours():
    q = evaluate(60, 5, 4, 10)  # 5 Erlangs on 4 counters: the queue grows without bound
    assert not q.stable and q.p_wait == 1.0 and q.service_level == 0.0 and math.isinf(q.mean_wait)
    nobody = counters_needed(0, 5, 10, 0.8)
    assert nobody.counters == 0 and nobody.p_wait == 0.0 and nobody.service_level == 1.0
    light = counters_needed(0.5, 5, 10, 0.8)  # a trickle still needs one counter
    assert light.counters == 1


@pytest.mark.parametrize("share", [0.0, 1.0, 1.5, -0.1])
def test_a_share_that_no_staffing_meets_is_refused(share):
    with pytest.raises(ValueError):
        counters_needed(100, 3, 0.5, share)


@pytest.mark.parametrize(("arrivals", "handle", "wait"), [(-1, 3, 1), (10, 0, 1), (10, 3, -1), (math.nan, 3, 1),
                                                          (math.inf, 3, 1), (1e12, 60, 1)])
def test_impossible_inputs_are_refused(arrivals, handle, wait):
    with pytest.raises(ValueError):
        counters_needed(arrivals, handle, wait, 0.8)
