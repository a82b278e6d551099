"""The test suite's clock: `PORTAL_TEST_TODAY=YYYY-MM-DD` moves every test (and the servers the browser tests
start, through tests/e2e/serve_at.py) to that day with time-machine, at the real time of day, ticking."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

import time_machine

ENV = "PORTAL_TEST_TODAY"
_traveller: time_machine.travel | None = None


def test_today() -> date | None:
    """The day PORTAL_TEST_TODAY names, or None when the suite runs on the real date."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SystemExit(f"{ENV}={value!r} is not a date (use YYYY-MM-DD)") from None


def start_test_today() -> None:
    """Move this process's clock to PORTAL_TEST_TODAY (once; a no-op when it is unset)."""
    global _traveller
    day = test_today()
    if day is None or _traveller is not None:
        return
    real = datetime.now(UTC)
    _traveller = time_machine.travel(datetime.combine(day, real.timetz()), tick=True)
    _traveller.start()
