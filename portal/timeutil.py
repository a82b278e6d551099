"""The project's one clock: every "now" and "today" under portal/ is read here, and nowhere else.

Instants are aware datetimes in UTC (`utcnow`); days are local days in a unit's IANA time zone (WIB
Asia/Jakarta, WITA Asia/Makassar, WIT Asia/Jayapura): a WITA unit's day starts at 16:00 UTC of the day before.
Tests move this clock with time-machine (`PORTAL_TEST_TODAY=YYYY-MM-DD python -m pytest` runs the whole suite as
if that were today); code never calls `date.today()` or `datetime.now()` itself (a test forbids it).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

# The zone used where no unit is in play (a citizen's complaint before a service is chosen, the daily salt).
DEFAULT_TIMEZONE = "Asia/Jakarta"


def utcnow() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def unix_now() -> float:
    """The current instant as Unix seconds (signed form stamps, fixed rate-limit windows)."""
    return time.time()


def local_now(timezone: str) -> datetime:
    """The current wall-clock time in `timezone` (aware)."""
    return utcnow().astimezone(ZoneInfo(timezone or DEFAULT_TIMEZONE))


def local_day(timezone: str, at: datetime | None = None) -> date:
    """The local day in `timezone` of the instant `at` (default: now)."""
    return (at or utcnow()).astimezone(ZoneInfo(timezone or DEFAULT_TIMEZONE)).date()


def latest_local_day(timezones: Iterable[str]) -> date:
    """Today for a page that spans several units: the latest of their local days (the day the easternmost unit has
    reached), so a list 'up to today' leaves out no unit's today. No zone given: today in DEFAULT_TIMEZONE."""
    days = [local_day(tz) for tz in set(timezones)]
    return max(days) if days else local_day(DEFAULT_TIMEZONE)


def last_days(today: date, days: int) -> tuple[date, date]:
    """The `days` local days ending with `today`, inclusive: (first, today)."""
    return today - timedelta(days=days - 1), today


def local_midnight_utc(timezone: str, day: date) -> datetime:
    """The UTC instant at which `day` begins in `timezone`."""
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone)).astimezone(UTC)
