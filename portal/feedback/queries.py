"""Reads of the feedback capability: counters and their services, citizen visits, survey responses, paper import
batches. Its writes live in portal.feedback.services."""

from __future__ import annotations

from datetime import date, datetime
from typing import NotRequired, TypedDict, cast

from piccolo.columns.combination import WhereRaw

from portal import cache
from portal.catalog.queries import ServiceRow, StandardVersionRow, UnitRow, decode_version, standard_in_force
from portal.db.tables import Counter, CounterService, Service, SurveyResponse, Unit, Visit
from portal.db.tables_feedback import PaperBatch, PaperBatchResponse
from portal.queue.queries import CounterRow, VisitRow

# --------------------------------------------------------------------------- rows
# What the query functions below return (keys exactly the columns and aliases selected, values as the driver
# returns them on both engines). Units, services, counters, versions and visits are the catalog's and the queue's
# rows (every column of their table).


class CounterServiceRow(ServiceRow):
    """An active service of a counter with its standard in force (services_of_counter, counter_context)."""

    standard: StandardVersionRow | None
    display_name: NotRequired[str]  # set by the pages that list the services (name in the page's language)


class ServiceWithUnitRow(ServiceRow):
    """A service with its unit's name (services_of_units)."""

    unit_name: str


class PaperBatchRow(TypedDict):
    """Every column of a paper import batch with its service, unit and author names (paper_batch)."""

    id: int
    service: int
    unit: int
    period_from: date
    period_to: date
    filename: str
    rows: int
    created_by: int | None
    created_at: datetime
    service_name: str
    unit_name: str
    created_by_name: str | None  # None: imported from the command line
    unit_timezone: str


class PaperBatchListRow(PaperBatchRow):
    """A batch as listed (paper_batches): with its service's slug."""

    service_slug: str


class BatchDayRow(TypedDict):
    """Responses of a batch on one unit-local day (paper_batch_days)."""

    day: date
    n: int


class BurstRow(TypedDict):
    """Unbound answers of one address for one service on one unit-local day (bursts)."""

    service: int
    slug: str
    name: str
    unit: int
    day: date
    client: str  # the keyed address hash
    n: int
    counted: int
    first_at: datetime | str  # MIN(submitted_at): datetime on PostgreSQL, text on SQLite
    last_at: datetime | str  # MAX(submitted_at): likewise
    client_short: str


class DisagreementRow(TypedDict):
    """A delivered product whose officer record and citizen answer disagree (disagreements)."""

    visit: int
    response: int
    day: date
    service: str  # the service's name
    correction_needed: bool
    product_correct: str  # yes | no


async def counter_by_code(code: str) -> CounterRow | None:
    """An active counter by its public code (case-insensitive), or None."""
    if not code or len(code) > 16:
        return None
    return cast("CounterRow | None", await Counter.select().where(
        (Counter.code == code.upper()) & (Counter.active == True)).first().run())  # noqa: E712


async def counter_context(code: str) -> tuple[CounterRow, UnitRow, list[CounterServiceRow]] | None:
    """An active counter, its unit and its active services (each with its standard in force), or None: what
    every citizen page of a counter needs, from the per-process catalog cache (portal.cache). Copies are
    returned, so a caller may annotate them."""
    key = ("counter", (code or "").upper())
    found = cache.catalog.get(key, cache.MISSING)
    if found is cache.MISSING:
        counter = await counter_by_code(code)
        found = None
        if counter is not None:
            unit = await unit_by_id(counter["unit"])
            assert unit is not None  # a counter's unit exists (foreign key)
            found = (counter, unit, await services_of_counter(counter["id"]))
        cache.catalog.put(key, found)
    if found is None:
        return None
    counter, unit, services = found
    return counter.copy(), unit.copy(), [s.copy() for s in services]


async def unit_by_id(unit_id: int) -> UnitRow | None:
    return cast("UnitRow | None", await Unit.select().where(Unit.id == unit_id).first().run())


async def counters_of_unit(unit_id: int) -> list[CounterRow]:
    return cast("list[CounterRow]", await (Counter.select().where((Counter.unit == unit_id) & (Counter.active == True))  # noqa: E712
                  .order_by(Counter.code).run()))


async def services_of_counter(counter_id: int) -> list[CounterServiceRow]:
    """The active services a counter serves, each with its standard in force (key "standard", may be None)."""
    links = await CounterService.select(CounterService.service).where(CounterService.counter == counter_id).run()
    ids = [row["service"] for row in links]
    if not ids:
        return []
    services = await (Service.select().where(Service.id.is_in(ids) & (Service.active == True))  # noqa: E712
                      .order_by(Service.name).run())
    for service in services:
        service["standard"] = await standard_in_force(service["id"])
    return cast("list[CounterServiceRow]", services)


