"""The staffing plan as data for staff: /api/v1/units/{slug}/staffing (JSON) and .csv, for the unit's heads and
managers only (a signed-in session, like /console/staffing): the plan shows which hours the unit's counters were
open, an internal management figure, not open data."""

from __future__ import annotations

import io
from typing import Annotated

from litestar import Request, Response, get
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, QueryParameter

from portal import exports
from portal.accounts.guards import ensure_can, requires
from portal.staffing import plan, queries, web
from portal.staffing.queries import UnitRow
from portal.staffing.schemas import StaffingPlan
from portal.timeutil import local_day
from portal.web import t

WeekParam = Annotated[str | None, QueryParameter(
    name="week", description="ISO week, YYYY-Www (e.g. 2026-W07); default: next week in the unit's timezone",
    max_length=40)]
TAGS = ["staffing", "staff"]


async def _plan(request: Request, unit_slug: str, week: str | None) -> StaffingPlan:
    unit: UnitRow | None = await queries.unit_by_slug(unit_slug)
    if unit is None:
        raise NotFoundException(t(request, "No such unit."))
    ensure_can(request, "staffing.view", unit["id"])
    try:
        monday = plan.parse_week(week, local_day(unit["timezone"]))
    except plan.WeekError as exc:
        raise ClientException(t(request, exc.message, value=exc.value)) from None
    return await plan.build(unit, monday)


@get("/api/v1/units/{unit_slug:str}/staffing", name="staffing_api", tags=TAGS, summary="Staffing plan of a unit",
     guards=[requires("staffing.view")])
async def staffing_json(request: Request, unit_slug: FromPath[str], week: WeekParam = None) -> StaffingPlan:
    """The unit's week, 08:00-16:00 on its working days: arrivals forecast per hour (mean and 90 % prediction
    interval), counters needed per pool of counters by Erlang C for the unit's waiting target (with the service
    level, probability of waiting, mean wait and occupancy), and for past hours the arrivals, counters open and
    measured waits. Needs a signed-in head or manager of the unit (the back office's session)."""
    return await _plan(request, unit_slug, week)


@get("/api/v1/units/{unit_slug:str}/staffing.csv", name="staffing_api_csv", tags=TAGS,
     summary="Staffing plan of a unit (CSV)", guards=[requires("staffing.view")], media_type="text/csv")
async def staffing_csv(request: Request, unit_slug: FromPath[str], week: WeekParam = None) -> Response:
    """The same plan as CSV: one row per pool, day and hour, full precision (blank = no figure)."""
    data = await _plan(request, unit_slug, week)
    buffer = io.StringIO()
    writer = exports.csv_writer(buffer, lineterminator="\n")
    writer.writerow(web.CSV_COLUMNS)
    writer.writerows(web.csv_rows(data))
    return Response(content=buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="staffing-{unit_slug}-{data.week}.csv"'})


route_handlers = [staffing_json, staffing_csv]
