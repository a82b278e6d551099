"""Catalog administration: services and their standards as controlled documents (managers draft, heads approve
with an effective date; ISO 9001 7.5). The catalog owns the standards; every write is audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from litestar import Request, Router, get, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from portal.accounts import audit
from portal.accounts.guards import current_user, ensure_unit_access, requires
from portal.cache import catalog_changed
from portal.catalog.queries import standard_in_force, standard_versions
from portal.db.engine import is_unique_violation
from portal.db.tables import TIME_UNITS, Service
from portal.queue import queries, standards
from portal.queue.console_web import (
    SLUG_RE,
    ConflictException,
    form_unit_id,
    my_units,
    service_in_scope,
)
from portal.queue.queries import ServiceRow, UnitRow
from portal.timeutil import local_day, utcnow
from portal.web import t

# --- services and their standards ------------------------------------------------------------------------------

@get("/console/services", name="console_services", guards=[requires("services.view")])
async def services_list(request: Request) -> Template:
    units = await my_units(request)
    services = await queries.services_of_units([u["id"] for u in units])
    return Template("queue/services.html", context={"units": units, "services": services, "error": None,
                                                   "units_by_id": {u["id"]: u for u in units}, "form": {}})


def _service_snapshot(row: Mapping[str, Any]) -> dict:
    return {k: row[k] for k in ("slug", "name", "name_en", "description", "active")}


async def _services_page(request: Request, error: str, status: int, slug: str, name: str) -> Template:
    units = await my_units(request)
    services = await queries.services_of_units([u["id"] for u in units])
    return Template("queue/services.html", status_code=status, context={
        "units": units, "services": services, "error": error, "units_by_id": {u["id"]: u for u in units},
        "form": {"slug": slug, "name": name}})


@post("/console/services", name="service_create", guards=[requires("services.manage")], status_code=303)
async def service_create(request: Request) -> Redirect | Template:
    form = await request.form()
    unit_id = form_unit_id(request, form)
    slug = (form.get("slug") or "").strip().lower()
    name = (form.get("name") or "").strip()
    error = None
    if not SLUG_RE.match(slug):
        error = t(request, "The address name uses 3 to 100 lowercase letters, digits and hyphens.")
    elif not name:
        error = t(request, "A name is required.")
    if error:
        return await _services_page(request, error, 400, slug, name)
    if await queries.service_by_slug(slug):
        return await _services_page(request, t(request, "This address name is taken."), 409, slug, name)
    try:
        rows = await Service.insert(Service(unit=unit_id, slug=slug, name=name[:200],
                                            name_en=(form.get("name_en") or "").strip()[:200],
                                            description=(form.get("description") or "").strip())
                                    ).returning(Service.id).run()
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        # the same address name created a moment ago by another request: nothing was stored
        return await _services_page(request, t(request, "This address name is taken."), 409, slug, name)
    row = await Service.select().where(Service.id == rows[0]["id"]).first().run()
    assert row is not None  # inserted just above
    catalog_changed()
    await audit.record(current_user(request), "create", "service", row["id"], unit_id=unit_id,
                       after=_service_snapshot(row))
    return Redirect(path=request.app.route_reverse("service_standards", service_slug=slug), status_code=303)


@get("/console/services/{service_slug:str}", name="service_edit", guards=[requires("services.manage")])
async def service_edit(request: Request, service_slug: FromPath[str]) -> Template:
    service, unit = await service_in_scope(request, service_slug)
    return Template("queue/service_edit.html", context={"service": service, "unit": unit})


@post("/console/services/{service_slug:str}", name="service_update", guards=[requires("services.manage")], status_code=303)
async def service_update(request: Request, service_slug: FromPath[str]) -> Redirect:
    service, unit = await service_in_scope(request, service_slug)
    form = await request.form()
    name = (form.get("name") or "").strip()
    if not name:
        raise ClientException(t(request, "A name is required."))
    values = {"name": name[:200], "name_en": (form.get("name_en") or "").strip()[:200],
              "description": (form.get("description") or "").strip(), "active": form.get("active") == "on"}
    await Service.update({getattr(Service, k): v for k, v in values.items()}).where(Service.id == service["id"]).run()
    catalog_changed()
    await audit.record(current_user(request), "update", "service", service["id"], unit_id=unit["id"],
                       before=_service_snapshot(service), after={**_service_snapshot(service), **values})
    return Redirect(path=request.app.route_reverse("service_standards", service_slug=service_slug), status_code=303)


async def _standards_page(request: Request, service: ServiceRow, unit: UnitRow, form: dict | None = None,
                          errors: list[str] | None = None, status: int = 200) -> Template:
    versions = await standard_versions(service["id"])
    in_force = await standard_in_force(service["id"])
    now = utcnow()
    rows = [{**v, "state": standards.status_of(v, in_force["id"] if in_force else None, now)}
            for v in versions]
    return Template("queue/standards.html", status_code=status, context={
        "service": service, "unit": unit, "versions": rows, "in_force": in_force,
        "form": form or standards.prefill(versions, in_force), "errors": errors or [],
        "draft": standards.open_draft(versions),
        "time_units": TIME_UNITS, "today": local_day(unit["timezone"]).isoformat(),
    })


@get("/console/services/{service_slug:str}/standards", name="service_standards", guards=[requires("services.view")])
async def service_standards(request: Request, service_slug: FromPath[str]) -> Template:
    service, unit = await service_in_scope(request, service_slug)
    return await _standards_page(request, service, unit)


def _version_snapshot(row: dict) -> dict:
    return {k: row.get(k) for k in ("version", "status", *standards.DRAFT_FIELDS, "effective_from")}


@post("/console/services/{service_slug:str}/standards", name="standard_draft", guards=[requires("standards.draft")], status_code=303)
async def standard_draft(request: Request, service_slug: FromPath[str]) -> Redirect | Template:
    service, unit = await service_in_scope(request, service_slug)
    form = await request.form()
    values, errors = standards.parse_draft(form)
    if errors:
        return await _standards_page(request, service, unit, dict(form), [t(request, e) for e in errors], 400)
    try:
        version = await standards.create_draft(service["id"], values, current_user(request).id)
    except standards.DraftExists:
        raise ConflictException(t(request, "This service already has an open draft: continue it or discard it.")) from None
    await audit.record(current_user(request), "draft", "standard_version", version["id"], unit_id=unit["id"],
                       after=_version_snapshot(version))
    return Redirect(path=request.app.route_reverse("standard_detail", version_id=version["id"]), status_code=303)


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


@get("/console/standards/{version_id:int}", name="standard_detail", guards=[requires("services.view")])
async def standard_detail(request: Request, version_id: FromPath[int]) -> Template:
    version, service, unit = await _version(request, version_id)
    in_force = await standard_in_force(service["id"])
    return Template("queue/standard.html", context={
        "version": version, "service": service, "unit": unit, "form": standards.as_form(version),
        "state": standards.status_of(version, in_force["id"] if in_force else None),
        "errors": [], "time_units": TIME_UNITS, "today": local_day(unit["timezone"]).isoformat(),
    } | {"form": {**standards.as_form(version), "change_note": version["change_note"]}})


@post("/console/standards/{version_id:int}", name="standard_update", guards=[requires("standards.draft")], status_code=303)
async def standard_update(request: Request, version_id: FromPath[int]) -> Redirect | Template:
    version, service, unit = await _version(request, version_id)
    if version["status"] != "draft":
        raise ConflictException(t(request, "An approved version cannot be changed: draft a new version instead."))
    form = await request.form()
    values, errors = standards.parse_draft(form)
    if errors:
        return Template("queue/standard.html", status_code=400, context={
            "version": version, "service": service, "unit": unit, "form": dict(form),
            "state": "draft", "errors": [t(request, e) for e in errors], "time_units": TIME_UNITS,
            "today": local_day(unit["timezone"]).isoformat()})
    if not await standards.update_draft(version_id, values):
        raise ConflictException(t(request, "An approved version cannot be changed: draft a new version instead."))
    after = await standards.version_by_id(version_id)
    assert after is not None  # updated just above
    await audit.record(current_user(request), "update", "standard_version", version_id, unit_id=unit["id"],
                       before=_version_snapshot(version),
                       after=_version_snapshot(after))
    return Redirect(path=request.app.route_reverse("standard_detail", version_id=version_id), status_code=303)


@post("/console/standards/{version_id:int}/approve", name="standard_approve", guards=[requires("standards.approve")], status_code=303)
async def standard_approve(request: Request, version_id: FromPath[int]) -> Redirect:
    version, service, unit = await _version(request, version_id)
    if version["status"] != "draft":
        raise ConflictException(t(request, "This version is already approved."))
    form = await request.form()
    try:
        day = date.fromisoformat((form.get("effective_from") or "").strip())
    except ValueError:
        raise ClientException(t(request, "Give the effective date (YYYY-MM-DD).")) from None
    if day < local_day(unit["timezone"]):
        raise ClientException(t(request, "The effective date must be today or later."))
    effective = standards.effective_instant(unit["timezone"], day)
    if not await standards.approve(version_id, effective, current_user(request).id):
        raise ConflictException(t(request, "This version is already approved."))
    after = await standards.version_by_id(version_id)
    assert after is not None  # approved just above
    catalog_changed()
    await audit.record(current_user(request), "approve", "standard_version", version_id, unit_id=unit["id"],
                       before={"status": "draft", "effective_from": None},
                       after={"status": "approved", "effective_from": after["effective_from"]})
    return Redirect(path=request.app.route_reverse("standard_detail", version_id=version_id), status_code=303)


@post("/console/standards/{version_id:int}/discard", name="standard_discard", guards=[requires("standards.draft")], status_code=303)
async def standard_discard(request: Request, version_id: FromPath[int]) -> Redirect:
    """Managers throw a draft away (an approved version cannot be discarded)."""
    version, service, unit = await _version(request, version_id)
    gone = await standards.discard(version_id)
    if gone is None:
        raise ConflictException(t(request, "An approved version cannot be changed: draft a new version instead."))
    await audit.record(current_user(request), "discard", "standard_version", version_id, unit_id=unit["id"],
                       before=_version_snapshot(gone))
    return Redirect(path=request.app.route_reverse("service_standards", service_slug=service["slug"]), status_code=303)



admin = Router(path="/", include_in_schema=False, route_handlers=[
    services_list, service_create, service_edit, service_update, service_standards, standard_draft, standard_detail,
    standard_update, standard_approve, standard_discard,
])
