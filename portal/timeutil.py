"""Unit-local time: the local day of an instant in a unit's IANA timezone (WIB, WITA, WIT)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_day(timezone: str, at: datetime | None = None) -> date:
    return (at or utcnow()).astimezone(ZoneInfo(timezone)).date()


def local_midnight_utc(timezone: str, day: date) -> datetime:
    """The UTC instant at which `day` begins in `timezone`."""
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone)).astimezone(UTC)
