"""Complaint figures for the dashboard, the public performance page and the evidence pack (ISO 9001 9.1.2,
ISO 10002 8.4): complaints received, the share answered within the deadline with its Wilson 95 % interval and
verdict (survey.compliance.proportion), time to answer by Kaplan-Meier with open complaints censored
(survey.survival.km_reading, never read past the follow-up), and the categories.

Definitions (docs/measures.md, "Complaints"): a complaint counts for the period of its receipt day. It is
*due* once it is answered or its deadline has passed while still open; it is *on time* when answered on or
before its deadline day. Rejected complaints are left out of both (they are not answered on their merits).
Time to answer is in working days (survey.clock.durations: weekends, national holidays, the unit's closures)
from receipt to the answer; open complaints are censored at the present.
Complaints are few (tens a month per unit), so the figures read the complaint rows of the period directly.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import Any, TypedDict, cast

import numpy as np

from portal.complaints import queries
from portal.complaints.deadlines import working_days_between
from portal.complaints.queries import RatingRow
from portal.db.tables import Service
from portal.db.tables_complaints import CATEGORIES, OPEN_STATUSES, Complaint
from portal.insight.aggregate import closures_of
from portal.timeutil import local_day, utcnow
from survey.compliance import proportion
from survey.survival import km_reading

#: Target share of complaints answered within their deadline (the verdict compares the interval with it).
ANSWER_TARGET = 0.95
#: Kaplan-Meier is reported at the default class limits (working days).
KM_LIMITS = (2, 5, 14)
COLUMNS = (Complaint.id, Complaint.unit, Complaint.service, Complaint.category, Complaint.status,
           Complaint.deadline, Complaint.received_at, Complaint.answered_at, Complaint.answered_day)


class FigureRow(TypedDict):
    """A complaint as the figures read it (COLUMNS)."""

    id: int
    unit: int
    service: int | None
    category: str  # one of CATEGORIES
    status: str  # one of STATUSES
    deadline: date
    received_at: datetime
    answered_at: datetime | None
    answered_day: date | None


def _num(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def share(k: int, n: int, target: float | None = ANSWER_TARGET) -> dict[str, Any]:
    """The same shape as the dashboard's other rates: k, n, rate, ci95, target, verdict, extra_needed."""
    p = proportion(k, n, target if n else None)
    return {"k": p.k, "n": p.n, "rate": _num(p.rate), "ci95": list(p.ci95) if n else None, "target": target,
            "verdict": p.verdict, "p_value": p.p_value, "extra_needed": p.extra_needed}


def _ratings(found: dict[int, RatingRow]) -> dict[str, Any]:
    """The citizens' ratings of the answers (issue 26): how many rated, the share who said the answer resolved their
    complaint (Wilson 95 % interval, no target) and the mean score on the four-point scale."""
    rows = list(found.values())
    n = len(rows)
    return {"n": n, "resolved": share(sum(r["resolved"] for r in rows), n, None),
            "mean_score": sum(r["score"] for r in rows) / n if n else None}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _on_time(rows: list[FigureRow], today_of: dict[int, date]) -> dict[str, Any]:
    k = n = 0
    for r in rows:
        if r["status"] == "rejected":
            continue
        if r["answered_day"] is not None:
            n += 1
            k += int(r["answered_day"] <= r["deadline"])
        elif r["status"] in OPEN_STATUSES and r["deadline"] < today_of[r["unit"]]:
            n += 1
    return share(k, n)


