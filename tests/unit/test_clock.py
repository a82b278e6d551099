"""Time is an input (issue 21): one clock (portal.timeutil) in the unit's local day, and a suite that runs on any
day (tests/clock.py, PORTAL_TEST_TODAY)."""

from __future__ import annotations

import ast
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import time_machine

import portal
from portal import timeutil
from tests.clock import ENV, suite_today

PORTAL_DIR = Path(portal.__file__).parent


def _clock_reads(source: str) -> list[tuple[int, str]]:
    """Calls of date.today(), datetime.now(), datetime.utcnow(), datetime.today() and time.time() in a module."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if (name, node.func.attr) in {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"),
                                          ("datetime", "today"), ("time", "time")}:
                found.append((node.lineno, f"{name}.{node.func.attr}()"))
    return found


def test_no_module_reads_the_clock_outside_timeutil():
    offenders = []
    for path in sorted(PORTAL_DIR.rglob("*.py")):
        if path == PORTAL_DIR / "timeutil.py":
            continue
        for line, call in _clock_reads(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(PORTAL_DIR.parent)}:{line}: {call}")
    assert not offenders, "read now/today through portal.timeutil:\n" + "\n".join(offenders)


def test_the_scan_finds_clock_reads():
    source = "from datetime import date, datetime\nimport time\nx = date.today()\ny = datetime.now()\nz = time.time()\n"
    assert [call for _, call in _clock_reads(source)] == ["date.today()", "datetime.now()", "time.time()"]


def test_a_wita_unit_is_on_the_next_day_at_2330_utc():
    with time_machine.travel(datetime(2027, 3, 31, 23, 30, tzinfo=UTC), tick=False):
        assert timeutil.local_day("Asia/Makassar") == date(2027, 4, 1)
        assert timeutil.local_day("Asia/Jakarta") == date(2027, 4, 1)      # 06:30 WIB
        assert timeutil.latest_local_day(["Asia/Jakarta", "Asia/Jayapura"]) == date(2027, 4, 1)
        assert timeutil.local_now("Asia/Jayapura").hour == 8
    with time_machine.travel(datetime(2027, 3, 31, 16, 30, tzinfo=UTC), tick=False):
        assert timeutil.local_day("Asia/Jakarta") == date(2027, 3, 31)     # 23:30 WIB
        assert timeutil.local_day("Asia/Makassar") == date(2027, 4, 1)     # 00:30 WITA
        assert timeutil.latest_local_day(["Asia/Jakarta", "Asia/Makassar"]) == date(2027, 4, 1)
    assert timeutil.last_days(date(2027, 1, 2), 3) == (date(2026, 12, 31), date(2027, 1, 2))


def test_portal_test_today_moves_every_clock():
    """With PORTAL_TEST_TODAY set, date.today() inside a test is that day (and the clock ticks)."""
    day = suite_today()
    if day is None:
        assert not os.environ.get(ENV)
        return
    assert date.today() == day or date.today() == day + timedelta(days=1)  # a run crossing midnight
    assert timeutil.utcnow().date() in (day, day + timedelta(days=1))
    first = timeutil.utcnow()
    assert timeutil.utcnow() >= first


def test_python_subprocesses_live_on_the_same_day():
    """A served portal or a CLI run started by a test (a Python subprocess) reads the suite's day too."""
    import subprocess
    import sys

    printed = subprocess.run([sys.executable, "-c", "from portal.timeutil import utcnow; print(utcnow().date())"],
                             capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    assert date.fromisoformat(printed) in (timeutil.utcnow().date(), timeutil.utcnow().date() - timedelta(days=1))
    if suite_today() is not None:
        assert abs((date.fromisoformat(printed) - suite_today()).days) <= 1
