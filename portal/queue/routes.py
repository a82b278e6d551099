"""Officer console, live queue board and its websocket, services/counters/standards/maklumat management, audit log."""

from __future__ import annotations

import re
from datetime import date

import msgspec
import qrcode
import qrcode.image.svg
from litestar import MediaType, Request, Response, Router, WebSocket, get, post, websocket
from litestar.channels import ChannelsPlugin
from litestar.exceptions import ClientException, HTTPException, NotFoundException, WebSocketDisconnect
from litestar.response import Redirect, Template

from portal.accounts import audit
from portal.accounts.guards import current_user, ensure_unit_access, require_roles
from portal.cache import catalog_changed
from portal.catalog.queries import standard_in_force, standard_versions
from portal.db.tables import OUTCOMES, TIME_UNITS, Counter, CounterService, Service, Unit
from portal.queue import board, queries, standards, tickets, waits
from portal.timeutil import local_day, utcnow
from portal.web import chosen_ids, t

QUEUE = [require_roles("officer", "manager", "head")]
MANAGERS = [require_roles("manager")]
HEADS = [require_roles("head")]
HEADS_AND_MANAGERS = [require_roles("head", "manager")]

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,98}[a-z0-9])$")
CODE_RE = re.compile(r"^[A-Z0-9]{2,16}$")


class ConflictException(HTTPException):
    status_code = 409


# --- helpers ------------------------------------------------------------------------------------------------------

def _scope_ids(request: Request) -> frozenset[int] | None:
    user = current_user(request)
    return None if user.is_admin else user.unit_ids


async def _my_units(request: Request) -> list[dict]:
    return await queries.units_of(_scope_ids(request))


def _channels(request: Request) -> ChannelsPlugin | None:
    try:
        return request.app.plugins.get(ChannelsPlugin)
    except KeyError:  # pragma: no cover
        return None


async def _in_scope(request: Request, row: dict | None, unknown: str) -> tuple[dict, dict]:
    """The row and its unit, or 404 with `unknown` when it does not exist, 403 when the unit is out of scope."""
    if row is None:
        raise NotFoundException(t(request, unknown))
    ensure_unit_access(request, row["unit"])
    return row, await queries.unit_by_id(row["unit"])


async def _counter(request: Request, counter_code: str) -> tuple[dict, dict]:
    return await _in_scope(request, await tickets.counter_by_code(counter_code), "Unknown counter.")


async def _visit(request: Request, visit_id: int) -> tuple[dict, dict]:
    return await _in_scope(request, await queries.visit_by_id(visit_id), "Unknown ticket.")


async def _service(request: Request, service_slug: str) -> tuple[dict, dict]:
    return await _in_scope(request, await queries.service_by_slug(service_slug), "Unknown service.")


async def _unit(request: Request, unit_slug: str) -> dict:
    unit = await queries.unit_by_slug(unit_slug)
    if unit is None:
        raise NotFoundException(t(request, "Unknown unit."))
    ensure_unit_access(request, unit["id"])
    return unit


def _safe_next(target: str | None, default: str) -> str:
    return target if target and target.startswith("/console") and not target.startswith("//") else default


#: Why a console step could not be done: shown as a notice on the page the officer came from (?notice=code),
#: never as a bare error page. Only these codes are shown; anything else in ?notice= is ignored.
NOTICES = {
    "nobody-waiting": "Nobody is waiting for this counter.",
    "counter-inactive": "This counter is not active.",
    "already-called": "This ticket has already been called or closed.",
    "start-once": "Service can start only once, after the ticket is called.",
    "finish-once": "Only a visit being served can be finished, and only once.",
    "deliver-once": "The product can be delivered once, after the service is finished.",
    "outcome-recorded": "The outcome of this visit is already recorded.",
    "reject-after-start": "A visit can be rejected for incomplete requirements only once service has started.",
    "no-show": "No-show applies to a called ticket whose service has not started.",
    "no-cancel": "A finished visit cannot be cancelled.",
    "not-now": "That step is not possible for this ticket now.",
}


def _with_notice(path: str, message: str) -> Redirect:
    code = next((k for k, v in NOTICES.items() if v == message), "not-now")
    return Redirect(path=f"{path}{'&' if '?' in path else '?'}notice={code}", status_code=303)


