"""Officer console: home, visits (call, serve, finish, deliver, outcome), the printed ticket, history and the audit
log; a counter's own page and its actions are in routes_counter. Writes go through portal.queue.tickets (one
transaction each, with the rollup delta)."""

from __future__ import annotations

import re
from typing import Annotated

import qrcode
import qrcode.image.svg
from litestar import Request, Router, get, post
from litestar.exceptions import ClientException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from portal.accounts import audit
from portal.accounts.guards import current_user, requires
from portal.db.tables import OUTCOMES, Service
from portal.queue import board, queries, tickets
from portal.queue.counter_view import counter_page
from portal.queue.queries import CounterRow, UnitRow, VisitRow
from portal.queue.schemas import VisitForm
from portal.queue.web import (
    channels_of,
    my_units,
    notice_text,
    safe_next,
    today_of,
    visit_in_scope,
    with_notice,
)
from portal.web import FORM, t

# --- console home, counter queue, visits ----------------------------------------------------------------------

@get("/console", name="queue_console_home", guards=[requires("tickets.operate")])
async def console_home(request: Request) -> Template:
    units = await my_units(request)
    counters = await queries.counters_of_units([u["id"] for u in units], active_only=True)
    return Template("queue/console_home.html", context={"units": units, "counters": counters,
                                                       "units_by_id": {u["id"]: u for u in units}})


async def _after_write(request: Request, unit: UnitRow, event: str, visit: VisitRow,
                       counter: CounterRow | None) -> None:
    await board.publish(channels_of(request), unit, event, visit, counter)


async def _visit_action(request: Request, visit_id: int, action: str, form: VisitForm) -> Redirect | Template:
    visit, unit = await visit_in_scope(request, visit_id)
    user = current_user(request)
    counter = await queries.counter_by_id(visit["counter"]) if visit["counter"] else None
    try:
        if action == "call":
            code = form.counter.strip()
            if code:
                counter = await tickets.counter_by_code(code)
                if counter is None or counter["unit"] != unit["id"]:
                    raise ClientException(t(request, "Unknown counter."))
            if counter is None:
                raise ClientException(t(request, "Choose the counter that calls this ticket."))
            try:
                await tickets.call(visit, counter["id"], user.id)
            except tickets.CounterBusy as exc:  # the database refused a second ticket in service: 409
                return await counter_page(request, counter, unit, notice=t(request, exc.message), status_code=409)
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
            outcome, fee, correction = form.validated_outcome()
            await tickets.record_outcome(visit, outcome, fee, correction, user.id)
            event = "outcome"
    except tickets.TransitionError as exc:  # back where the officer was, with the reason as a notice
        default = (request.app.route_reverse("queue_console_counter", counter_code=counter["code"]) if counter
                   else request.app.route_reverse("queue_visit_detail", visit_id=visit_id))
        return with_notice(safe_next(form.next, default), exc.code)
    fresh = await queries.visit_by_id(visit_id)
    assert fresh is not None  # visits are never deleted
    await _after_write(request, unit, event, fresh, counter)
    default = (request.app.route_reverse("queue_console_counter", counter_code=counter["code"]) if counter
               else request.app.route_reverse("queue_visit_detail", visit_id=visit_id))
    return Redirect(path=safe_next(form.next, default), status_code=303)


@post("/console/visits/{visit_id:int}/call", name="queue_visit_call", guards=[requires("tickets.operate")], status_code=303)
async def visit_call(request: Request, visit_id: FromPath[int],
                      data: Annotated[VisitForm, FORM]) -> Redirect | Template:
    return await _visit_action(request, visit_id, "call", data)


@post("/console/visits/{visit_id:int}/start", name="queue_visit_start", guards=[requires("tickets.operate")], status_code=303)
async def visit_start(request: Request, visit_id: FromPath[int],
                      data: Annotated[VisitForm, FORM]) -> Redirect | Template:
    return await _visit_action(request, visit_id, "start", data)


@post("/console/visits/{visit_id:int}/finish", name="queue_visit_finish", guards=[requires("tickets.operate")], status_code=303)
async def visit_finish(request: Request, visit_id: FromPath[int],
                      data: Annotated[VisitForm, FORM]) -> Redirect | Template:
    return await _visit_action(request, visit_id, "finish", data)


@post("/console/visits/{visit_id:int}/deliver", name="queue_visit_deliver", guards=[requires("tickets.operate")], status_code=303)
async def visit_deliver(request: Request, visit_id: FromPath[int],
                      data: Annotated[VisitForm, FORM]) -> Redirect | Template:
    return await _visit_action(request, visit_id, "deliver", data)


@post("/console/visits/{visit_id:int}/outcome", name="queue_visit_outcome", guards=[requires("tickets.operate")], status_code=303)
async def visit_outcome(request: Request, visit_id: FromPath[int],
                      data: Annotated[VisitForm, FORM]) -> Redirect | Template:
    return await _visit_action(request, visit_id, "outcome", data)


@get("/console/visits/{visit_id:int}", name="queue_visit_detail", guards=[requires("tickets.operate")])
async def visit_detail(request: Request, visit_id: FromPath[int], notice: FromQuery[str | None] = None) -> Template:
    visit, unit = await visit_in_scope(request, visit_id)
    service = await Service.select().where(Service.id == visit["service"]).first().run()
    counter = await queries.counter_by_id(visit["counter"]) if visit["counter"] else None
    return Template("queue/visit.html", context={"visit": visit, "unit": unit, "service": service,
                                                "counter": counter, "stage": tickets.stage(visit),
                                                "outcomes": OUTCOMES, "notice": notice_text(request, notice)})


def _ticket_url(request: Request, token: str) -> str:
    return f"{request.app.state.settings.public_url}/t/{token}"


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    svg = image.to_string().decode()
    return re.sub(r"^<\?xml[^>]*>\s*", "", svg)


@get("/console/visits/{visit_id:int}/ticket", name="queue_visit_ticket", guards=[requires("tickets.operate")])
async def visit_ticket(request: Request, visit_id: FromPath[int]) -> Template:
    visit, unit = await visit_in_scope(request, visit_id)
    service = await Service.select().where(Service.id == visit["service"]).first().run()
    url = _ticket_url(request, visit["token"])
    return Template("queue/ticket.html", context={"visit": visit, "unit": unit, "service": service, "url": url,
                                                 "qr_svg": _qr_svg(url)})


@get("/console/history", name="queue_console_history", guards=[requires("tickets.operate")])
async def console_history(request: Request, days: FromQuery[int] = 1) -> Template:
    days = max(1, min(days, 31))
    units = await my_units(request)
    since, until = queries.history_window(today_of(units), days)
    visits = await queries.history([u["id"] for u in units], since, until)
    return Template("queue/history.html", context={"visits": visits, "days": days, "since": since, "until": until,
                                                  "units_by_id": {u["id"]: u for u in units}})



@get("/console/audit", name="queue_audit_log", guards=[requires("audit.view")])
async def audit_log(request: Request, before: FromQuery[int | None] = None) -> Template:
    user = current_user(request)
    entries, older = await audit.entries(None if user.is_admin else set(user.unit_ids), before)
    units = await my_units(request)
    return Template("queue/audit.html", context={"entries": entries, "older": older,
                                                 "units_by_id": {u["id"]: u for u in units}})



console = Router(path="/", include_in_schema=False, route_handlers=[
    console_home, visit_call, visit_start, visit_finish,
    visit_deliver, visit_outcome, visit_detail, visit_ticket, console_history, audit_log,
])
