"""Reads of the staffing capability: a unit's services, counters and their links, its hour-by-hour rollups over a
span of days (bounded by services x counters x days, never by visits) and its waiting target."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypedDict

from portal.db.tables import Counter, CounterService, Service, Unit
from portal.db.tables_insight import RollupDay
from portal.db.tables_staffing import StaffingTarget
from portal.insight.aggregate import HOURLY
from portal.insight.rollups import histogram


class UnitRow(TypedDict):
    id: int
    slug: str
    name: str
    timezone: str
    closures: Any  # JSON list of ISO dates (decoded by portal.insight.aggregate.closures_of)
    cuti_bersama: bool | None


class ServiceRow(TypedDict):
    id: int
    slug: str
    name: str
    name_en: str


class CounterRow(TypedDict):
    id: int
    code: str
    name: str


class LinkRow(TypedDict):
    counter: int
    service: int


class HourRow(TypedDict):
    """One rollup row's hours: arrivals, activity, waits and busy time keyed by local hour (as ints)."""

    service: int
    counter: int
    day: date
    arrival_hours: dict[int, int]
    activity_hours: dict[int, int]
    wait_hours: dict[int, int]
    busy_hours: dict[int, int]
    busy_seconds: dict[int, int]


class TargetRow(TypedDict):
    wait_minutes: float
    share: float
    updated_at: datetime


UNIT_COLUMNS = (Unit.id, Unit.slug, Unit.name, Unit.timezone, Unit.closures, Unit.cuti_bersama)


async def unit_by_slug(slug: str) -> UnitRow | None:
    row = await Unit.select(*UNIT_COLUMNS).where(Unit.slug == slug).first().run()
    return UnitRow(**row) if row else None  # type: ignore[typeddict-item]


async def unit_by_id(unit_id: int) -> UnitRow | None:
    row = await Unit.select(*UNIT_COLUMNS).where(Unit.id == unit_id).first().run()
    return UnitRow(**row) if row else None  # type: ignore[typeddict-item]


async def units(ids: frozenset[int] | None) -> list[UnitRow]:
    """The units with these ids (None: every unit), by name."""
    query = Unit.select(*UNIT_COLUMNS).order_by(Unit.name)
    if ids is not None:
        if not ids:
            return []
        query = query.where(Unit.id.is_in(sorted(ids)))
    return [UnitRow(**row) for row in await query.run()]  # type: ignore[typeddict-item]


async def services_of(unit_id: int) -> list[ServiceRow]:
    rows = await (Service.select(Service.id, Service.slug, Service.name, Service.name_en)
                  .where((Service.unit == unit_id) & (Service.active == True))  # noqa: E712
                  .order_by(Service.name).run())
    return [ServiceRow(id=r["id"], slug=r["slug"], name=r["name"], name_en=r["name_en"] or "") for r in rows]


async def counters_of(unit_id: int) -> tuple[list[CounterRow], list[LinkRow]]:
    """The unit's active counters (by code) and which services each offers."""
    counters = await (Counter.select(Counter.id, Counter.code, Counter.name)
                      .where((Counter.unit == unit_id) & (Counter.active == True))  # noqa: E712
                      .order_by(Counter.code).run())
    ids = [c["id"] for c in counters]
    links = await CounterService.select(CounterService.counter, CounterService.service).where(
        CounterService.counter.is_in(ids or [0])).run()
    return ([CounterRow(id=c["id"], code=c["code"], name=c["name"]) for c in counters],
            [LinkRow(counter=link["counter"], service=link["service"]) for link in links])


def _ints(value: Any) -> dict[int, int]:
    return {int(k): int(v) for k, v in histogram(value).items()}


async def hour_rows(unit_id: int, start: date, end: date) -> list[HourRow]:
    """The unit's rollup rows with visits from `start` to `end` (inclusive), hours decoded."""
    columns = [getattr(RollupDay, name) for name in HOURLY]
    rows = await (RollupDay.select(RollupDay.service, RollupDay.counter, RollupDay.day, *columns)
                  .where((RollupDay.unit == unit_id) & (RollupDay.day >= start) & (RollupDay.day <= end)
                         & (RollupDay.visits > 0))
                  .run())
    out = []
    for r in rows:
        day = r["day"] if isinstance(r["day"], date) else date.fromisoformat(str(r["day"])[:10])
        out.append(HourRow(service=r["service"], counter=r["counter"], day=day,
                           arrival_hours=_ints(r["arrival_hours"]), activity_hours=_ints(r["activity_hours"]),
                           wait_hours=_ints(r["wait_hours"]), busy_hours=_ints(r["busy_hours"]),
                           busy_seconds=_ints(r["busy_seconds"])))
    return out


async def first_day(unit_id: int) -> date | None:
    """The unit's first local day with a visit in the rollups (the forecast's history begins there)."""
    row = await (RollupDay.select(RollupDay.day).where((RollupDay.unit == unit_id) & (RollupDay.visits > 0))
                 .order_by(RollupDay.day).first().run())
    if row is None:
        return None
    return row["day"] if isinstance(row["day"], date) else date.fromisoformat(str(row["day"])[:10])


async def target_of(unit_id: int) -> TargetRow | None:
    row = await (StaffingTarget.select(StaffingTarget.wait_minutes, StaffingTarget.share, StaffingTarget.updated_at)
                 .where(StaffingTarget.unit == unit_id).first().run())
    return TargetRow(wait_minutes=float(row["wait_minutes"]), share=float(row["share"]),
                     updated_at=row["updated_at"]) if row else None
