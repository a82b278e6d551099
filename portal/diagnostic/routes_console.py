"""Console of the diagnostic: /console/diagnostic/{year}: managers rate and attach evidence, heads verify,
admins add local indicators. Handlers parse, call one service function, render."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from portal.accounts.guards import current_user, ensure_unit_access, requires
from portal.db.tables_diagnostic import AREAS, COLOURS
from portal.diagnostic import catalogue, measures, queries, services
from portal.diagnostic.queries import Scope
from portal.diagnostic.schemas import RatingForm, VerifyForm
from portal.diagnostic.web import (
    AREA_TITLES,
    COLOUR_LABELS,
    COLOUR_MEANINGS,
    SOURCE_LABELS,
    STATUS_LABELS,
    GovernmentParam,
    UnitParam,
    check_year,
    http_error,
    message,
    resolve_scope,
)
from portal.errors import DomainError
from portal.timeutil import DEFAULT_TIMEZONE, local_day
from portal.web import FORM, request_lang, t

LABELS = {"area_titles": AREA_TITLES, "colour_labels": COLOUR_LABELS, "colour_meanings": COLOUR_MEANINGS,
          "status_labels": STATUS_LABELS, "source_labels": SOURCE_LABELS, "colours": COLOURS, "areas": AREAS}


async def _scope(request: Request, year: int, government: str | None, unit: str | None) -> Scope:
    """The scope named in the query (default: the government of the user's first unit) if the user may see it."""
    check_year(request, year)
    user = current_user(request)
    if not government and not unit and not user.is_admin and user.unit_ids:
        first = await queries.unit_by_id(min(user.unit_ids))
        gov = await queries.government_of_unit(first) if first else None
        government = gov["slug"] if gov else None
    scope = await resolve_scope(request, government, unit)
    if scope.unit is not None:
        ensure_unit_access(request, scope.unit["id"])
    elif not user.is_admin and not (user.unit_ids & set(scope.unit_ids)):
        raise PermissionDeniedException(t(request, "You are not allowed to do this."))
    return scope


def _measure_shown(rating: dict | None, live: measures.Measured | None, lang: str) -> dict | None:
    """A verified rating shows the figure frozen at verification; anything else the live figure."""
    if rating is not None and rating["status"] == "verified":
        return measures.describe(rating["measure"], lang)
    return measures.describe(live.as_json(), lang) if live else None


@get("/console/diagnostic", name="diagnostic_console_home", guards=[requires("diagnostic.view")])
async def console_home(request: Request) -> Redirect:
    return Redirect(path=request.app.route_reverse("diagnostic_console", year=local_day(DEFAULT_TIMEZONE).year), status_code=303)


@get("/console/diagnostic/{year:int}", name="diagnostic_console", guards=[requires("diagnostic.view")])
async def overview(request: Request, year: FromPath[int], government: GovernmentParam = None,
                   unit: UnitParam = None) -> Template:
    """Every indicator of the year by area: the measured figure, the rating and its verification."""
    scope = await _scope(request, year, government, unit)
    lang = request_lang(request)
    assessment = await queries.assessment(scope, year)
    version, indicators = await queries.indicators_of(assessment)
    ratings = await queries.ratings(assessment["id"]) if assessment else {}
    live = await measures.measure_all([i["code"] for i in indicators], services.context(scope, year))
    rows = [{"indicator": i, "title": catalogue.text(i["title"], lang), "rating": ratings.get(i["code"]),
             "measure": _measure_shown(ratings.get(i["code"]), live.get(i["code"]), lang)} for i in indicators]
    return Template("diagnostic/console.html", context={
        **LABELS, "scope": scope, "year": year, "assessment": assessment, "version": version, "rows": rows,
        "counts": queries.count(indicators, ratings), "user": current_user(request),
        "governments": await queries.governments() if current_user(request).is_admin else [],
    })


async def _indicator_page(request: Request, scope: Scope, year: int, code: str, errors: list[str] | None = None,
                          form: dict | None = None, status_code: int = 200) -> Template:
    lang = request_lang(request)
    user = current_user(request)
    assessment = await queries.assessment(scope, year)
    version, indicators = await queries.indicators_of(assessment)
    indicator = catalogue.by_code(indicators).get(code)
    if indicator is None:
        raise NotFoundException(t(request, "No such indicator in this catalogue."))
    rating = (await queries.ratings(assessment["id"])).get(code) if assessment else None
    live = await measures.measure(code, services.context(scope, year))
    locked = bool(assessment and assessment["status"] == "verified") or bool(rating and rating["status"] == "verified")
    return Template("diagnostic/indicator.html", status_code=status_code, context={
        **LABELS, "scope": scope, "year": year, "version": version, "indicator": indicator, "lang": lang,
        "text": catalogue.text, "rating": rating, "measure": _measure_shown(rating, live, lang),
        "automatic": code in measures.MEASURES, "locked": locked, "errors": errors or [], "form": form or {},
        "evidence": await queries.evidence_of(assessment["id"], code) if assessment else [],
        "can_rate": user.can("diagnostic.rate") and not locked,
        "can_verify": (user.can("diagnostic.verify") and rating is not None and rating["status"] == "submitted"
                       and rating["assessed_by"] != user.id and not locked),
        "same_account": rating is not None and rating["assessed_by"] == user.id,
    })


INDICATOR = "/console/diagnostic/{year:int}/indicators/{code:str}"


@get(INDICATOR, name="diagnostic_indicator", guards=[requires("diagnostic.view")])
async def indicator_page(request: Request, year: FromPath[int], code: FromPath[str], government: GovernmentParam = None,
                         unit: UnitParam = None) -> Template:
    scope = await _scope(request, year, government, unit)
    return await _indicator_page(request, scope, year, code)


def _back(request: Request, scope: Scope, year: int, code: str) -> Redirect:
    path = request.app.route_reverse("diagnostic_indicator", year=year, code=code)
    return Redirect(path=path + scope.query(), status_code=303)


@post(INDICATOR + "/rate", name="diagnostic_rate", guards=[requires("diagnostic.rate")], status_code=303)
async def rate(request: Request, year: FromPath[int], code: FromPath[str], data: Annotated[RatingForm, FORM],
               government: GovernmentParam = None, unit: UnitParam = None) -> Response:
    """The assessor's colour with its evidence (an override of a measured colour needs a written reason)."""
    scope = await _scope(request, year, government, unit)
    values = msgspec.structs.asdict(data)
    try:
        await services.rate(scope, year, code, current_user(request), **values)
    except DomainError as exc:
        return await _indicator_page(request, scope, year, code, [message(request, exc)], values, exc.status_code)
    return _back(request, scope, year, code)


@post(INDICATOR + "/evidence", name="diagnostic_evidence_upload", guards=[requires("diagnostic.rate")],
      status_code=303)
async def upload(request: Request, year: FromPath[int], code: FromPath[str], government: GovernmentParam = None,
                 unit: UnitParam = None) -> Response:
    """Attach a PDF or image (checked by content, images re-encoded without metadata)."""
    scope = await _scope(request, year, government, unit)
    form = await request.form()
    upload_file = form.get("file")
    name, data = "", b""
    if isinstance(upload_file, UploadFile):
        name, data = upload_file.filename or "", await upload_file.read()
    try:
        await services.attach_evidence(scope, year, code, current_user(request), name, data)
    except DomainError as exc:
        return await _indicator_page(request, scope, year, code, [message(request, exc)], None, exc.status_code)
    return _back(request, scope, year, code)


@post(INDICATOR + "/verify", name="diagnostic_verify", guards=[requires("diagnostic.verify")], status_code=303)
async def verify(request: Request, year: FromPath[int], code: FromPath[str], data: Annotated[VerifyForm, FORM],
                 government: GovernmentParam = None, unit: UnitParam = None) -> Response:
    """A second account confirms the rating, or returns it to the assessor with a note."""
    scope = await _scope(request, year, government, unit)
    values = msgspec.structs.asdict(data)
    try:
        await services.verify(scope, year, code, current_user(request), **values)
    except DomainError as exc:
        return await _indicator_page(request, scope, year, code, [message(request, exc)], values, exc.status_code)
    return _back(request, scope, year, code)


@post("/console/diagnostic/{year:int}/automatic", name="diagnostic_fill_automatic",
      guards=[requires("diagnostic.rate")], status_code=303)
async def fill_automatic(request: Request, year: FromPath[int], government: GovernmentParam = None,
                         unit: UnitParam = None) -> Response:
    """Rate the not-yet-rated automatic indicators with their measured colours (each still needs verifying)."""
    scope = await _scope(request, year, government, unit)
    try:
        await services.fill_automatic(scope, year, current_user(request))
    except DomainError as exc:
        raise http_error(request, exc) from None
    return Redirect(path=request.app.route_reverse("diagnostic_console", year=year) + scope.query(), status_code=303)


@get("/console/diagnostic/evidence/{evidence_id:int}", name="diagnostic_evidence_file", guards=[requires("diagnostic.view")])
async def evidence_file(request: Request, evidence_id: FromPath[int]) -> Response:
    """An evidence file, to staff who may see its assessment; served as a download that cannot run scripts."""
    row = await queries.evidence_file(evidence_id)
    if row is None:
        raise NotFoundException(t(request, "Page not found."))
    user = current_user(request)
    if row["unit"]:
        ensure_unit_access(request, row["unit"])
    elif not user.is_admin:
        scope = await queries.scope_of({"id": row["government"]})
        if not (user.unit_ids & set(scope.unit_ids)):
            raise PermissionDeniedException(t(request, "You are not allowed to do this."))
    return Response(content=bytes(row["content"]), media_type=row["content_type"], headers={
        "content-disposition": f'attachment; filename="{row["filename"]}"', "x-content-type-options": "nosniff",
        "content-security-policy": "sandbox; default-src 'none'", "cache-control": "private, no-store"})


route_handlers = [Router(path="/", include_in_schema=False, route_handlers=[
    console_home, overview, indicator_page, rate, upload, verify, fill_automatic, evidence_file])]