def _notice(request: Request, code: str | None) -> str | None:
    return t(request, NOTICES[code]) if code in NOTICES else None


def _form_unit_id(request: Request, form) -> int:
    try:
        unit_id = int(form.get("unit") or "")
    except ValueError:
        raise ClientException(t(request, "Unknown unit.")) from None
    ensure_unit_access(request, unit_id)
    return unit_id


def _today(units: list[dict]) -> date:
    days = [local_day(u["timezone"]) for u in units] or [local_day("Asia/Jakarta")]
    return max(days)


# --- console home, counter queue, visits ----------------------------------------------------------------------

@get("/console", name="console_home", guards=QUEUE)
async def console_home(request: Request) -> Template:
    units = await _my_units(request)
    counters = await queries.counters_of_units([u["id"] for u in units], active_only=True)
    return Template("queue/console_home.html", context={"units": units, "counters": counters,
                                                       "units_by_id": {u["id"]: u for u in units}})


@get("/console/counters/{counter_code:str}", name="console_counter", guards=QUEUE)
async def console_counter(request: Request, counter_code: str, issued: int | None = None,
                          notice: str | None = None) -> Template:
    counter, unit = await _counter(request, counter_code)
    services = await tickets.counter_services(counter["id"])
    today = local_day(unit["timezone"])
    waiting = await queries.waiting_for_counter(unit["id"], [s["id"] for s in services], today)
    open_visits = await queries.open_at_counter(counter["id"], today.fromordinal(today.toordinal() - 30))
    issued_visit = await queries.visit_by_id(issued) if issued else None
    if issued_visit and issued_visit["unit"] != unit["id"]:
        issued_visit = None
    return Template("queue/counter.html", context={
        "counter": counter, "unit": unit, "services": services, "waiting": waiting, "open_visits": open_visits,
        "services_by_id": {s["id"]: s for s in services}, "issued": issued_visit, "stage": tickets.stage,
        "outcomes": OUTCOMES, "notice": _notice(request, notice),
    })


async def _after_write(request: Request, unit: dict, event: str, visit: dict, counter: dict | None) -> None:
    await board.publish(_channels(request), unit, event, visit, counter)


@post("/console/counters/{counter_code:str}/tickets", name="ticket_issue", guards=QUEUE, status_code=303)
async def ticket_issue(request: Request, counter_code: str) -> Redirect:
    counter, unit = await _counter(request, counter_code)
    if not counter["active"]:
        raise ConflictException(t(request, "This counter is not active."))
    form = await request.form()
    services = {s["id"]: s for s in await tickets.counter_services(counter["id"])}
    try:
        service_id = int(form.get("service") or "")
    except ValueError:
        service_id = 0
    if service_id not in services:
        raise ClientException(t(request, "Choose one of this counter's services."))
    version = await standard_in_force(service_id)
    issued = await tickets.issue(unit=unit, service_id=service_id, counter_id=counter["id"],
                                 officer_id=current_user(request).id,
                                 standard_version_id=version["id"] if version else None,
                                 secret_key=request.app.state.settings.secret_key)
    visit = await queries.visit_by_id(issued.visit_id)
    await _after_write(request, unit, "issued", visit, counter)
    return Redirect(path=f"/console/counters/{counter_code}?issued={issued.visit_id}", status_code=303)


@post("/console/counters/{counter_code:str}/call-next", name="ticket_call_next", guards=QUEUE, status_code=303)
async def ticket_call_next(request: Request, counter_code: str) -> Redirect:
    counter, unit = await _counter(request, counter_code)
    if not counter["active"]:
        raise ConflictException(t(request, "This counter is not active."))
    visit = await tickets.call_next(unit["id"], counter["id"], local_day(unit["timezone"]), current_user(request).id)
    if visit is None:  # not an error page: the officer stays on the console with a notice
        return _with_notice(f"/console/counters/{counter_code}", NOTICES["nobody-waiting"])
    await _after_write(request, unit, "called", visit, counter)
    return Redirect(path=f"/console/counters/{counter_code}", status_code=303)


