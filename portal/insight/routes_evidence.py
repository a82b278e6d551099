"""Insight routes for agency heads: the ISO 9001 management-review evidence pack (print-ready page and XLSX)."""

from __future__ import annotations

import anyio
from litestar import Request, Response, get
from litestar.params import FromPath
from litestar.response import Template

from portal.accounts.guards import ensure_can, requires
from portal.complaints import insight as complaint_insight
from portal.insight import api, evidence, routes_review
from portal.insight.api import period_or_400
from portal.insight.routes_dashboard import dashboard_charts
from portal.insight.routes_performance import PeriodParam
from portal.timeutil import local_day
from portal.web import request_lang, t

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _evidence(request: Request, unit_slug: str, period: str | None) -> dict:
    """Reads only: the pack lists the nonconformities `portal review` and the refresher have opened."""
    unit = await api._unit(request, unit_slug)
    ensure_can(request, "evidence.view", unit["id"])
    p = period_or_400(request, None, None, unit["timezone"], period, default="closed_quarter")
    return await evidence.gather(unit, p)


@get("/units/{unit_slug:str}/evidence", name="insight_evidence_page", guards=[requires("evidence.view")])
async def evidence_page(request: Request, unit_slug: FromPath[str], period: PeriodParam = None) -> Template:
    """Print-ready A4 evidence pack for the ISO 9001 management review (heads and admins of the unit)."""
    pack = await _evidence(request, unit_slug, period)
    label = pack["unit"]["name"]
    return Template("insight/evidence.html", context={
        **pack, "lang": request_lang(request), "charts": await dashboard_charts(request, pack["data"], label),
        "notes": [(t(request, a), t(request, b)) for a, b in evidence.METHOD_NOTES],
        "today": local_day(pack["unit"]["timezone"]),
        "complaints": await complaint_insight.for_unit(pack["unit"], pack["period"])})


@get("/units/{unit_slug:str}/evidence.xlsx", name="insight_evidence_xlsx", guards=[requires("evidence.view")], media_type=XLSX)
async def evidence_xlsx(request: Request, unit_slug: FromPath[str], period: PeriodParam = None) -> Response:
    """The evidence pack as an XLSX workbook (Summary, Per-unsur, Compliance, Corrective actions, Method notes)."""
    pack = await _evidence(request, unit_slug, period)
    content = await anyio.to_thread.run_sync(evidence.workbook, pack, request_lang(request))
    name = f"evidence-{unit_slug}-{pack['period'].label}.xlsx"
    return Response(content=content, media_type=XLSX,
                    headers={"content-disposition": f'attachment; filename="{name}"'})


route_handlers = [evidence_page, evidence_xlsx, *routes_review.route_handlers]
