"""Catalog administration: services and their standards as controlled documents (managers draft, heads approve
with an effective date; ISO 9001 7.5). Handlers read the typed form, call one service of portal.catalog.services
(which writes the change and its audit entry in one transaction) and render; a refused form comes back with each
message beside its field."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from portal.accounts.guards import current_user, ensure_unit_access, requires
from portal.catalog import schemas, services, standards
from portal.catalog.queries import standard_in_force, standard_versions
from portal.catalog.web import form_unit_id, my_units, service_in_scope
from portal.db.tables import TIME_UNITS, Service
from portal.errors import DomainError, Invalid
from portal.queue import queries
from portal.queue.queries import ServiceRow, UnitRow
from portal.timeutil import local_day, utcnow
from portal.web import FORM, form_errors, t

# --- services and their standards ------------------------------------------------------------------------------

async def _services_page(request: Request, form: schemas.ServiceForm | None = None,
                         error: DomainError | None = None) -> Template:
    units = await my_units(request)
    services_ = await queries.services_of_units([u["id"] for u in units])
    return Template("catalog/services.html", status_code=error.status_code if error else 200, context={
        "units": units, "services": services_, "units_by_id": {u["id"]: u for u in units},
        "errors": form_errors(request, error) if error else {}, "form": form or schemas.ServiceForm()})


@get("/console/services", name="catalog_services", guards=[requires("services.view")])
async def services_list(request: Request) -> Template:
    return await _services_page(request)


@post("/console/services", name="catalog_service_create", guards=[requires("services.manage")], status_code=303)
async def service_create(request: Request, data: Annotated[schemas.ServiceForm, FORM]) -> Redirect | Template:
    unit_id = form_unit_id(request, data.unit)
    try:
        slug = await services.create_service(current_user(request), unit_id, data)
    except DomainError as exc:  # a wrong field or a taken address name: nothing stored
        return await _services_page(request, data, exc)
    return Redirect(path=request.app.route_reverse("catalog_service_standards", service_slug=slug), status_code=303)


def _service_edit_page(service: ServiceRow, unit: UnitRow, form=None, errors: dict | None = None,
                       status: int = 200) -> Template:
    return Template("catalog/service_edit.html", status_code=status, context={
        "service": form or service, "unit": unit, "slug": service["slug"], "errors": errors or {}})


@get("/console/services/{service_slug:str}", name="catalog_service_edit", guards=[requires("services.manage")])
async def service_edit(request: Request, service_slug: FromPath[str]) -> Template:
    service, unit = await service_in_scope(request, service_slug)
    return _service_edit_page(service, unit)


@post("/console/services/{service_slug:str}", name="catalog_service_update", guards=[requires("services.manage")], status_code=303)
async def service_update(request: Request, service_slug: FromPath[str],
                         data: Annotated[schemas.ServiceEditForm, FORM]) -> Redirect | Template:
    service, unit = await service_in_scope(request, service_slug)
    try:
        await services.update_service(current_user(request), service, data)
    except Invalid as exc:
        return _service_edit_page(service, unit, {**service, "name": data.name, "name_en": data.name_en,
                                                  "description": data.description, "active": data.active == "on"},
                                  form_errors(request, exc), exc.status_code)
    return Redirect(path=request.app.route_reverse("catalog_service_standards", service_slug=service_slug), status_code=303)


async def _standards_page(request: Request, service: ServiceRow, unit: UnitRow, form: dict | None = None,
                          error: DomainError | None = None) -> Template:
    versions = await standard_versions(service["id"])
    in_force = await standard_in_force(service["id"])
    now = utcnow()
    rows = [{**v, "state": standards.status_of(v, in_force["id"] if in_force else None, now)}
            for v in versions]
    return Template("catalog/standards.html", status_code=error.status_code if error else 200, context={
        "service": service, "unit": unit, "versions": rows, "in_force": in_force,
        "form": form or standards.prefill(versions, in_force), "errors": form_errors(request, error) if error else {},
        "draft": standards.open_draft(versions),
        "time_units": TIME_UNITS, "today": local_day(unit["timezone"]).isoformat(),
    })


@get("/console/services/{service_slug:str}/standards", name="catalog_service_standards", guards=[requires("services.view")])
async def service_standards(request: Request, service_slug: FromPath[str]) -> Template:
    service, unit = await service_in_scope(request, service_slug)
    return await _standards_page(request, service, unit)


@post("/console/services/{service_slug:str}/standards", name="catalog_standard_draft", guards=[requires("standards.draft")], status_code=303)
async def standard_draft(request: Request, service_slug: FromPath[str],
                         data: Annotated[schemas.DraftForm, FORM]) -> Redirect | Template:
    service, unit = await service_in_scope(request, service_slug)
    try:
        version = await services.create_draft(current_user(request), service, data)
    except Invalid as exc:
        return await _standards_page(request, service, unit, standards.as_typed(data), exc)
    return Redirect(path=request.app.route_reverse("catalog_standard_detail", version_id=version["id"]), status_code=303)


async def _version(request: Request, version_id: int) -> tuple[dict, dict, UnitRow]:
    version = await standards.version_by_id(version_id)
    if version is None:
        raise NotFoundException(t(request, "Unknown standard version."))
    service = await Service.select().where(Service.id == version["service"]).first().run()
    assert service is not None  # a version's service exists (foreign key)
    ensure_unit_access(request, service["unit"])
    unit = await queries.unit_by_id(service["unit"])
    assert unit is not None  # a service's unit exists (foreign key)
    return version, service, unit


async def _version_page(request: Request, version: dict, service: dict, unit: UnitRow, form: dict | None = None,
                        error: DomainError | None = None) -> Template:
    in_force = await standard_in_force(service["id"])
    return Template("catalog/standard.html", status_code=error.status_code if error else 200, context={
        "version": version, "service": service, "unit": unit,
        "form": form or {**standards.as_form(version), "change_note": version["change_note"]},
        "state": standards.status_of(version, in_force["id"] if in_force else None),
        "errors": form_errors(request, error) if error else {}, "time_units": TIME_UNITS,
        "today": local_day(unit["timezone"]).isoformat()})


@get("/console/standards/{version_id:int}", name="catalog_standard_detail", guards=[requires("services.view")])
async def standard_detail(request: Request, version_id: FromPath[int]) -> Template:
    version, service, unit = await _version(request, version_id)
    return await _version_page(request, version, service, unit)


@post("/console/standards/{version_id:int}", name="catalog_standard_update", guards=[requires("standards.draft")], status_code=303)
async def standard_update(request: Request, version_id: FromPath[int],
                          data: Annotated[schemas.DraftForm, FORM]) -> Redirect | Template:
    version, service, unit = await _version(request, version_id)
    try:
        await services.update_draft(current_user(request), version, unit["id"], data)
    except Invalid as exc:
        return await _version_page(request, version, service, unit, standards.as_typed(data), exc)
    return Redirect(path=request.app.route_reverse("catalog_standard_detail", version_id=version_id), status_code=303)


@post("/console/standards/{version_id:int}/approve", name="catalog_standard_approve", guards=[requires("standards.approve")], status_code=303)
async def standard_approve(request: Request, version_id: FromPath[int],
                           data: Annotated[schemas.ApproveForm, FORM]) -> Redirect | Template:
    version, service, unit = await _version(request, version_id)
    try:
        await services.approve(current_user(request), version, unit, data)
    except Invalid as exc:
        return await _version_page(request, version, service, unit, None, exc)
    return Redirect(path=request.app.route_reverse("catalog_standard_detail", version_id=version_id), status_code=303)


@post("/console/standards/{version_id:int}/discard", name="catalog_standard_discard", guards=[requires("standards.draft")], status_code=303)
async def standard_discard(request: Request, version_id: FromPath[int]) -> Redirect:
    """Managers throw a draft away (an approved version cannot be discarded)."""
    version, service, unit = await _version(request, version_id)
    await services.discard(current_user(request), version, unit["id"])
    return Redirect(path=request.app.route_reverse("catalog_service_standards", service_slug=service["slug"]), status_code=303)



admin = Router(path="/", include_in_schema=False, route_handlers=[
    services_list, service_create, service_edit, service_update, service_standards, standard_draft, standard_detail,
    standard_update, standard_approve, standard_discard,
])
