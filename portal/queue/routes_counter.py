"""An officer's counter: its page (the ticket in service on top, the queue below), issuing a ticket, "call next",
repeating a call on the board and transferring a ticket to another counter. Writes go through
portal.queue.tickets (one transaction each, with the rollup delta); the database keeps one ticket in service per
counter, and a call it refuses is answered 409 with the counter page and the reason."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Router, get, post
from litestar.exceptions import ClientException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from portal.accounts.guards import current_user, requires
from portal.catalog.queries import standard_in_force
from portal.queue import board, queries, tickets
from portal.queue.counter_view import counter_page
from portal.queue.schemas import TicketForm, TransferForm
from portal.queue.web import (
    channels_of,
    counter_in_scope,
    notice_text,
    safe_next,
    visit_in_scope,
    with_notice,
)
from portal.timeutil import local_day
from portal.web import FORM, t


@get("/console/counters/{counter_code:str}", name="queue_console_counter", guards=[requires("tickets.operate")])
async def console_counter(request: Request, counter_code: FromPath[str], issued: FromQuery[int | None] = None,
                          notice: FromQuery[str | None] = None, waiting: FromQuery[str | None] = None) -> Template:
    counter, unit = await counter_in_scope(request, counter_code)
    return await counter_page(request, counter, unit, notice=notice_text(request, notice), issued=issued,
                              all_waiting=waiting == "all")


@post("/console/counters/{counter_code:str}/tickets", name="queue_ticket_issue", guards=[requires("tickets.operate")], status_code=303)
async def ticket_issue(request: Request, counter_code: FromPath[str], data: Annotated[TicketForm, FORM]) -> Redirect:
    counter, unit = await counter_in_scope(request, counter_code)
    if not counter["active"]:
        raise tickets.TransitionError("counter-inactive")
    service_id = data.service_id({s["id"] for s in await tickets.counter_services(counter["id"])})
    version = await standard_in_force(service_id)
    issued = await tickets.issue(unit=unit, service_id=service_id, counter_id=counter["id"],
                                 officer_id=current_user(request).id,
                                 standard_version_id=version["id"] if version else None,
                                 secret_key=request.app.state.settings.secret_key)
    visit = await queries.visit_by_id(issued.visit_id)
    assert visit is not None  # issued just above
    await board.publish(channels_of(request), unit, "issued", visit, counter)
    page = request.app.route_reverse("queue_console_counter", counter_code=counter_code)
    return Redirect(path=f"{page}?issued={issued.visit_id}", status_code=303)


@post("/console/counters/{counter_code:str}/call-next", name="queue_ticket_call_next", guards=[requires("tickets.operate")], status_code=303)
async def ticket_call_next(request: Request, counter_code: FromPath[str]) -> Redirect | Template:
    counter, unit = await counter_in_scope(request, counter_code)
    if not counter["active"]:
        raise tickets.TransitionError("counter-inactive")
    try:
        visit = await tickets.call_next(unit["id"], counter["id"], local_day(unit["timezone"]),
                                        current_user(request).id)
    except tickets.CounterBusy as exc:  # the database refused a second ticket in service: 409, on the page
        return await counter_page(request, counter, unit, notice=t(request, exc.message), status_code=409)
    page = request.app.route_reverse("queue_console_counter", counter_code=counter_code)
    if visit is None:  # not an error page: the officer stays on the console with a notice
        return with_notice(page, "nobody-waiting")
    await board.publish(channels_of(request), unit, "called", visit, counter)
    return Redirect(path=page, status_code=303)


@post("/console/visits/{visit_id:int}/recall", name="queue_visit_recall", guards=[requires("tickets.operate")], status_code=303)
async def visit_recall(request: Request, visit_id: FromPath[int], data: Annotated[TransferForm, FORM]) -> Redirect:
    """Repeat the call: the board announces the ticket again."""
    visit, unit = await visit_in_scope(request, visit_id)
    counter = await queries.counter_by_id(visit["counter"]) if visit["counter"] else None
    back = safe_next(data.next, request.app.route_reverse("queue_console_counter", counter_code=counter["code"])
                     if counter else request.app.route_reverse("queue_visit_detail", visit_id=visit_id))
    try:
        await tickets.recall(visit, current_user(request).id)
    except tickets.TransitionError as exc:
        return with_notice(back, exc.code)
    fresh = await queries.visit_by_id(visit_id)
    assert fresh is not None  # visits are never deleted
    await board.publish(channels_of(request), unit, "recalled", fresh, counter)
    return Redirect(path=back, status_code=303)


@post("/console/visits/{visit_id:int}/transfer", name="queue_visit_transfer", guards=[requires("tickets.operate")], status_code=303)
async def visit_transfer(request: Request, visit_id: FromPath[int], data: Annotated[TransferForm, FORM]) -> Redirect:
    """Send a ticket not yet served to another counter of its unit (audited); it keeps its number and its place
    by arrival in that counter's queue."""
    visit, unit = await visit_in_scope(request, visit_id)
    target = await tickets.counter_by_code(data.counter.strip())
    if target is None or target["unit"] != unit["id"]:
        raise ClientException(t(request, "Choose another counter of this unit."))
    source = await queries.counter_by_id(visit["counter"]) if visit["counter"] else None
    back = safe_next(data.next, request.app.route_reverse("queue_console_counter", counter_code=source["code"])
                     if source else request.app.route_reverse("queue_visit_detail", visit_id=visit_id))
    try:
        await tickets.transfer(visit, target, current_user(request))
    except tickets.TransitionError as exc:
        return with_notice(back, exc.code)
    fresh = await queries.visit_by_id(visit_id)
    assert fresh is not None  # visits are never deleted
    await board.publish(channels_of(request), unit, "transferred", fresh, target)
    return with_notice(back, "transferred")


counter_console = Router(path="/", include_in_schema=False, route_handlers=[
    console_counter, ticket_issue, ticket_call_next, visit_recall, visit_transfer,
])
