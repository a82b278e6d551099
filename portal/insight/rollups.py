"""Per-service, per-counter, per-local-day rollups, changed only by the background refresher.

Two ways in (docs/deploy.md, "Published figures"):
- Facts (responses, visit stages, paper batches) append their additive part to `rollup_delta` in their own
  transaction (portal.insight.ledger); `apply_pending()` folds pending deltas into `rollup_day` and deletes
  them, in one transaction. Its cost is bounded by the new deltas, never by the rows a day already holds.
- Rule changes that alter past figures (a unit's closures, the demo loader, migrations) mark a (service, day)
  dirty with `touch()`; `refresh()` recomputes such a day from raw rows (aggregate.compute) and drops the
  pending deltas of that day in the same transaction, since the raw rows already include their facts.
Readers (`sums`) never write. Only one refresher works at a time (a PostgreSQL advisory lock across workers;
SQLite has one process and one writer). `rebuild()` recomputes everything (`portal rebuild-rollups`); a test
proves rebuild = the incremental result.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, timedelta

from piccolo.engine.postgres import PostgresEngine

from portal.db.engine import is_unique_violation
from portal.db.tables import Service, SurveyResponse, Visit
from portal.db.tables_insight import COUNT_FIELDS, OverchargeCase, RollupDay, RollupDelta, RollupDirty
from portal.insight import aggregate, ledger
from portal.timeutil import utcnow

REBUILD_CHUNK_DAYS = 31
INSERT_BATCH = 200
#: Deltas folded per transaction. The embedded engine serialises every transaction of the process, so a survey
#: answer waits for the batch being folded: 5,000 at a time held answers back for a quarter of a second under
#: load (counted POST p99, bench/RESULTS-submit.md); 250 keep that wait to milliseconds, and the refresher folds
#: as many per pass in more batches (refresher.MAX_BATCHES).
APPLY_BATCH = 250
#: pg_try_advisory_xact_lock key held by the one refresher at work (other workers skip their turn).
REFRESHER_LOCK = 7_250_914_2018


def _is_pg() -> bool:
    return isinstance(RollupDay._meta.db, PostgresEngine)


async def refresher_lock() -> bool:
    """Inside a transaction: True when this process may change rollups now (always on SQLite)."""
    if not _is_pg():
        return True
    rows = await RollupDay.raw("SELECT pg_try_advisory_xact_lock({}) AS ok", REFRESHER_LOCK).run()
    return bool(rows[0]["ok"])


async def _hold_writers() -> None:
    """Inside a transaction on PostgreSQL: wait for writers that are adding deltas and hold new ones back until
    commit, so that a recomputation from raw rows and the pending deltas it replaces agree."""
    if _is_pg():
        await RollupDelta.raw("LOCK TABLE rollup_delta IN SHARE ROW EXCLUSIVE MODE").run()


async def touch(service_id: int, day: date) -> None:
    """Mark the (service, local day) rollup as needing recomputation (idempotent, safe under concurrency)."""
    now = utcnow()
    cond = (RollupDirty.service == service_id) & (RollupDirty.day == day)
    updated = await RollupDirty.update({RollupDirty.marked_at: now}).where(cond).returning(RollupDirty.id).run()
    if updated:
        return
    try:
        await RollupDirty.insert(RollupDirty(service=service_id, day=day, marked_at=now)).run()
    except Exception as exc:  # a concurrent writer marked it first: bump its mark instead
        if not is_unique_violation(exc):
            raise
        await RollupDirty.update({RollupDirty.marked_at: now}).where(cond).run()


def _row(service_id: int, unit_id: int, counter: int, day: date, agg: dict):
    return RollupDay(service=service_id, unit=unit_id, counter=counter, day=day,
                     profiles=aggregate.profiles_json(agg), wait_hist=aggregate.profiles_json(agg, "wait_hist"),
                     handle_hist=aggregate.profiles_json(agg, "handle_hist"),
                     km_hist=aggregate.profiles_json(agg, "km_hist"),
                     time_version_n=aggregate.profiles_json(agg, "time_version_n"),
                     time_version_within=aggregate.profiles_json(agg, "time_version_within"),
                     **{k: aggregate.profiles_json(agg, k) for k in aggregate.HOURLY},
                     **{k: agg[k] for k in COUNT_FIELDS})


def _rows_and_cases(service_id: int, unit_id: int, computed: dict) -> tuple[list, list]:
    cases = computed.pop(aggregate.CASES, [])
    rows = [_row(service_id, unit_id, counter, d, agg) for (counter, d), agg in sorted(computed.items())]
    return rows, [OverchargeCase(service=service_id, unit=unit_id, **c) for c in cases]


async def _insert(rows: list, cases: list | None = None) -> None:
    for start in range(0, len(rows), INSERT_BATCH):
        await RollupDay.insert(*rows[start:start + INSERT_BATCH]).run()
    cases = cases or []
    for start in range(0, len(cases), INSERT_BATCH):
        await OverchargeCase.insert(*cases[start:start + INSERT_BATCH]).run()


async def _unit_of(service_id: int) -> int:
    row = await Service.select(Service.unit).where(Service.id == service_id).first().run()
    if row is None:
        raise LookupError(f"no service {service_id}")
    return row["unit"]


async def recompute_day(service_id: int, day: date, marked_at: datetime | None = None) -> None:
    """Replace the rollup rows of one (service, day) from raw rows, dropping its pending deltas (the raw rows
    include their facts); clear its dirty mark if unchanged since read. Call inside the refresher's turn."""
    unit_id = await _unit_of(service_id)
    async with RollupDay._meta.db.transaction():
        if not await refresher_lock():
            return  # another worker is refreshing: the mark stays for its next turn
        await _hold_writers()
        computed = await aggregate.compute(service_id, day, day)
        await RollupDay.delete().where((RollupDay.service == service_id) & (RollupDay.day == day)).run()
        await OverchargeCase.delete().where((OverchargeCase.service == service_id) & (OverchargeCase.day == day)).run()
        await RollupDelta.delete().where((RollupDelta.service == service_id) & (RollupDelta.day == day)).run()
        await _insert(*_rows_and_cases(service_id, unit_id, computed))
        cond = (RollupDirty.service == service_id) & (RollupDirty.day == day)
        if marked_at is not None:
            cond &= RollupDirty.marked_at == marked_at
        await RollupDirty.delete().where(cond).run()


