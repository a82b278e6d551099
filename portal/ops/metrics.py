"""Prometheus metrics (prometheus-client): what the code counts as it goes, and the exposition at GET /metrics.

Counted as it happens, a counter increment or a histogram observation each (no query on the request path):
requests by method, route template and status, with their latency; survey answers stored by channel, whether
they count and why (the counting rule, docs/measures.md); kiosk batches and their items by result; the
refresher's passes, their duration and failures. Computed when Prometheus scrapes (portal.ops.queries, a few
indexed reads): the refresher's lag (age of the oldest unfolded rollup delta) and backlog, people waiting per
unit, and the database pool of the worker that answers.

Several worker processes: with PROMETHEUS_MULTIPROC_DIR set before the workers start (`portal serve --workers N`
sets it to <var>/metrics and empties it), every worker writes its values to files there and a scrape served by
any worker adds them all up (prometheus-client's multiprocess mode). Gauges say how they combine (pool: summed
over live workers; last pass: the latest of them).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from portal import __version__

if TYPE_CHECKING:
    from portal.ops.queries import PendingRow

disable_created_metrics()  # no *_created series: each counter is its value, as in multiprocess mode
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
#: Seconds: a citizen page takes milliseconds; an evidence pack or an export can take seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: A route that matched nothing (404 before routing, a refused NUL path): one label value, not one per URL.
UNMATCHED = "<unmatched>"

REQUESTS = Counter("portal_http_requests", "HTTP requests answered, by method, route template and status",
                   ["method", "route", "status"])
LATENCY = Histogram("portal_http_request_duration_seconds",
                    "Time from the request's arrival to the end of its response, by method, route template and "
                    "status", ["method", "route", "status"], buckets=LATENCY_BUCKETS)
ANSWERS = Counter("portal_survey_answers", "Survey answers stored, by channel, whether they count in the published "
                  "figures (yes/no) and the counting rule's reason", ["channel", "counted", "reason"])
KIOSK_BATCHES = Counter("portal_kiosk_batches", "Answer batches received from kiosks (counter tablets)")
KIOSK_ITEMS = Counter("portal_kiosk_items", "Items of kiosk batches by result (stored, duplicate, refused) and "
                      "refusal reason", ["result", "reason"])
REFRESH_PASSES = Histogram("portal_refresher_pass_seconds", "Duration of the background refresher's passes",
                           buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0))
REFRESH_FAILURES = Counter("portal_refresher_failures", "Refresher passes that failed (retried on the next)")
REFRESH_LAST = Gauge("portal_refresher_last_pass_timestamp_seconds",
                     "Unix time of the latest successful refresher pass", multiprocess_mode="max")
POOL = Gauge("portal_db_pool_connections", "PostgreSQL connections of the workers' pools, by state (open, in_use, "
             "max), summed over live workers", ["state"], multiprocess_mode="livesum")


def multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_ENV) or os.environ.get(MULTIPROC_ENV.lower())
    return Path(value) if value else None


def prepare_multiprocess(directory: Path) -> None:
    """Create the folder the workers will write their values to, remove the value files of an earlier run (only
    those: *.db) and name it for the workers: call before they start, never while they run (prometheus-client's
    rule)."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(directory)


def worker_stopped(pid: int) -> None:
    """A worker ends: its live gauges (the pool) stop counting."""
    if multiprocess_dir() is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


def request_done(method: str, route: str, status: int, seconds: float) -> None:
    labels = (method, route, str(status))
    REQUESTS.labels(*labels).inc()
    LATENCY.labels(*labels).observe(seconds)


def answers_stored(channel: str, counted: bool, reason: str | None, n: int = 1) -> None:
    """`n` survey answers committed (after their transaction)."""
    ANSWERS.labels(channel or "qr_counter", "yes" if counted else "no", reason or "none").inc(n)


def kiosk_batch(items: Iterable[tuple[str, str | None]]) -> None:
    """One kiosk batch stored: each item's (result, refusal reason or None)."""
    KIOSK_BATCHES.inc()
    for result, reason in items:
        KIOSK_ITEMS.labels(result, reason or "").inc()


def refresher_pass(seconds: float, ok: bool, finished_at: float) -> None:
    if ok:
        REFRESH_PASSES.observe(seconds)
        REFRESH_LAST.set(finished_at)
    else:
        REFRESH_FAILURES.inc()


def pool_sample(engine) -> dict[str, int] | None:
    """The PostgreSQL pool's connections (open, in use, max) of this worker; None on SQLite (one serialised
    connection, no pool). Also recorded in POOL."""
    pool = getattr(engine, "pool", None)
    if pool is None:
        return None
    size, idle = pool.get_size(), pool.get_idle_size()
    sample = {"open": size, "in_use": size - idle, "max": pool.get_max_size()}
    for state, value in sample.items():
        POOL.labels(state).set(value)
    return sample


class _Families:
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families


def scrape_families(pending: PendingRow, waiting: list[tuple[str, int]]) -> list[Metric]:
    """The gauges computed at scrape time from the database (portal.ops.queries)."""
    lag = GaugeMetricFamily("portal_refresher_lag_seconds", "Age of the oldest rollup delta not yet folded into "
                            "the rollups (0 when none is pending)")
    lag.add_metric([], pending["oldest_seconds"])
    backlog = GaugeMetricFamily("portal_refresher_pending_deltas", "Rollup deltas waiting for the refresher")
    backlog.add_metric([], pending["count"])
    queue = GaugeMetricFamily("portal_queue_waiting", "People waiting now per unit (today's tickets not yet called, "
                              "by the queue's rule: docs/queue.md)", labels=["unit"])
    for slug, n in waiting:
        queue.add_metric([slug], n)
    info = GaugeMetricFamily("portal_info", "The running release", labels=["version"])
    info.add_metric([__version__], 1)
    return [lag, backlog, queue, info]


def exposition(families: list[Metric]) -> bytes:
    """The text format of every metric: the multiprocess files of all workers when PROMETHEUS_MULTIPROC_DIR is set,
    this process's registry otherwise, plus the gauges computed for this scrape."""
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(_Families(families))
    directory = multiprocess_dir()
    if directory is not None:
        from prometheus_client import multiprocess

        workers = CollectorRegistry()
        multiprocess.MultiProcessCollector(workers, path=str(directory))
        return generate_latest(workers) + generate_latest(scraped)
    return generate_latest(REGISTRY) + generate_latest(scraped)
