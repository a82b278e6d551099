"""Reporting periods: 2026-07 (month), 2026-Q3 (quarter), 2026-S1 (semester), 2026 (year), or a custom range."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from portal.errors import Invalid

DEFAULT_DAYS = 90
MAX_DAYS = 3660  # ten years: keeps a custom range bounded


class PeriodError(Invalid, ValueError):
    """A period or date the user gave is not valid (portal.errors; the message is an English msgid with
    %(value)s)."""

    def __init__(self, message: str, value: str = ""):
        super().__init__(message, value=value)
        self.value = value


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str  # "2026-Q3", "2026-07", ..., or "2026-07-01..2026-09-30" for a custom range
    kind: str  # month | quarter | semester | year | custom

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of equal kind just before (a custom range: the same number of days just before)."""
        if self.kind == "custom":
            end = self.start - timedelta(days=1)
            return custom(end - timedelta(days=self.days - 1), end)
        return parse(_shift_label(self, -1))

    def months(self) -> list[tuple[date, date]]:
        """The calendar months (clipped to the period) it covers, in order."""
        out = []
        cur = date(self.start.year, self.start.month, 1)
        while cur <= self.end:
            nxt = _add_months(cur, 1)
            out.append((max(cur, self.start), min(nxt - timedelta(days=1), self.end)))
            cur = nxt
        return out

    def weeks(self) -> list[tuple[date, date]]:
        """ISO weeks (Monday..Sunday, clipped to the period), in order."""
        out = []
        cur = self.start - timedelta(days=self.start.weekday())
        while cur <= self.end:
            out.append((max(cur, self.start), min(cur + timedelta(days=6), self.end)))
            cur += timedelta(days=7)
        return out


def _add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


def _shift_label(p: Period, step: int) -> str:
    y = p.start.year
    if p.kind == "year":
        return str(y + step)
    if p.kind == "month":
        d = _add_months(p.start, step)
        return f"{d.year}-{d.month:02d}"
    if p.kind == "quarter":
        q = (p.start.month - 1) // 3 + step
        return f"{y + q // 4}-Q{q % 4 + 1}"
    s = (p.start.month - 1) // 6 + step
    return f"{y + s // 2}-S{s % 2 + 1}"


_PATTERNS = (
    (re.compile(r"^(\d{4})-Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-S([12])$"), "semester"),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "month"),
    (re.compile(r"^(\d{4})$"), "year"),
)


def parse(text: str) -> Period:
    """Parse 2026-Q3, 2026-S1, 2026-07 or 2026 (PeriodError otherwise)."""
    value = (text or "").strip().upper()
    for pattern, kind in _PATTERNS:
        m = pattern.match(value)
        if not m:
            continue
        y = int(m.group(1))
        if not 1900 <= y <= 9998:
            break
        if kind == "year":
            start, end = date(y, 1, 1), date(y, 12, 31)
        else:
            k = int(m.group(2))
            months = {"quarter": 3, "semester": 6, "month": 1}[kind]
            start = date(y, (k - 1) * months + 1, 1)
            end = _add_months(start, months) - timedelta(days=1)
        return Period(start, end, value, kind)
    raise PeriodError("Unknown period %(value)s: use e.g. 2026-Q3, 2026-S1, 2026-07 or 2026.", text)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise PeriodError("Not a date: %(value)s (use YYYY-MM-DD).", text) from None


def custom(start: date, end: date) -> Period:
    if start > end:
        raise PeriodError("The start date %(value)s is after the end date.", start.isoformat())
    if (end - start).days + 1 > MAX_DAYS:
        raise PeriodError("The range from %(value)s is too long (at most ten years).", start.isoformat())
    return Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "custom")


def from_query(period: str | None, date_from: str | None, date_to: str | None, today: date,
               default: str = "last_days") -> Period:
    """The period a request asks for: ?period=, else ?from=&to= (either may be left out), else the default:
    the last 90 days ending today ("last_days") or the last closed quarter ("closed_quarter")."""
    if period:
        return parse(period)
    if date_from or date_to:
        end = parse_date(date_to) if date_to else today
        start = parse_date(date_from) if date_from else end - timedelta(days=DEFAULT_DAYS - 1)
        return custom(start, end)
    if default == "closed_quarter":
        return last_closed_quarter(today)
    return custom(today - timedelta(days=DEFAULT_DAYS - 1), today)


def last_closed_quarter(today: date) -> Period:
    q = (today.month - 1) // 3  # current quarter index 0..3
    return parse(f"{today.year - 1}-Q4" if q == 0 else f"{today.year}-Q{q}")


def quarter_of(d: date) -> Period:
    return parse(f"{d.year}-Q{(d.month - 1) // 3 + 1}")


def choices(today: date) -> list[dict]:
    """A period picker's options, newest first: this year's and last year's quarters, the last 12 months, 3 years."""
    def option(label: str, group: str) -> dict:
        p = parse(label)
        return {"value": p.label, "group": group, "start": p.start, "end": p.end, "kind": p.kind}

    quarters, months = [], []
    q = quarter_of(today)
    for _ in range(8):
        quarters.append(option(q.label, "quarter"))
        q = q.previous()
    m = parse(f"{today.year}-{today.month:02d}")
    for _ in range(12):
        months.append(option(m.label, "month"))
        m = m.previous()
    years = [option(str(today.year - i), "year") for i in range(3)]
    return quarters + months + years


def chosen(period: str | None, date_from: str | None, date_to: str | None, today: date,
           fallback: Period) -> tuple[Period, PeriodError | None]:
    """A picker's period: the one the request asks for (see from_query), `fallback` when it asks for none, or
    `fallback` with the reason when the request's period cannot be read (the page says it and answers 400)."""
    if not (period or date_from or date_to):
        return fallback, None
    try:
        return from_query(period, date_from, date_to, today), None
    except PeriodError as exc:
        return fallback, exc