def _parse_fee(request: Request, text: str | None) -> int | None:
    text = (text or "").strip().replace(".", "").replace(",", "")
    if not text:
        return None
    try:
        fee = int(text)
    except ValueError:
        raise ClientException(t(request, "The fee must be a whole number of rupiah, zero or more.")) from None
    if fee < 0:
        raise ClientException(t(request, "The fee must be a whole number of rupiah, zero or more."))
    return fee


async def _visit_action(request: Request, visit_id: int, action: str) -> Redirect:
    visit, unit = await _visit(request, visit_id)
    form = await request.form()
    user = current_user(request)
    counter = await queries_counter_by_id(visit["counter"]) if visit["counter"] else None
    try:
        if action == "call":
            code = (form.get("counter") or "").strip()
            if code:
                counter = await tickets.counter_by_code(code)
                if counter is None or counter["unit"] != unit["id"]:
                    raise ClientException(t(request, "Unknown counter."))
            if counter is None:
                raise ClientException(t(request, "Choose the counter that calls this ticket."))
            await tickets.call(visit, counter["id"], user.id)
            event = "called"
        elif action == "start":
            await tickets.start(visit, user.id)
            event = "served"
        elif action == "finish":
            await tickets.finish(visit, user.id)
            event = "finished"
        elif action == "deliver":
            await tickets.deliver(visit, user.id)
            event = "delivered"
        else:
            outcome = form.get("outcome") or ""
            if outcome not in OUTCOMES:
                raise ClientException(t(request, "Choose an outcome."))
            fee = _parse_fee(request, form.get("fee_charged"))
            await tickets.record_outcome(visit, outcome, fee, form.get("correction_needed") in ("on", "1", "true"),
                                         user.id)
            event = "outcome"
    except tickets.TransitionError as exc:  # back where the officer was, with the reason as a notice
        default = f"/console/counters/{counter['code']}" if counter else f"/console/visits/{visit_id}"
        return _with_notice(_safe_next(form.get("next"), default), exc.message)
    fresh = await queries.visit_by_id(visit_id)
    await _after_write(request, unit, event, fresh, counter)
    default = f"/console/counters/{counter['code']}" if counter else f"/console/visits/{visit_id}"
    return Redirect(path=_safe_next(form.get("next"), default), status_code=303)


async def queries_counter_by_id(counter_id: int) -> dict | None:
    return await Counter.select().where(Counter.id == counter_id).first().run()


@post("/console/visits/{visit_id:int}/call", name="visit_call", guards=QUEUE, status_code=303)
async def visit_call(request: Request, visit_id: int) -> Redirect:
    return await _visit_action(request, visit_id, "call")


@post("/console/visits/{visit_id:int}/start", name="visit_start", guards=QUEUE, status_code=303)
async def visit_start(request: Request, visit_id: int) -> Redirect:
    return await _visit_action(request, visit_id, "start")


@post("/console/visits/{visit_id:int}/finish", name="visit_finish", guards=QUEUE, status_code=303)
async def visit_finish(request: Request, visit_id: int) -> Redirect:
    return await _visit_action(request, visit_id, "finish")


@post("/console/visits/{visit_id:int}/deliver", name="visit_deliver", guards=QUEUE, status_code=303)
async def visit_deliver(request: Request, visit_id: int) -> Redirect:
    return await _visit_action(request, visit_id, "deliver")


@post("/console/visits/{visit_id:int}/outcome", name="visit_outcome", guards=QUEUE, status_code=303)
async def visit_outcome(request: Request, visit_id: int) -> Redirect:
    return await _visit_action(request, visit_id, "outcome")


@get("/console/visits/{visit_id:int}", name="visit_detail", guards=QUEUE)
async def visit_detail(request: Request, visit_id: int, notice: str | None = None) -> Template:
    visit, unit = await _visit(request, visit_id)
    service = await Service.select().where(Service.id == visit["service"]).first().run()
    counter = await queries_counter_by_id(visit["counter"]) if visit["counter"] else None
    return Template("queue/visit.html", context={"visit": visit, "unit": unit, "service": service,
                                                "counter": counter, "stage": tickets.stage(visit),
                                                "outcomes": OUTCOMES, "notice": _notice(request, notice)})


