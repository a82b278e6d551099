"""Durations in minutes, hours, calendar or working days in a unit's local time, with a holiday calendar."""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import numpy as np

UNITS = ("minutes", "hours", "working_days", "calendar_days")
WEEKMASK = "1111100"  # Monday..Friday work, Saturday and Sunday off


@lru_cache(maxsize=64)
def _national(years: tuple[int, ...], cuti_bersama: bool = True) -> np.ndarray:
    categories = ("public", "government") if cuti_bersama else ("public",)
    cal = holidays.country_holidays("ID", years=list(years), categories=categories)
    return np.array(sorted(cal.keys()), dtype="datetime64[D]")


def holiday_calendar(years, closures=(), cuti_bersama: bool = True) -> np.ndarray:
    """Sorted unique non-working dates for `years`: Indonesia's national holidays from the `holidays` package
    (country "ID", category "public"), with `cuti_bersama` also the collective leave days (cuti bersama, set
    each year by the SKB 3 Menteri) that the package lists under its "government" category, plus the unit's
    local closures (dates or ISO strings). Cached per set of years."""
    ys = tuple(sorted({int(y) for y in ([years] if isinstance(years, int) else years)}))
    nat = _national(ys, bool(cuti_bersama))
    if closures is None or len(closures) == 0:
        return nat
    extra = np.array([np.datetime64(c, "D") for c in closures], dtype="datetime64[D]")
    return np.unique(np.concatenate([nat, extra]))