async def last_delta_id() -> int | None:
    """The highest id of a pending delta now (None when none is pending): a refresher pass folds up to it."""
    row = await RollupDelta.select(RollupDelta.id).order_by(RollupDelta.id, ascending=False).first().run()
    return row["id"] if row else None


async def apply_pending(limit: int = APPLY_BATCH, through: int | None = None) -> set[tuple[int, date]]:
    """Fold up to `limit` pending deltas (only those with id <= `through`, when given) into rollup_day in one
    transaction; returns the (service, day) pairs changed. Deltas are deleted by id, so one committed late with a
    lower id is simply folded next time."""
    async with RollupDelta._meta.db.transaction():
        if not await refresher_lock():
            return set()
        query = RollupDelta.select().order_by(RollupDelta.id).limit(limit)
        if through is not None:
            query = query.where(RollupDelta.id <= through)
        deltas = await query.run()
        if not deltas:
            return set()
        sums: dict = {}
        for d in deltas:
            key = (d["service"], d["unit"], d["counter"], aggregate._day(d["day"]))
            ledger.add_payload(sums, key, d["payload"])
        for (service_id, unit_id, counter, day), delta in sums.items():
            row = await RollupDay.select().where((RollupDay.service == service_id) & (RollupDay.counter == counter)
                                                 & (RollupDay.day == day)).first().output(load_json=True).run()
            totals = {"row": aggregate.empty()}
            if row is not None:
                aggregate.add_into(totals["row"], row)
            ledger.combine(totals, "row", delta)
            total = totals["row"]
            for name in ledger.HISTOGRAMS:
                total[name] = {k: v for k, v in total[name].items() if v}
            values = _row(service_id, unit_id, counter, day, total)
            if row is None:
                await RollupDay.insert(values).run()
            else:
                await RollupDay.update({
                    **{getattr(RollupDay, f): total[f] for f in COUNT_FIELDS},
                    RollupDay.profiles: values.profiles, RollupDay.wait_hist: values.wait_hist,
                    RollupDay.handle_hist: values.handle_hist, RollupDay.km_hist: values.km_hist,
                    RollupDay.time_version_n: values.time_version_n,
                    RollupDay.time_version_within: values.time_version_within,
                    **{getattr(RollupDay, k): getattr(values, k) for k in aggregate.HOURLY},
                    RollupDay.computed_at: utcnow(),
                }).where(RollupDay.id == row["id"]).run()
        ids = [d["id"] for d in deltas]
        for start in range(0, len(ids), 500):
            await RollupDelta.delete().where(RollupDelta.id.is_in(ids[start:start + 500])).run()
    return {(service_id, day) for service_id, _unit, _counter, day in sums}


async def refresh(service_ids: list[int] | None = None, date_from: date | None = None,
                  date_to: date | None = None) -> set[tuple[int, date]]:
    """Recompute the dirty (service, day) pairs (optionally only these services and days); returns them."""
    query = RollupDirty.select(RollupDirty.service, RollupDirty.day, RollupDirty.marked_at)
    if service_ids is not None:
        if not service_ids:
            return set()
        query = query.where(RollupDirty.service.is_in(list(service_ids)))
    if date_from is not None:
        query = query.where(RollupDirty.day >= date_from)
    if date_to is not None:
        query = query.where(RollupDirty.day <= date_to)
    marks = await query.run()
    for mark in marks:
        await recompute_day(mark["service"], aggregate._day(mark["day"]), mark["marked_at"])
        await asyncio.sleep(0)  # let requests in between days
    return {(mark["service"], aggregate._day(mark["day"])) for mark in marks}


