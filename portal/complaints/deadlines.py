"""Complaint deadlines in working days (hari kerja) in the unit's calendar: Indonesia's national holidays
(the `holidays` package, through survey.clock.holiday_calendar) plus the unit's own closures.

The classes and their default limits follow the issue's per-unit table (PermenPANRB 62/2018 on SP4N-LAPOR!
complaint handling uses the same grading): light 2, normative 5, without supervisory content 14, needing
investigation 60 working days. A complaint is due on the N-th working day after the local day it was
received, the same count survey.clock.durations uses for compliance (domain rule 4, "Time"): answered on the
day of receipt is 0 working days, on the next working day 1.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from portal.db.tables_complaints import SEVERITIES
from survey.clock import WEEKMASK, durations, holiday_calendar

#: Severity classes, in order, with their default limit in working days.
CLASSES = SEVERITIES  # the values complaint.severity may hold
DEFAULT_DAYS = {"light": 2, "normative": 5, "plain": 14, "investigation": 60}
#: Until a complaint is classified its deadline is that of a normative complaint.
INITIAL_CLASS = "normative"
#: Contact data is erased this many days after a complaint is closed, unless the unit sets another value.
DEFAULT_CONTACT_DAYS = 180


def _calendar(start: date, closures) -> np.busdaycalendar:
    years = range(start.year, start.year + 2)  # the longest limit (60 working days) ends within a year
    return np.busdaycalendar(weekmask=WEEKMASK, holidays=holiday_calendar(years, closures))


def due_day(received: date, working_days: int, closures=()) -> date:
    """The N-th working day after `received` (N = 0: the day itself)."""
    if working_days < 0:
        raise ValueError("working_days must be >= 0")
    if working_days == 0:
        return received
    cal = _calendar(received, closures)
    first = np.busday_offset(np.datetime64(received, "D") + np.timedelta64(1, "D"), 0, roll="forward",
                             busdaycal=cal)
    day = np.busday_offset(first, working_days - 1, roll="forward", busdaycal=cal).item()
    assert isinstance(day, date)  # a datetime64[D] item
    return day


def working_days_between(start, end, tz: str, closures=()) -> np.ndarray:
    """Working days from each received instant to each answer instant (NaN where open): survey.clock.durations."""
    return durations(start, end, "working_days", tz=tz, closures=closures)