def _to_utc64(values) -> np.ndarray:
    """UTC instants as datetime64[ns]: datetime64 input is taken as UTC; Python datetimes must be aware."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        return values.astype("datetime64[ns]")
    out = []
    for v in values:
        if v is None:
            out.append(np.datetime64("NaT", "ns"))
        elif isinstance(v, _dt.datetime):
            if v.tzinfo is None or v.utcoffset() is None:
                raise ValueError("naive datetime: give aware datetimes or UTC datetime64 values")
            out.append(np.datetime64(v.astimezone(_dt.UTC).replace(tzinfo=None), "ns"))
        elif isinstance(v, np.datetime64):
            out.append(v.astype("datetime64[ns]"))
        else:
            raise ValueError(f"not a datetime: {v!r}")
    return np.array(out, dtype="datetime64[ns]")


def _offset(tz: str, instants: np.ndarray) -> np.timedelta64 | None:
    """The zone's UTC offset, asked from zoneinfo at the earliest and latest instants (None if they differ).

    Indonesia's zones (WIB/WITA/WIT) have no DST since 1964, so one fixed offset covers the data and the
    conversion can be one vectorised addition; zones or periods with changes fall back to per-value
    conversion.
    """
    zone = ZoneInfo(tz)
    valid = instants[~np.isnat(instants)]
    if valid.size == 0:
        probe = [_dt.datetime(2000, 1, 1, tzinfo=_dt.UTC)]
    else:
        probe = [valid.min(), valid.max()]
        probe = [_dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
                 + _dt.timedelta(microseconds=int(p.astype("datetime64[us]").astype(np.int64))) for p in probe]
    offsets = {p.astimezone(zone).utcoffset() for p in probe}
    if len(offsets) != 1:
        return None
    offset = offsets.pop()
    assert offset is not None  # an aware datetime in a ZoneInfo zone always has an offset
    return np.timedelta64(int(offset.total_seconds()), "s")


def local_days(instants, tz: str = "Asia/Jakarta") -> np.ndarray:
    """Local calendar day (datetime64[D]) of UTC instants in zone `tz` (NaT stays NaT)."""
    t = _to_utc64(instants)
    off = _offset(tz, t)
    if off is not None:
        return (t + off).astype("datetime64[D]")
    zone = ZoneInfo(tz)
    out = np.full(t.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    for i, v in enumerate(t):
        if not np.isnat(v):
            us = int(v.astype("datetime64[us]").astype(np.int64))
            d = (_dt.datetime(1970, 1, 1, tzinfo=_dt.UTC) + _dt.timedelta(microseconds=us)).astimezone(zone)
            out[i] = np.datetime64(d.date(), "D")
    return out


def durations(start, end, unit: str, tz: str = "Asia/Jakarta", closures=(), years=None,
              cuti_bersama: bool = True) -> np.ndarray:
    """Duration of each case in `unit`, in the unit's local time (domain rule 4, "Time").

    minutes/hours: elapsed time. calendar_days: local date(end) - local date(start). working_days: the number
    of working days after the local day of submission up to and including the local day of delivery,
    np.busday_count(start_day + 1, end_day + 1) with Saturday/Sunday off and holidays = Indonesia's national
    holidays (`holidays` package, years of the data unless `years` is given), the cuti bersama days unless
    `cuti_bersama` is False (a per-unit setting: units that stay open on collective leave count them), plus
    `closures`.
    So delivery on the day of submission is 0 working days, next working day 1. NaT end (open case) -> NaN.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
    s = _to_utc64(start)
    e = _to_utc64(end)
    if s.shape != e.shape:
        raise ValueError("start and end must have the same length")
    open_ = np.isnat(e) | np.isnat(s)
    if unit in ("minutes", "hours"):
        secs = (e - s) / np.timedelta64(1, "s")
        return secs / (60.0 if unit == "minutes" else 3600.0)
    sd = local_days(s, tz)
    ed = local_days(e, tz)
    if unit == "calendar_days":
        out = (ed - sd).astype(np.float64)  # NaT -> nan after masking below
        out[open_] = np.nan
        return out
    ok = ~open_
    if years is None:
        if ok.any():
            lo = min(sd[ok].min(), ed[ok].min()).astype("datetime64[Y]").astype(int) + 1970
            hi = max(sd[ok].max(), ed[ok].max()).astype("datetime64[Y]").astype(int) + 1970
            years = range(int(lo), int(hi) + 1)
        else:
            years = ()
    cal = np.busdaycalendar(weekmask=WEEKMASK, holidays=holiday_calendar(years, closures, cuti_bersama) if years else
                            np.array([np.datetime64(c, "D") for c in closures], dtype="datetime64[D]"))
    out = np.full(s.shape, np.nan)
    if ok.any():
        one = np.timedelta64(1, "D")
        out[ok] = np.busday_count(sd[ok] + one, ed[ok] + one, busdaycal=cal)
    return out


def deadline_day(start_day: _dt.date, limit: int, unit: str, closures=(), cuti_bersama: bool = True) -> _dt.date:
    """The local day on which a case begun on `start_day` reaches `limit` (domain rule 4, "hari kerja"):
    working days = the `limit`-th working day after `start_day` (the count of `durations`: weekends, national
    holidays, cuti bersama unless off, the unit's closures); calendar days = start + limit. A case still open
    after that day is past its deadline. Other units (minutes, hours) end on the same day."""
    if unit == "calendar_days":
        return start_day + _dt.timedelta(days=int(limit))
    if unit != "working_days" or limit <= 0:
        return start_day
    years = range(start_day.year, start_day.year + 2 + int(limit) // 200)
    cal = np.busdaycalendar(weekmask=WEEKMASK, holidays=holiday_calendar(list(years), closures, cuti_bersama))
    first = np.busday_offset(np.datetime64(start_day, "D") + np.timedelta64(1, "D"), 0, roll="forward",
                             busdaycal=cal)
    day = np.busday_offset(first, int(limit) - 1, roll="forward", busdaycal=cal).item()
    assert isinstance(day, _dt.date)  # a datetime64[D] item
    return day


def within_limit(durations, limit: float) -> np.ndarray:
    """Boolean array: duration <= limit (same unit); NaN (open case) is False."""
    d = np.asarray(durations, dtype=float)
    with np.errstate(invalid="ignore"):
        return d <= limit