def _ticket_url(request: Request, token: str) -> str:
    return f"{request.app.state.settings.public_url}/t/{token}"


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    svg = image.to_string().decode()
    return re.sub(r"^<\?xml[^>]*>\s*", "", svg)


@get("/console/visits/{visit_id:int}/ticket", name="visit_ticket", guards=QUEUE)
async def visit_ticket(request: Request, visit_id: int) -> Template:
    visit, unit = await _visit(request, visit_id)
    service = await Service.select().where(Service.id == visit["service"]).first().run()
    url = _ticket_url(request, visit["token"])
    return Template("queue/ticket.html", context={"visit": visit, "unit": unit, "service": service, "url": url,
                                                 "qr_svg": _qr_svg(url)})


@get("/console/history", name="console_history", guards=QUEUE)
async def console_history(request: Request, days: int = 1) -> Template:
    days = max(1, min(days, 31))
    units = await _my_units(request)
    since, until = queries.history_window(_today(units), days)
    visits = await queries.history([u["id"] for u in units], since, until)
    return Template("queue/history.html", context={"visits": visits, "days": days, "since": since, "until": until,
                                                  "units_by_id": {u["id"]: u for u in units}})


# --- services and their standards ------------------------------------------------------------------------------

@get("/console/services", name="console_services", guards=HEADS_AND_MANAGERS)
async def services_list(request: Request) -> Template:
    units = await _my_units(request)
    services = await queries.services_of_units([u["id"] for u in units])
    return Template("queue/services.html", context={"units": units, "services": services, "error": None,
                                                   "units_by_id": {u["id"]: u for u in units}, "form": {}})


def _service_snapshot(row: dict) -> dict:
    return {k: row[k] for k in ("slug", "name", "name_en", "description", "active")}


@post("/console/services", name="service_create", guards=MANAGERS, status_code=303)
async def service_create(request: Request) -> Redirect | Template:
    form = await request.form()
    unit_id = _form_unit_id(request, form)
    slug = (form.get("slug") or "").strip().lower()
    name = (form.get("name") or "").strip()
    error = None
    if not SLUG_RE.match(slug):
        error = t(request, "The address name uses 3 to 100 lowercase letters, digits and hyphens.")
    elif not name:
        error = t(request, "A name is required.")
    elif await queries.service_by_slug(slug):
        error = t(request, "This address name is taken.")
    if error:
        units = await _my_units(request)
        services = await queries.services_of_units([u["id"] for u in units])
        return Template("queue/services.html", status_code=400, context={
            "units": units, "services": services, "error": error, "units_by_id": {u["id"]: u for u in units},
            "form": {"slug": slug, "name": name}})
    rows = await Service.insert(Service(unit=unit_id, slug=slug, name=name[:200],
                                        name_en=(form.get("name_en") or "").strip()[:200],
                                        description=(form.get("description") or "").strip())).returning(Service.id).run()
    row = await Service.select().where(Service.id == rows[0]["id"]).first().run()
    catalog_changed()
    await audit.record(current_user(request), "create", "service", row["id"], unit_id=unit_id,
                       after=_service_snapshot(row))
    return Redirect(path=f"/console/services/{slug}/standards", status_code=303)


@get("/console/services/{service_slug:str}", name="service_edit", guards=MANAGERS)
async def service_edit(request: Request, service_slug: str) -> Template:
    service, unit = await _service(request, service_slug)
    return Template("queue/service_edit.html", context={"service": service, "unit": unit})


@post("/console/services/{service_slug:str}", name="service_update", guards=MANAGERS, status_code=303)
async def service_update(request: Request, service_slug: str) -> Redirect:
    service, unit = await _service(request, service_slug)
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
    return Redirect(path=f"/console/services/{service_slug}/standards", status_code=303)


async def _standards_page(request: Request, service: dict, unit: dict, form: dict | None = None,
                          errors: list[str] | None = None, status: int = 200) -> Template:
    versions = await standard_versions(service["id"])
    in_force = await standard_in_force(service["id"])
    now = utcnow()
    rows = [{**standards.decoded(v), "state": standards.status_of(v, in_force["id"] if in_force else None, now)}
            for v in versions]
    return Template("queue/standards.html", status_code=status, context={
        "service": service, "unit": unit, "versions": rows, "in_force": in_force,
        "form": form or standards.prefill(versions, in_force), "errors": errors or [],
        "draft": standards.open_draft(versions),
        "time_units": TIME_UNITS, "today": local_day(unit["timezone"]).isoformat(),
    })