async def _day_span(service_id: int) -> tuple[date, date] | None:
    days = []
    for table in (Visit, SurveyResponse):
        for asc in (True, False):
            row = await (table.select(table.local_day).where(table.service == service_id)
                         .order_by(table.local_day, ascending=asc).first().run())
            if row is not None:
                days.append(aggregate._day(row["local_day"]))
    return (min(days), max(days)) if days else None


async def rebuild(service_ids: list[int] | None = None) -> dict[str, int]:
    """Recompute every rollup from raw rows (all services, or these); returns counts of services and rows."""
    if service_ids is None:
        service_ids = [r["id"] for r in await Service.select(Service.id).order_by(Service.id).run()]
    rows_written = 0
    for service_id in service_ids:
        unit_id = await _unit_of(service_id)
        started = utcnow()
        span = await _day_span(service_id)
        async with RollupDay._meta.db.transaction():
            if _is_pg():  # wait for the refresher's turn, then keep it for this service's rebuild
                await RollupDay.raw("SELECT pg_advisory_xact_lock({})", REFRESHER_LOCK).run()
            await _hold_writers()
            await RollupDay.delete().where(RollupDay.service == service_id).run()
            await OverchargeCase.delete().where(OverchargeCase.service == service_id).run()
            await RollupDelta.delete().where(RollupDelta.service == service_id).run()
            if span is not None:
                start = span[0]
                while start <= span[1]:
                    end = min(span[1], start + timedelta(days=REBUILD_CHUNK_DAYS - 1))
                    computed = await aggregate.compute(service_id, start, end)
                    rows, cases = _rows_and_cases(service_id, unit_id, computed)
                    await _insert(rows, cases)
                    rows_written += len(rows)
                    start = end + timedelta(days=1)
            # Marks older than this rebuild are covered by it; later ones stay for the next refresh.
            await RollupDirty.delete().where((RollupDirty.service == service_id)
                                             & (RollupDirty.marked_at <= started)).run()
    return {"services": len(service_ids), "rows": rows_written}


def histogram(value: str | dict | None) -> dict[str, int]:
    """A histogram column as read by plain SQL (JSON text on both engines) decoded to {cell: count}: the one place
    raw rollup JSON is decoded (ORM reads use `.output(load_json=True)`)."""
    decoded = json.loads(value or "{}") if isinstance(value, str) else value
    return decoded or {}


def _where(service_ids: list[int], date_from: date, date_to: date, counter_id: int | None) -> tuple[str, list]:
    marks = ", ".join("{}" for _ in service_ids)
    sql = f'service IN ({marks}) AND "day" >= {{}} AND "day" <= {{}}'
    args: list = [*service_ids, date_from, date_to]
    if counter_id is not None:
        sql += " AND counter = {}"
        args.append(counter_id)
    return sql, args


async def sums(service_ids: list[int], date_from: date, date_to: date, counter_id: int | None = None,
               by: str | None = None, profiles: bool = False, sketches: bool = False,
               km: bool = False, versions: bool = False) -> list[dict]:
    """Rollup sums (as the refresher last left them) over [date_from, date_to] computed by the database (SUM ... GROUP BY `by`: None,
    "service", "counter" or "day"). With profiles=True each group also gets its summed respondent profiles
    (read per day row and added in Python: bounded by services x counters x days, never by responses)."""
    if not service_ids:
        return []
    where, args = _where(list(service_ids), date_from, date_to, counter_id)
    key = {None: None, "service": "service", "counter": "counter", "day": '"day"'}[by]
    columns = ", ".join(f"SUM({c}) AS {c}" for c in COUNT_FIELDS)
    sql = f"SELECT {key + ' AS grp, ' if key else ''}{columns} FROM rollup_day WHERE {where}"
    if key:
        sql += f" GROUP BY {key}"
    rows = await RollupDay.raw(sql, *args).run()
    out = []
    for row in rows:
        agg = aggregate.empty()
        for c in COUNT_FIELDS:
            agg[c] = int(row[c] or 0)
        agg["group"] = row.get("grp")
        if by == "day" and agg["group"] is not None:
            agg["group"] = aggregate._day(agg["group"])
        out.append(agg)
    by_group = {(a["group"] if key else None): a for a in out}
    for wanted, column, condition in ((profiles, "profiles", "respondents > 0"),
                                      (sketches, "wait_hist, handle_hist", "visits > 0"),
                                      (km, "km_hist", "time_n > 0"),
                                      (versions, "time_version_n, time_version_within", "time_n > 0")):
        if not (wanted and out):
            continue
        psql = f"SELECT {key + ' AS grp, ' if key else ''}{column} FROM rollup_day WHERE {where} AND {condition}"
        for row in await RollupDay.raw(psql, *args).run():
            g = row.get("grp") if key else None
            if by == "day" and g is not None:
                g = aggregate._day(g)
            target = by_group.get(g)
            if target is None:
                continue
            for name in column.split(", "):
                aggregate.add_profiles(target[name], histogram(row[name]))
    return out