async def standard_version(version_id: int | None) -> StandardVersionRow | None:
    from portal.db.tables import StandardVersion

    if version_id is None:
        return None
    row = await StandardVersion.select().where(StandardVersion.id == version_id).first().run()
    return cast(StandardVersionRow, decode_version(row)) if row is not None else None


async def service_by_id(service_id: int) -> ServiceRow | None:
    return cast("ServiceRow | None", await Service.select().where(Service.id == service_id).first().run())


async def visit_by_token(token: str) -> VisitRow | None:
    return cast("VisitRow | None", await Visit.select().where(Visit.token == token).first().run())


async def response_exists_for_visit(visit_id: int) -> bool:
    return await SurveyResponse.exists().where(SurveyResponse.visit == visit_id).run()


# --- paper forms -------------------------------------------------------------------------------------------


async def paper_batches(unit_ids: list[int] | None) -> list[PaperBatchListRow]:
    """Import batches, newest first, of these units (None = every unit), with service and unit names."""
    query = PaperBatch.select(
        *PaperBatch.all_columns(), PaperBatch.service.name.as_alias("service_name"),
        PaperBatch.service.slug.as_alias("service_slug"), PaperBatch.unit.name.as_alias("unit_name"),
        PaperBatch.created_by.username.as_alias("created_by_name"), PaperBatch.unit.timezone.as_alias("unit_timezone"),
    ).order_by(PaperBatch.created_at, ascending=False).limit(200)
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.where(PaperBatch.unit.is_in(unit_ids))
    return cast("list[PaperBatchListRow]", await query.run())


async def paper_batch(batch_id: int) -> PaperBatchRow | None:
    return cast("PaperBatchRow | None", await PaperBatch.select(
        *PaperBatch.all_columns(), PaperBatch.service.name.as_alias("service_name"),
        PaperBatch.unit.name.as_alias("unit_name"), PaperBatch.created_by.username.as_alias("created_by_name"),
        PaperBatch.unit.timezone.as_alias("unit_timezone"),
    ).where(PaperBatch.id == batch_id).first().run())


async def paper_batch_days(batch_id: int) -> list[BatchDayRow]:
    """Responses of a batch counted per local day."""
    ids = [r["response"] for r in await PaperBatchResponse.select(PaperBatchResponse.response)
           .where(PaperBatchResponse.batch == batch_id).run()]
    if not ids:
        return []
    rows = await SurveyResponse.select(SurveyResponse.local_day).where(SurveyResponse.id.is_in(ids)).run()
    counts: dict[date, int] = {}
    for row in rows:
        counts[row["local_day"]] = counts.get(row["local_day"], 0) + 1
    return [{"day": day, "n": n} for day, n in sorted(counts.items())]


async def services_of_units(unit_ids: list[int] | None) -> list[ServiceWithUnitRow]:
    """Services (with unit name) a back-office user may import paper forms for."""
    query = Service.select(*Service.all_columns(), Service.unit.name.as_alias("unit_name")).order_by(Service.name)
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.where(Service.unit.is_in(unit_ids))
    return cast("list[ServiceWithUnitRow]", await query.run())


async def service_by_slug(slug: str) -> ServiceRow | None:
    return cast("ServiceRow | None", await Service.select().where(Service.slug == slug).first().run())


#: "Bound to no visit", written so that no index is used for it. survey_response.visit is UNIQUE, and SQLite's
#: planner reads `visit IS NULL` as one row of that unique index, then walks every unbound answer ever stored
#: (a survey submit grew with the table). The unary + takes the term out of index selection on SQLite and means
#: nothing on PostgreSQL (https://sqlite.org/optoverview.html, "Disqualifying WHERE clause terms using unary-+").
UNBOUND_SQL = "+visit IS NULL"


def unbound() -> WhereRaw:
    """`UNBOUND_SQL` as a Piccolo where clause."""
    return WhereRaw(UNBOUND_SQL)


