"""Public diagnostic: /diagnostic/{year} (printable on A4) and GET /api/v1/diagnostic/{year}: verified colours only."""

from __future__ import annotations

import msgspec
from litestar import Request, Router, get
from litestar.params import FromPath
from litestar.response import Template

from portal.db.tables_diagnostic import AREAS
from portal.diagnostic import catalogue, queries
from portal.diagnostic.queries import Scope
from portal.diagnostic.schemas import DiagnosticOut
from portal.diagnostic.web import (
    AREA_TITLES,
    COLOUR_LABELS,
    COLOUR_MEANINGS,
    GovernmentParam,
    UnitParam,
    check_year,
    resolve_scope,
)
from portal.web import request_lang, t


async def published(request: Request, scope: Scope, year: int) -> dict:
    """The year as the public sees it (page and API read the same dict): verified colours only."""
    lang = request_lang(request)
    data = await queries.public_year(scope, year)
    history = await queries.history(scope, year)
    assessment = data["assessment"]
    return {
        "government": scope.government["slug"], "unit": scope.unit["slug"] if scope.unit else None,
        "year": year, "assessed": assessment is not None,
        "verified": bool(assessment and assessment["status"] == "verified"),
        "catalogue_version": data["catalogue_version"], "counts": data["total"],
        "areas": [{"area": a, "title": t(request, AREA_TITLES[a]), "counts": data["areas"][a]} for a in AREAS],
        "indicators": [{"code": i["indicator"]["code"], "area": i["indicator"]["area"],
                        "title": catalogue.text(i["indicator"]["title"], lang),
                        "local": bool(i["indicator"].get("local")), "colour": i["colour"],
                        "verified_at": i["verified_at"].isoformat() if i["verified_at"] else None}
                       for i in data["items"]],
        "history": [{"year": h["year"], "counts": h["total"], "areas": h["areas"]} for h in history],
    }


@get("/diagnostic/{year:int}", name="diagnostic_public")
async def public_page(request: Request, year: FromPath[int], government: GovernmentParam = None,
                      unit: UnitParam = None) -> Template:
    """The verified traffic lights of the year by area, counts per colour and earlier years (A4 print view)."""
    check_year(request, year)
    scope = await resolve_scope(request, government, unit)
    data = await published(request, scope, year)
    return Template("diagnostic/public.html", context={
        "data": data, "scope": scope, "areas": AREAS, "area_titles": AREA_TITLES, "colour_labels": COLOUR_LABELS,
        "colour_meanings": COLOUR_MEANINGS,
    })


@get("/api/v1/diagnostic/{year:int}", name="diagnostic_api", tags=["diagnostic"],
     summary="The published local-government diagnostic of a year")
async def api_year(request: Request, year: FromPath[int], government: GovernmentParam = None,
                   unit: UnitParam = None) -> DiagnosticOut:
    """Verified colours only (null while an indicator is not verified), counts per colour by area, and the
    counts of earlier assessed years."""
    check_year(request, year)
    scope = await resolve_scope(request, government, unit)
    return msgspec.convert(await published(request, scope, year), DiagnosticOut)


pages = Router(path="/", opt={"exclude_from_auth": True}, include_in_schema=False, route_handlers=[public_page])
api = Router(path="/", opt={"exclude_from_auth": True}, route_handlers=[api_year])
route_handlers = [pages, api]
