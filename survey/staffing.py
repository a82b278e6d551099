"""Counters needed for a waiting target: Erlang C (the M/M/N queue), computed stably for any number of counters.

The model (A. K. Erlang 1917; the M/M/c queue of Gross, Shortle, Thompson & Harris, *Fundamentals of Queueing
Theory*, ch. 2.3): citizens arrive as a Poisson process at λ per hour, each keeps a counter busy for an
exponentially distributed time with mean h minutes, N identical counters serve one first-come-first-served queue,
and nobody leaves the queue (no abandonment). With the offered load A = λ·h/60 (Erlangs) and N > A:

- Erlang B by its recursion B(0, A) = 1, B(n, A) = A·B(n−1, A) / (n + A·B(n−1, A)): no factorial and no power
  of A, so it neither overflows nor loses precision for thousands of counters (each step is a ratio in [0, 1]);
- probability of waiting (Erlang C) P(W > 0) = C(N, A) = N·B / (N − A·(1 − B));
- service level P(W ≤ t) = 1 − C·exp(−(N − A)·t / h) (the waiting time of M/M/N given a wait is exponential
  with rate N/h − λ);
- mean wait E[W] = C·h / (N − A); occupancy A / N; mean number waiting λ·E[W] (Little's law).

With N ≤ A the queue grows without bound: every citizen waits (C = 1), the service level is 0 and the mean wait
infinite. The counters needed for "share P of citizens wait at most t minutes" is the smallest N > A whose
service level is at least P (0 counters when nobody arrives).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Beyond this load (Erlangs) the search for counters is refused: no unit serves 100,000 citizens at once.
MAX_LOAD = 100_000.0


@dataclass(frozen=True)
class Queue:
    """Erlang C figures of one hour: `counters` serving `arrivals_per_hour` with mean handling `handle_minutes`,
    judged against a wait of `wait_minutes`. `mean_wait` is in minutes (inf when unstable); `occupancy` is None
    with no counter."""

    arrivals_per_hour: float
    handle_minutes: float
    wait_minutes: float
    counters: int
    load: float
    occupancy: float | None
    p_wait: float
    service_level: float
    mean_wait: float
    stable: bool

    @property
    def mean_queue(self) -> float:
        """Mean number of citizens waiting (Little's law: λ·E[W], in the same hour unit)."""
        return self.arrivals_per_hour * self.mean_wait / 60.0


def _check(arrivals_per_hour: float, handle_minutes: float, wait_minutes: float) -> float:
    for name, value in (("arrivals_per_hour", arrivals_per_hour), ("handle_minutes", handle_minutes),
                        ("wait_minutes", wait_minutes)):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    if handle_minutes <= 0:
        raise ValueError("handle_minutes must be > 0")
    load = arrivals_per_hour * handle_minutes / 60.0
    if load > MAX_LOAD:
        raise ValueError(f"offered load {load:g} Erlangs is beyond {MAX_LOAD:g}")
    return load


def erlang_b(counters: int, load: float) -> float:
    """Erlang B (blocking probability of M/M/N/N) by the recursion B(n) = A·B(n−1) / (n + A·B(n−1))."""
    if counters < 0 or load < 0:
        raise ValueError("counters and load must be >= 0")
    b = 1.0
    for n in range(1, counters + 1):
        b = load * b / (n + load * b)
    return b


def erlang_c(counters: int, load: float) -> float:
    """Probability that an arriving citizen has to wait, C(N, A) = N·B / (N − A·(1 − B)); 1 when N <= A."""
    if counters <= load:
        return 1.0 if load > 0 else 0.0
    b = erlang_b(counters, load)
    return counters * b / (counters - load * (1.0 - b))


def _queue(arrivals_per_hour: float, handle_minutes: float, wait_minutes: float, counters: int, load: float,
           b: float) -> Queue:
    """The figures of N = `counters` given Erlang B `b` = B(N, A) (so a search can carry the recursion on)."""
    occupancy = load / counters if counters else None
    if load == 0:
        return Queue(arrivals_per_hour, handle_minutes, wait_minutes, counters, 0.0, occupancy if counters else None,
                     0.0, 1.0, 0.0, True)
    if counters <= load:
        return Queue(arrivals_per_hour, handle_minutes, wait_minutes, counters, load, occupancy, 1.0, 0.0,
                     math.inf, False)
    c = counters * b / (counters - load * (1.0 - b))
    service_level = 1.0 - c * math.exp(-(counters - load) * wait_minutes / handle_minutes)
    mean_wait = c * handle_minutes / (counters - load)
    return Queue(arrivals_per_hour, handle_minutes, wait_minutes, counters, load, occupancy, c, service_level,
                 mean_wait, True)


def evaluate(arrivals_per_hour: float, handle_minutes: float, counters: int, wait_minutes: float = 0.0) -> Queue:
    """Erlang C figures of `counters` counters (see the module docstring); the service level is P(wait <= t)."""
    if counters < 0:
        raise ValueError("counters must be >= 0")
    load = _check(arrivals_per_hour, handle_minutes, wait_minutes)
    return _queue(arrivals_per_hour, handle_minutes, wait_minutes, counters, load, erlang_b(counters, load))


def counters_needed(arrivals_per_hour: float, handle_minutes: float, wait_minutes: float, share: float) -> Queue:
    """The fewest counters for which at least `share` (0 < share < 1) of citizens wait at most `wait_minutes`,
    with that staffing's figures. Nobody arriving needs no counter. The Erlang B recursion is carried from N to
    N + 1, so the search costs one step per counter."""
    if not (0.0 < share < 1.0):
        raise ValueError("share must be strictly between 0 and 1 (no finite staffing makes nobody wait)")
    load = _check(arrivals_per_hour, handle_minutes, wait_minutes)
    if load == 0:
        return _queue(arrivals_per_hour, handle_minutes, wait_minutes, 0, 0.0, 1.0)
    b, n = 1.0, 0
    while True:
        n += 1
        b = load * b / (n + load * b)
        if n > load:
            q = _queue(arrivals_per_hour, handle_minutes, wait_minutes, n, load, b)
            if q.service_level >= share:
                return q