#: Counted answers bound to no visit from one address (keyed hash) for one service on one unit-local day (issue
#: 10's per-address cap): the storing statement's own look-up (portal.feedback.services.insert_capped_response).
#: Only ix_response_client_day (client_hash, local_day, service) may serve it: `+service` keeps
#: ix_response_service_day out of the choice. Without it PostgreSQL's generic plan, made while the table was small
#: (or never analysed: autovacuum off), chose that index and filtered every answer of the service that day for
#: the address, so each counted answer cost more than the one before (3 ms per answer after 15,000 in a day;
#: bench/RESULTS-submit.md). tests/integration/test_cap_lookup_plan.py reads both engines' plans.
COUNTED_UNBOUND_SQL = ("SELECT COUNT(*) AS n FROM survey_response WHERE client_hash = {} AND +service = {}"
                       f" AND local_day = {{}} AND counted = {{}} AND {UNBOUND_SQL}")


#: A burst: at least this many answers bound to no visit from one address for one service on one day.
BURST_MIN = 5


async def unit_timezones(unit_ids: list[int] | None) -> list[str]:
    """The time zones of these units (all units for None): a multi-unit page's "today" is read from them."""
    query = Unit.select(Unit.timezone).distinct()
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.where(Unit.id.is_in(unit_ids))
    return [row["timezone"] for row in await query.run()]


async def bursts(unit_ids: list[int] | None, day_from: date, day_to: date) -> list[BurstRow]:
    """Bursts for a manager's review (issue 10): per (service, unit-local day, address hash) with at least
    BURST_MIN unbound answers, how many count and how many do not, largest first. Only the first 12 characters
    of the keyed address hash are shown (it is never an IP address)."""
    where = "+r.visit IS NULL AND r.client_hash IS NOT NULL AND r.local_day >= {} AND r.local_day <= {}"
    args: list = [day_from, day_to]
    if unit_ids is not None:
        if not unit_ids:
            return []
        where += f" AND r.unit IN ({', '.join('{}' for _ in unit_ids)})"
        args.extend(unit_ids)
    sql = ("SELECT r.service AS service, s.slug AS slug, s.name AS name, r.unit AS unit, r.local_day AS day, "
           "r.client_hash AS client, COUNT(*) AS n, "
           "SUM(CASE WHEN r.counted THEN 1 ELSE 0 END) AS counted, "
           "MIN(r.submitted_at) AS first_at, MAX(r.submitted_at) AS last_at "
           f"FROM survey_response r JOIN service s ON s.id = r.service WHERE {where} "
           "GROUP BY r.service, s.slug, s.name, r.unit, r.local_day, r.client_hash "
           f"HAVING COUNT(*) >= {BURST_MIN} ORDER BY COUNT(*) DESC, r.local_day DESC LIMIT 200")
    rows = await SurveyResponse.raw(sql, *args).run()
    out: list[BurstRow] = []
    for row in rows:
        day = row["day"] if isinstance(row["day"], date) else date.fromisoformat(str(row["day"])[:10])
        out.append(cast(BurstRow, {**row, "day": day, "counted": int(row["counted"] or 0), "n": int(row["n"]),
                    "client_short": str(row["client"])[:12]}))
    return out


async def disagreements(unit_ids: list[int] | None, day_from: date, day_to: date) -> list[DisagreementRow]:
    """Delivered products whose officer record and citizen answer disagree (issue 17: counted as not right first
    time, listed here for review): completed visits with correction_needed recorded whose bound answer says the
    product was correct when the officer recorded a correction, or not correct when the officer recorded none.
    Newest first, at most 500; no personal data (visit and response references only)."""
    where = ("v.outcome = 'completed' AND v.correction_needed IS NOT NULL AND r.product_correct IN ('yes', 'no') "
             "AND ((v.correction_needed AND r.product_correct = 'yes') "
             "OR (NOT v.correction_needed AND r.product_correct = 'no')) "
             "AND v.local_day >= {} AND v.local_day <= {}")
    args: list = [day_from, day_to]
    if unit_ids is not None:
        if not unit_ids:
            return []
        where += f" AND v.unit IN ({', '.join('{}' for _ in unit_ids)})"
        args.extend(unit_ids)
    sql = ("SELECT v.id AS visit, r.id AS response, v.local_day AS day, s.name AS service, "
           "v.correction_needed AS correction_needed, r.product_correct AS product_correct "
           "FROM visit v JOIN survey_response r ON r.visit = v.id JOIN service s ON s.id = v.service "
           f"WHERE {where} ORDER BY v.local_day DESC, v.id DESC LIMIT 500")
    rows = await Visit.raw(sql, *args).run()
    for row in rows:
        if not isinstance(row["day"], date):
            row["day"] = date.fromisoformat(str(row["day"])[:10])
        row["correction_needed"] = bool(row["correction_needed"])
    return cast("list[DisagreementRow]", rows)