@get("/console/services/{service_slug:str}/standards", name="service_standards", guards=HEADS_AND_MANAGERS)
async def service_standards(request: Request, service_slug: str) -> Template:
    service, unit = await _service(request, service_slug)
    return await _standards_page(request, service, unit)


def _version_snapshot(row: dict) -> dict:
    return {k: row.get(k) for k in ("version", "status", *standards.DRAFT_FIELDS, "effective_from")}


@post("/console/services/{service_slug:str}/standards", name="standard_draft", guards=MANAGERS, status_code=303)
async def standard_draft(request: Request, service_slug: str) -> Redirect | Template:
    service, unit = await _service(request, service_slug)
    form = await request.form()
    values, errors = standards.parse_draft(form)
    if errors:
        return await _standards_page(request, service, unit, dict(form), [t(request, e) for e in errors], 400)
    try:
        version = await standards.create_draft(service["id"], values, current_user(request).id)
    except standards.DraftExists:
        raise ConflictException(t(request, "This service already has an open draft: continue it or discard it.")) from None
    await audit.record(current_user(request), "draft", "standard_version", version["id"], unit_id=unit["id"],
                       after=_version_snapshot(standards.decoded(version)))
    return Redirect(path=f"/console/standards/{version['id']}", status_code=303)


async def _version(request: Request, version_id: int) -> tuple[dict, dict, dict]:
    version = await standards.version_by_id(version_id)
    if version is None:
        raise NotFoundException(t(request, "Unknown standard version."))
    service = await Service.select().where(Service.id == version["service"]).first().run()
    ensure_unit_access(request, service["unit"])
    unit = await queries.unit_by_id(service["unit"])
    return version, service, unit


@get("/console/standards/{version_id:int}", name="standard_detail", guards=HEADS_AND_MANAGERS)
async def standard_detail(request: Request, version_id: int) -> Template:
    version, service, unit = await _version(request, version_id)
    in_force = await standard_in_force(service["id"])
    return Template("queue/standard.html", context={
        "version": standards.decoded(version), "service": service, "unit": unit, "form": standards.as_form(version),
        "state": standards.status_of(version, in_force["id"] if in_force else None),
        "errors": [], "time_units": TIME_UNITS, "today": local_day(unit["timezone"]).isoformat(),
    } | {"form": {**standards.as_form(version), "change_note": version["change_note"]}})


@post("/console/standards/{version_id:int}", name="standard_update", guards=MANAGERS, status_code=303)
async def standard_update(request: Request, version_id: int) -> Redirect | Template:
    version, service, unit = await _version(request, version_id)
    if version["status"] != "draft":
        raise ConflictException(t(request, "An approved version cannot be changed: draft a new version instead."))
    form = await request.form()
    values, errors = standards.parse_draft(form)
    if errors:
        return Template("queue/standard.html", status_code=400, context={
            "version": standards.decoded(version), "service": service, "unit": unit, "form": dict(form),
            "state": "draft", "errors": [t(request, e) for e in errors], "time_units": TIME_UNITS,
            "today": local_day(unit["timezone"]).isoformat()})
    if not await standards.update_draft(version_id, values):
        raise ConflictException(t(request, "An approved version cannot be changed: draft a new version instead."))
    after = await standards.version_by_id(version_id)
    await audit.record(current_user(request), "update", "standard_version", version_id, unit_id=unit["id"],
                       before=_version_snapshot(standards.decoded(version)),
                       after=_version_snapshot(standards.decoded(after)))
    return Redirect(path=f"/console/standards/{version_id}", status_code=303)


@post("/console/standards/{version_id:int}/approve", name="standard_approve", guards=HEADS, status_code=303)
async def standard_approve(request: Request, version_id: int) -> Redirect:
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
    catalog_changed()
    await audit.record(current_user(request), "approve", "standard_version", version_id, unit_id=unit["id"],
                       before={"status": "draft", "effective_from": None},
                       after={"status": "approved", "effective_from": after["effective_from"]})
    return Redirect(path=f"/console/standards/{version_id}", status_code=303)


