"""Catalog administration: counters (their services and QR codes) and the unit's service pledge (maklumat).
Handlers read the typed form, call one service of portal.catalog.services and render."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Router, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from portal.accounts.guards import current_user, requires
from portal.catalog import schemas, services
from portal.catalog.web import counter_in_scope, form_unit_id, my_units, unit_in_scope
from portal.db.tables import CounterService
from portal.errors import DomainError, Invalid
from portal.queue import queries
from portal.queue.queries import CounterRow, UnitRow
from portal.web import FORM, form_errors

# --- counters (managers) -----------------------------------------------------------------------------------------

async def _counters_page(request: Request, form: schemas.CounterForm | None = None,
                         error: DomainError | None = None) -> Template:
    units = await my_units(request)
    unit_ids = [u["id"] for u in units]
    form = form or schemas.CounterForm()
    return Template("catalog/counters_admin.html", status_code=error.status_code if error else 200, context={
        "units": units, "units_by_id": {u["id"]: u for u in units},
        "counters": await queries.counters_of_units(unit_ids),
        "services": await queries.services_of_units(unit_ids), "errors": form_errors(request, error) if error else {},
        "form": form, "chosen": set(schemas.many(form.service))})


@get("/console/counters", name="catalog_counters", guards=[requires("counters.manage")])
async def counters_admin(request: Request) -> Template:
    return await _counters_page(request)


@post("/console/counters", name="catalog_counter_create", guards=[requires("counters.manage")], status_code=303)
async def counter_create(request: Request, data: Annotated[schemas.CounterForm, FORM]) -> Redirect | Template:
    unit_id = form_unit_id(request, data.unit)
    try:
        await services.create_counter(current_user(request), unit_id, data)
    except DomainError as exc:  # a wrong field or a taken code: nothing stored
        return await _counters_page(request, data, exc)
    return Redirect(path=request.app.route_reverse("catalog_counters"), status_code=303)


async def _counter_edit_page(counter: CounterRow, unit: UnitRow, selected: set[int] | None = None,
                             errors: dict | None = None, status: int = 200) -> Template:
    if selected is None:
        links = await CounterService.select(CounterService.service).where(
            CounterService.counter == counter["id"]).run()
        selected = {r["service"] for r in links}
    return Template("catalog/counter_edit.html", status_code=status, context={
        "counter": counter, "unit": unit, "services": await queries.services_of_units([unit["id"]]),
        "selected": selected, "errors": errors or {}})


@get("/console/counters/{counter_code:str}/edit", name="catalog_counter_edit", guards=[requires("counters.manage")])
async def counter_edit(request: Request, counter_code: FromPath[str]) -> Template:
    counter, unit = await counter_in_scope(request, counter_code)
    return await _counter_edit_page(counter, unit)


@post("/console/counters/{counter_code:str}/edit", name="catalog_counter_update", guards=[requires("counters.manage")], status_code=303)
async def counter_update(request: Request, counter_code: FromPath[str],
                         data: Annotated[schemas.CounterEditForm, FORM]) -> Redirect | Template:
    counter, unit = await counter_in_scope(request, counter_code)
    try:
        await services.update_counter(current_user(request), counter, data)
    except Invalid as exc:
        typed = {**counter, "name": data.name, "active": data.active == "on"}
        return await _counter_edit_page(typed, unit, set(schemas.ids(data.service) or []),  # type: ignore[arg-type]
                                        form_errors(request, exc), exc.status_code)
    return Redirect(path=request.app.route_reverse("catalog_counters"), status_code=303)


# --- maklumat pelayanan -------------------------------------------------------------------------------------------

@get("/console/units/{unit_slug:str}/maklumat", name="catalog_maklumat_edit", guards=[requires("maklumat.edit")])
async def maklumat_edit(request: Request, unit_slug: FromPath[str], saved: FromQuery[str] = "") -> Template:
    unit = await unit_in_scope(request, unit_slug)
    return Template("catalog/maklumat.html", context={"unit": unit, "saved": saved, "errors": {}})


@post("/console/units/{unit_slug:str}/maklumat", name="catalog_maklumat_update", guards=[requires("maklumat.edit")], status_code=303)
async def maklumat_update(request: Request, unit_slug: FromPath[str],
                          data: Annotated[schemas.MaklumatForm, FORM]) -> Redirect | Template:
    unit = await unit_in_scope(request, unit_slug)
    try:
        await services.set_maklumat(current_user(request), unit, data)
    except Invalid as exc:
        return Template("catalog/maklumat.html", status_code=exc.status_code, context={
            "unit": {**unit, **{k: getattr(data, k) for k in ("maklumat_text", "maklumat_signer", "maklumat_date")}},
            "saved": "", "errors": form_errors(request, exc)})
    return Redirect(path=f"{request.app.route_reverse('catalog_maklumat_edit', unit_slug=unit_slug)}?saved=1", status_code=303)



admin = Router(path="/", include_in_schema=False, route_handlers=[
    counters_admin, counter_create, counter_edit, counter_update, maklumat_edit, maklumat_update,
])
