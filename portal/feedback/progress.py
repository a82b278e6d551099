"""Progress of a multi-day case against its limit ("day 3 of 14"), in the unit's local time (survey.clock)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from portal.catalog.queries import UnitRow
from portal.feedback.queries import standard_version
from portal.insight.aggregate import closures_of
from portal.queue.queries import VisitRow
from portal.timeutil import utcnow
from survey.clock import WEEKMASK, durations, holiday_calendar

MULTI_DAY = ("working_days", "calendar_days")


def _cuti_bersama(unit: Mapping[str, Any]) -> bool:
    """The unit's setting (migration m0070): closed on cuti bersama unless set false."""
    value = unit.get("cuti_bersama", True)
    return True if value is None else bool(value)


def due_day(start_day: date, limit: int, unit: str, closures: list[str], cuti_bersama: bool = True) -> date:
    """The last local day within the limit: the limit-th working (or calendar) day after the day of submission
    (domain rule 4: working days are counted after the day of submission)."""
    start = np.datetime64(start_day, "D")
    if unit == "calendar_days":
        return (start + np.timedelta64(limit, "D")).astype(date)
    years = range(start_day.year, start_day.year + 2 + limit // 200)
    calendar = np.busdaycalendar(weekmask=WEEKMASK, holidays=holiday_calendar(years, closures, cuti_bersama))
    return np.busday_offset(start, limit, roll="forward", busdaycal=calendar).astype(date)


def case_progress(start: datetime, end: datetime | None, limit: int, unit: str, timezone: str,
                  closures: list[str], now: datetime | None = None, cuti_bersama: bool = True) -> dict:
    """Elapsed days of a case (to delivery, or to now while open) against its limit, with the due day."""
    stop = end or now or utcnow()
    elapsed = int(durations([start], [stop], unit, tz=timezone, closures=closures, cuti_bersama=cuti_bersama)[0])
    start_day = start.astimezone(ZoneInfo(timezone)).date()
    return {
        "unit": unit, "limit": limit, "elapsed": max(elapsed, 0), "done": end is not None,
        "within": elapsed <= limit, "overdue": max(elapsed - limit, 0),
        "due": due_day(start_day, limit, unit, closures, cuti_bersama),
    }


async def of_visit(visit: VisitRow, unit: UnitRow) -> dict | None:
    """Progress of a visit whose standard (version in force at arrival) sets a limit in days; else None."""
    standard = await standard_version(visit.get("standard_version"))
    if standard is None or standard["time_limit_unit"] not in MULTI_DAY:
        return None
    start = visit.get("arrived_at") or visit.get("created_at")
    if start is None:
        return None
    return case_progress(start, visit.get("delivered_at"), int(standard["time_limit_value"]),
                         standard["time_limit_unit"], unit["timezone"], closures_of(unit),
                         cuti_bersama=_cuti_bersama(unit))