@post("/console/standards/{version_id:int}/discard", name="standard_discard", guards=MANAGERS, status_code=303)
async def standard_discard(request: Request, version_id: int) -> Redirect:
    """Managers throw a draft away (an approved version cannot be discarded)."""
    version, service, unit = await _version(request, version_id)
    gone = await standards.discard(version_id)
    if gone is None:
        raise ConflictException(t(request, "An approved version cannot be changed: draft a new version instead."))
    await audit.record(current_user(request), "discard", "standard_version", version_id, unit_id=unit["id"],
                       before=_version_snapshot(standards.decoded(gone)))
    return Redirect(path=f"/console/services/{service['slug']}/standards", status_code=303)


# --- counters (managers) -----------------------------------------------------------------------------------------

def _counter_snapshot(row: dict, service_ids: list[int]) -> dict:
    return {"code": row["code"], "name": row["name"], "active": row["active"], "service_ids": sorted(service_ids)}


async def _counters_page(request: Request, error: str | None = None, status: int = 200, form: dict | None = None):
    units = await _my_units(request)
    unit_ids = [u["id"] for u in units]
    return Template("queue/counters_admin.html", status_code=status, context={
        "units": units, "units_by_id": {u["id"]: u for u in units},
        "counters": await queries.counters_of_units(unit_ids),
        "services": await queries.services_of_units(unit_ids), "error": error, "form": form or {}})


@get("/console/counters", name="counters_admin", guards=MANAGERS)
async def counters_admin(request: Request) -> Template:
    return await _counters_page(request)


async def _service_ids_of_unit(request: Request, form, unit_id: int) -> list[int]:
    allowed = {s["id"] for s in await queries.services_of_units([unit_id])}
    return chosen_ids(form.getall("service", []), allowed, t(request, "Choose services of the counter's unit."))


@post("/console/counters", name="counter_create", guards=MANAGERS, status_code=303)
async def counter_create(request: Request) -> Redirect | Template:
    form = await request.form()
    unit_id = _form_unit_id(request, form)
    code = (form.get("code") or "").strip().upper()
    name = (form.get("name") or "").strip()
    service_ids = await _service_ids_of_unit(request, form, unit_id)
    error = None
    if not CODE_RE.match(code):
        error = t(request, "The code uses 2 to 16 capital letters and digits.")
    elif not name:
        error = t(request, "A name is required.")
    elif await tickets.counter_by_code(code):
        error = t(request, "This code is taken.")
    if error:
        return await _counters_page(request, error, 400, {"code": code, "name": name})
    async with Counter._meta.db.transaction():
        rows = await Counter.insert(Counter(unit=unit_id, code=code, name=name[:120])).returning(Counter.id).run()
        for service_id in service_ids:
            await CounterService.insert(CounterService(counter=rows[0]["id"], service=service_id)).run()
    row = await queries_counter_by_id(rows[0]["id"])
    catalog_changed()
    await audit.record(current_user(request), "create", "counter", row["id"], unit_id=unit_id,
                       after=_counter_snapshot(row, service_ids))
    return Redirect(path="/console/counters", status_code=303)


@get("/console/counters/{counter_code:str}/edit", name="counter_edit", guards=MANAGERS)
async def counter_edit(request: Request, counter_code: str) -> Template:
    counter, unit = await _counter(request, counter_code)
    links = await CounterService.select(CounterService.service).where(CounterService.counter == counter["id"]).run()
    return Template("queue/counter_edit.html", context={
        "counter": counter, "unit": unit, "services": await queries.services_of_units([unit["id"]]),
        "selected": {r["service"] for r in links}})


@post("/console/counters/{counter_code:str}/edit", name="counter_update", guards=MANAGERS, status_code=303)
async def counter_update(request: Request, counter_code: str) -> Redirect:
    counter, unit = await _counter(request, counter_code)
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
    return Redirect(path="/console/counters", status_code=303)


# --- maklumat pelayanan, audit log --------------------------------------------------------------------------------

