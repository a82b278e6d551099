"""Catalog administration: counters (their services and QR codes) and the unit's service pledge (maklumat)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from litestar import Request, Router, get, post
from litestar.exceptions import ClientException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from portal.accounts import audit
from portal.accounts.guards import current_user, requires
from portal.cache import catalog_changed
from portal.db.engine import is_unique_violation
from portal.db.tables import Counter, CounterService, Unit
from portal.queue import queries, tickets
from portal.queue.console_web import (
    CODE_RE,
    counter_in_scope,
    form_unit_id,
    my_units,
    unit_in_scope,
)
from portal.web import chosen_ids, t

# --- counters (managers) -----------------------------------------------------------------------------------------

def _counter_snapshot(row: Mapping[str, Any], service_ids: list[int]) -> dict:
    return {"code": row["code"], "name": row["name"], "active": row["active"], "service_ids": sorted(service_ids)}


async def _counters_page(request: Request, error: str | None = None, status: int = 200, form: dict | None = None):
    units = await my_units(request)
    unit_ids = [u["id"] for u in units]
    return Template("queue/counters_admin.html", status_code=status, context={
        "units": units, "units_by_id": {u["id"]: u for u in units},
        "counters": await queries.counters_of_units(unit_ids),
        "services": await queries.services_of_units(unit_ids), "error": error, "form": form or {}})


@get("/console/counters", name="counters_admin", guards=[requires("counters.manage")])
async def counters_admin(request: Request) -> Template:
    return await _counters_page(request)


async def _service_ids_of_unit(request: Request, form, unit_id: int) -> list[int]:
    allowed = {s["id"] for s in await queries.services_of_units([unit_id])}
    return chosen_ids(form.getall("service", []), allowed, t(request, "Choose services of the counter's unit."))


@post("/console/counters", name="counter_create", guards=[requires("counters.manage")], status_code=303)
async def counter_create(request: Request) -> Redirect | Template:
    form = await request.form()
    unit_id = form_unit_id(request, form)
    code = (form.get("code") or "").strip().upper()
    name = (form.get("name") or "").strip()
    service_ids = await _service_ids_of_unit(request, form, unit_id)
    error = None
    if not CODE_RE.match(code):
        error = t(request, "The code uses 2 to 16 capital letters and digits.")
    elif not name:
        error = t(request, "A name is required.")
    if error:
        return await _counters_page(request, error, 400, {"code": code, "name": name})
    if await tickets.counter_by_code(code):
        return await _counters_page(request, t(request, "This code is taken."), 409, {"code": code, "name": name})
    try:
        async with Counter._meta.db.transaction():
            rows = await Counter.insert(Counter(unit=unit_id, code=code, name=name[:120])).returning(Counter.id).run()
            for service_id in service_ids:
                await CounterService.insert(CounterService(counter=rows[0]["id"], service=service_id)).run()
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        # the same code created a moment ago by another request: the code field is at fault, nothing was stored
        return await _counters_page(request, t(request, "This code is taken."), 409, {"code": code, "name": name})
    row = await queries.counter_by_id(rows[0]["id"])
    assert row is not None  # inserted just above
    catalog_changed()
    await audit.record(current_user(request), "create", "counter", row["id"], unit_id=unit_id,
                       after=_counter_snapshot(row, service_ids))
    return Redirect(path=request.app.route_reverse("counters_admin"), status_code=303)


@get("/console/counters/{counter_code:str}/edit", name="counter_edit", guards=[requires("counters.manage")])
async def counter_edit(request: Request, counter_code: FromPath[str]) -> Template:
    counter, unit = await counter_in_scope(request, counter_code)
    links = await CounterService.select(CounterService.service).where(CounterService.counter == counter["id"]).run()
    return Template("queue/counter_edit.html", context={
        "counter": counter, "unit": unit, "services": await queries.services_of_units([unit["id"]]),
        "selected": {r["service"] for r in links}})


@post("/console/counters/{counter_code:str}/edit", name="counter_update", guards=[requires("counters.manage")], status_code=303)
async def counter_update(request: Request, counter_code: FromPath[str]) -> Redirect:
    counter, unit = await counter_in_scope(request, counter_code)
    form = await request.form()
    name = (form.get("name") or "").strip()
    if not name:
        raise ClientException(t(request, "A name is required."))
    service_ids = await _service_ids_of_unit(request, form, unit["id"])
    links = await CounterService.select(CounterService.service).where(CounterService.counter == counter["id"]).run()
    before = _counter_snapshot(counter, [r["service"] for r in links])
    active = form.get("active") == "on"
    async with Counter._meta.db.transaction():
        await Counter.update({Counter.name: name[:120], Counter.active: active}).where(
            Counter.id == counter["id"]).run()
        await CounterService.delete().where(CounterService.counter == counter["id"]).run()
        for service_id in service_ids:
            await CounterService.insert(CounterService(counter=counter["id"], service=service_id)).run()
    after = _counter_snapshot({**counter, "name": name[:120], "active": active}, service_ids)
    catalog_changed()
    await audit.record(current_user(request), "update", "counter", counter["id"], unit_id=unit["id"],
                       before=before, after=after)
    return Redirect(path=request.app.route_reverse("counters_admin"), status_code=303)


# --- maklumat pelayanan, audit log --------------------------------------------------------------------------------

def _maklumat_snapshot(unit: Mapping[str, Any]) -> dict:
    return {"maklumat_text": unit["maklumat_text"], "maklumat_signer": unit["maklumat_signer"],
            "maklumat_date": unit["maklumat_date"]}


@get("/console/units/{unit_slug:str}/maklumat", name="maklumat_edit", guards=[requires("maklumat.edit")])
async def maklumat_edit(request: Request, unit_slug: FromPath[str], saved: FromQuery[str] = "") -> Template:
    unit = await unit_in_scope(request, unit_slug)
    return Template("queue/maklumat.html", context={"unit": unit, "saved": saved})


@post("/console/units/{unit_slug:str}/maklumat", name="maklumat_update", guards=[requires("maklumat.edit")], status_code=303)
async def maklumat_update(request: Request, unit_slug: FromPath[str]) -> Redirect:
    unit = await unit_in_scope(request, unit_slug)
    form = await request.form()
    text = (form.get("maklumat_text") or "").strip()
    signer = (form.get("maklumat_signer") or "").strip()[:200]
    raw_date = (form.get("maklumat_date") or "").strip()
    try:
        signed = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        raise ClientException(t(request, "Give the date as YYYY-MM-DD.")) from None
    if text and (not signer or signed is None):
        raise ClientException(t(request, "A maklumat needs its signer and date."))
    values = {"maklumat_text": text, "maklumat_signer": signer, "maklumat_date": signed}
    await Unit.update({getattr(Unit, k): v for k, v in values.items()}).where(Unit.id == unit["id"]).run()
    catalog_changed()
    await audit.record(current_user(request), "update", "maklumat", unit["id"], unit_id=unit["id"],
                       before=_maklumat_snapshot(unit), after=values)
    return Redirect(path=f"{request.app.route_reverse('maklumat_edit', unit_slug=unit_slug)}?saved=1", status_code=303)



admin = Router(path="/", include_in_schema=False, route_handlers=[
    counters_admin, counter_create, counter_edit, counter_update, maklumat_edit, maklumat_update,
])
