"""The test suite's clock: `PORTAL_TEST_TODAY=YYYY-MM-DD` moves every test to that day with time-machine, at the
real time of day, ticking; the event loop's monotonic clock is left alone.

The Python subprocesses the tests start (`portal serve` for the browser tests, `portal demo`, the CLI tests) move
by the same whole number of days: the shift is exported as PORTAL_TEST_CLOCK_SHIFT and tests/clock_site (put on
PYTHONPATH) holds a sitecustomize that applies it at interpreter start-up. Nothing under portal/ knows of this.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import time_machine

ENV = "PORTAL_TEST_TODAY"
SHIFT_ENV = "PORTAL_TEST_CLOCK_SHIFT"
SITE_DIR = Path(__file__).resolve().parent / "clock_site"
_traveller: time_machine.travel | None = None


def suite_today() -> date | None:
    """The day PORTAL_TEST_TODAY names, or None when the suite runs on the real date."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SystemExit(f"{ENV}={value!r} is not a date (use YYYY-MM-DD)") from None


def shift_clock(seconds: float) -> None:
    """Move this process's clock by `seconds` from the real time, ticking (once per process)."""
    global _traveller
    if _traveller is not None:
        return
    _traveller = time_machine.travel(datetime.now(UTC) + timedelta(seconds=seconds), tick=True)
    _traveller.start()


def start_test_today() -> None:
    """Move this process (and the Python subprocesses it starts) to PORTAL_TEST_TODAY; a no-op when unset."""
    day = suite_today()
    if day is None or _traveller is not None:
        return
    shift = (day - datetime.now(UTC).date()).days * 86400
    os.environ[SHIFT_ENV] = str(shift)
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(SITE_DIR), os.environ.get("PYTHONPATH")) if p)
    shift_clock(shift)