def _maklumat_snapshot(unit: dict) -> dict:
    return {"maklumat_text": unit["maklumat_text"], "maklumat_signer": unit["maklumat_signer"],
            "maklumat_date": unit["maklumat_date"]}


@get("/console/units/{unit_slug:str}/maklumat", name="maklumat_edit", guards=HEADS_AND_MANAGERS)
async def maklumat_edit(request: Request, unit_slug: str, saved: str = "") -> Template:
    unit = await _unit(request, unit_slug)
    return Template("queue/maklumat.html", context={"unit": unit, "saved": saved})


@post("/console/units/{unit_slug:str}/maklumat", name="maklumat_update", guards=HEADS_AND_MANAGERS, status_code=303)
async def maklumat_update(request: Request, unit_slug: str) -> Redirect:
    unit = await _unit(request, unit_slug)
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
    return Redirect(path=f"/console/units/{unit_slug}/maklumat?saved=1", status_code=303)


@get("/console/audit", name="audit_log", guards=HEADS)
async def audit_log(request: Request) -> Template:
    user = current_user(request)
    entries = await audit.entries(None if user.is_admin else set(user.unit_ids))
    units = await _my_units(request)
    return Template("queue/audit.html", context={"entries": entries, "units_by_id": {u["id"]: u for u in units}})


# --- public: the board, its JSON state and its websocket -------------------------------------------------------------

async def _public_unit(request: Request | WebSocket, unit_slug: str) -> dict:
    unit = await queries.unit_by_slug(unit_slug)
    if unit is None:
        raise NotFoundException(t(request, "Unknown unit."))  # type: ignore[arg-type]
    return unit


@get("/units/{unit_slug:str}/board", name="queue_board")
async def queue_board(request: Request, unit_slug: str) -> Template:
    unit = await _public_unit(request, unit_slug)
    return Template("queue/board.html", context={"unit": unit, "state": await board.queue_state(unit)})


@get("/api/v1/units/{unit_slug:str}/queue", name="api_queue", media_type=MediaType.JSON,
     summary="Live queue state of a unit", tags=["queue"], cache_control=None)
async def api_queue(request: Request, unit_slug: str) -> Response[waits.LiveQueue]:
    """Waiting count, the ticket now served at each counter, the median wait today (arrival to call), and per
    service: people waiting, counters open, median wait of the last hour, an estimate with its basis
    (portal.queue.waits; cached a few seconds)."""
    unit = await _public_unit(request, unit_slug)
    return Response(await waits.live(unit), headers={"cache-control": "no-store"})


@websocket("/ws/units/{unit_slug:str}/queue", name="ws_queue")
async def ws_queue(socket: WebSocket, unit_slug: str) -> None:
    """Streams the unit's queue events (JSON QueueEvent) as they happen; first message: the current state."""
    unit = await queries.unit_by_slug(unit_slug)
    if unit is None:
        await socket.close(code=4404)
        return
    channels = socket.app.plugins.get(ChannelsPlugin)
    await socket.accept()

    async def forward(event: bytes) -> None:
        await socket.send_text(event.decode() if isinstance(event, bytes) else str(event))

    async with channels.start_subscription([board.channel_name(unit["id"])]) as subscriber:
        state = await board.queue_state(unit)
        await socket.send_text(msgspec.json.encode({"type": "state", "state": state}).decode())
        async with subscriber.run_in_background(forward):
            try:
                while True:
                    await socket.receive_text()
            except WebSocketDisconnect:
                pass


console = Router(path="/", include_in_schema=False, route_handlers=[
    console_home, console_counter, ticket_issue, ticket_call_next, visit_call, visit_start, visit_finish,
    visit_deliver, visit_outcome, visit_detail, visit_ticket, console_history, services_list, service_create,
    service_edit, service_update, service_standards, standard_draft, standard_detail, standard_update,
    standard_approve, standard_discard, counters_admin, counter_create, counter_edit, counter_update, maklumat_edit,
    maklumat_update, audit_log,
])
public = Router(path="/", opt={"exclude_from_auth": True}, include_in_schema=False, route_handlers=[queue_board, ws_queue])
public_api = Router(path="/", opt={"exclude_from_auth": True}, route_handlers=[api_queue])
route_handlers = [console, public, public_api]