def _km(rows: list[FigureRow], units: dict[int, dict], now: datetime) -> list[dict[str, Any]]:
    """Time to answer at each of KM_LIMITS working days (survey.survival.km_reading): never read past the
    follow-up (issue 22 item 2): with a complaint still open short of the limit the figure is read at the
    longest time observed (`horizon_days`, `horizon_limited`) and is `provisional`."""
    durations: list[float] = []
    observed: list[bool] = []
    for unit_id, unit in units.items():
        mine = [r for r in rows if r["unit"] == unit_id and r["status"] != "rejected"]
        if not mine:
            continue
        starts = [_aware(r["received_at"]) for r in mine]
        ends = [_aware(r["answered_at"]) if r["answered_at"] else now for r in mine]
        d = working_days_between(starts, ends, unit["timezone"], closures_of(unit))
        durations.extend(float(x) for x in d)
        observed.extend(r["answered_at"] is not None for r in mine)
    times, answered = np.asarray(durations, dtype=float), np.asarray(observed, dtype=bool)
    out = []
    for limit in KM_LIMITS:
        km = km_reading(times, answered, limit)
        out.append({"limit": limit, "prob": _num(km.prob), "ci95": list(km.ci95) if km.ci95 else None,
                    "n": km.n, "answered": km.events, "open": km.censored,
                    "horizon_days": km.horizon if km.n else None, "horizon_limited": km.limited,
                    "provisional": bool(np.any(~answered & (times < limit)))})
    return out


async def figures(units: list[dict], service_ids: list[int] | None, start: date, end: date,
                  now: datetime | None = None, counter_id: int | None = None) -> dict[str, Any]:
    """Complaint figures of these units (and services, or a counter, when given) for complaints received
    start..end."""
    now = now or utcnow()
    by_id = {u["id"]: u for u in units}
    rows: list[FigureRow] = []
    if by_id:
        query = Complaint.select(*COLUMNS).where(Complaint.unit.is_in(list(by_id)) & (Complaint.received_day >= start)
                                                 & (Complaint.received_day <= end))
        if service_ids is not None:
            query = query.where(Complaint.service.is_in(service_ids or [-1]))
        if counter_id is not None:
            query = query.where(Complaint.counter == counter_id)
        rows = cast("list[FigureRow]", await query.run())
    today_of = {uid: local_day(u["timezone"], now) for uid, u in by_id.items()}
    categories = Counter(r["category"] for r in rows)
    service_rows = []
    names = {}
    ids = sorted({r["service"] for r in rows if r["service"]})
    if ids:
        names = {s["id"]: s for s in await Service.select(Service.id, Service.slug, Service.name)
                 .where(Service.id.is_in(ids)).run()}
    for sid in ids:
        mine = [r for r in rows if r["service"] == sid]
        service_rows.append({"service": names.get(sid, {"name": "?", "slug": ""}), "received": len(mine),
                             "on_time": _on_time(mine, today_of)})
    return {
        "ratings": _ratings(await queries.ratings([r["id"] for r in rows])),
        "received": len(rows),
        "open": sum(r["status"] in OPEN_STATUSES for r in rows),
        "overdue": sum(r["status"] in OPEN_STATUSES and r["deadline"] < today_of[r["unit"]] for r in rows),
        "rejected": sum(r["status"] == "rejected" for r in rows),
        "categories": [{"category": c, "count": categories[c]} for c in CATEGORIES if categories[c]],
        "on_time": _on_time(rows, today_of),
        "km": _km(rows, by_id, now) if rows else [],
        "services": service_rows,
        "period": {"start": start, "end": end},
    }


async def for_scope(scope, period) -> dict[str, Any]:
    """Dashboard hook: the scope's unit (and service or counter when one is chosen) over the dashboard's period."""
    return await figures([scope.unit], [scope.service["id"]] if scope.service else None, period.start, period.end,
                         counter_id=scope.counter_id)


async def for_subject(kind: str, subject: dict, unit: dict, period) -> dict[str, Any]:
    """Public performance hook: a unit (with a row per service) or one service."""
    return await figures([unit], [subject["id"]] if kind == "service" else None, period.start, period.end)


async def for_unit(unit: dict, period) -> dict[str, Any]:
    """Evidence pack hook: the unit over the pack's period."""
    return await figures([unit], None, period.start, period.end)
