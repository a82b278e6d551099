"""A ticket holder's page (/t/{token}, the officer's ticket QR): status, how many people are ahead and the estimated
wait (portal.queue.waits.position), where to go once called, and the survey bound to the visit. Its live part is
also served alone (/t/{token}/live) so the page's script can refresh it on every event of the unit's board channel
without reloading; without JavaScript the page reloads itself."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.exceptions import ClientException
from litestar.params import FromPath
from litestar.response import Template

from portal.catalog.queries import ServiceRow, StandardVersionRow, UnitRow
from portal.db.tables import Counter
from portal.feedback import antiabuse, progress, queries
from portal.feedback.web import (
    not_found,
    service_name,
    settings_of,
    status_label,
    submit_survey,
    survey_context,
    visit_status,
)
from portal.queue import waits
from portal.queue.queries import VisitRow
from portal.tokens import verify
from portal.web import t

# --- officer-issued ticket ----------------------------------------------------------------------------------


async def _ticket(request: Request, token: str) -> tuple[VisitRow, UnitRow, ServiceRow, StandardVersionRow | None]:
    if not verify(settings_of(request).secret_key, token):  # forged or mistyped: no database lookup at all
        raise not_found(t(request, "Ticket not recognised. Please check the QR code on your ticket."))
    visit = await queries.visit_by_token(token)
    if visit is None:
        raise not_found(t(request, "Ticket not recognised. Please check the QR code on your ticket."))
    unit = await queries.unit_by_id(visit["unit"])
    service = await queries.service_by_id(visit["service"])
    assert unit is not None and service is not None
    standard = await queries.standard_version(visit["standard_version"])
    return visit, unit, service, standard


def _ticket_channel(visit: VisitRow) -> tuple[str, bool]:
    """Officer-issued tickets give verified responses; a citizen's own scan visit stays unverified."""
    return ("qr_ticket", True) if visit["origin"] == "ticket" else ("qr_counter", False)


async def _live(request: Request, visit: VisitRow, unit: UnitRow) -> dict[str, Any]:
    """What changes while the citizen waits: status, people ahead and the estimate, where to go."""
    status = visit_status(visit)
    return {
        "status": status, "status_label": status_label(request, status),
        "position": await waits.position(visit, unit) if status == "waiting" else None,
        "counter": await Counter.select(Counter.name, Counter.code).where(Counter.id == visit["counter"]).first()
        .run() if visit["counter"] else None,  # where to go once called
    }


@get("/t/{token:str}", name="feedback_ticket_page")
async def ticket_page(request: Request, token: FromPath[str]) -> Template:
    visit, unit, service, standard = await _ticket(request, token)
    live = await _live(request, visit, unit)
    answered = await queries.response_exists_for_visit(visit["id"])
    survey_open = live["status"] in ("being_served", "finished", "delivered") and not answered
    context: dict[str, Any] = {
        **live, "visit": visit, "unit": unit, "service": service, "service_name": service_name(request, service),
        "standard": standard, "answered": answered, "survey_open": survey_open,
        "progress": await progress.of_visit(visit, unit),
        "back": request.app.route_reverse("feedback_ticket_page", token=token),
    }
    if survey_open:
        action = request.app.route_reverse("feedback_ticket_survey_submit", token=token)
        context.update(survey_context(request, action, service))
    return Template("feedback/ticket.html", context=context)


@get("/t/{token:str}/live", name="feedback_ticket_live")
async def ticket_live(request: Request, token: FromPath[str]) -> Template:
    """The live part of the ticket page alone (an HTML fragment the page's script puts in place)."""
    visit, unit, _service, _standard = await _ticket(request, token)
    return Template("feedback/_ticket_live.html", context={**await _live(request, visit, unit), "visit": visit,
                                                          "unit": unit})


@post("/t/{token:str}/survey", name="feedback_ticket_survey_submit", status_code=200,
      middleware=[antiabuse.rate_limit.middleware])
async def ticket_survey_submit(request: Request, token: FromPath[str]) -> Template | Response:
    visit, unit, service, standard = await _ticket(request, token)
    if visit_status(visit) in ("waiting", "called"):
        raise ClientException(t(request, "The survey opens once you have been served."), status_code=409)
    channel, verified = _ticket_channel(visit)
    return await submit_survey(
        request, unit=unit, service=service, counter_id=visit["counter"], visit=visit, channel=channel,
        verified=verified, standard=standard,  # a ticket's service row carries no standard of its own
        action=request.app.route_reverse("feedback_ticket_survey_submit", token=token),
        page={"back": request.app.route_reverse("feedback_ticket_page", token=token), "unit": unit},
    )


ticket_public = Router(path="/", opt={"exclude_from_auth": True}, include_in_schema=False,
                       route_handlers=[ticket_page, ticket_live, ticket_survey_submit])
