"""Citizen pages at a counter: its QR code and posters, the scan visit, the survey and the thank-you page; the other
audiences' routes (ticket holders, paper forms, burst review) are collected here from their own modules."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.exceptions import ClientException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from portal.catalog.queries import ServiceRow, UnitRow
from portal.feedback import antiabuse, posters, progress, queries, services
from portal.feedback.qr import counter_url, qr_svg
from portal.feedback.routes_paper import paper_console
from portal.feedback.routes_review import burst_console
from portal.feedback.routes_ticket import ticket_public
from portal.feedback.web import (
    blank_survey_page,
    cookie_visit,
    counter_context,
    counter_service_of,
    not_found,
    own_visit,
    service_name,
    settings_of,
    status_label,
    submit_survey,
    survey_context,
    thanks,
    visit_cookie,
    visit_status,
)
from portal.queue.queries import CounterRow
from portal.tokens import new_token
from portal.web import request_lang, t

# --- QR codes and posters ---------------------------------------------------------------------------------


@get("/c/{counter_code:str}/qr.svg", name="feedback_counter_qr")
async def counter_qr(request: Request, counter_code: FromPath[str]) -> Response:
    counter, _unit, _services = await counter_context(request, counter_code)
    svg = qr_svg(counter_url(settings_of(request).public_url, counter["code"]))
    return Response(content=svg, media_type="image/svg+xml", headers={"cache-control": "public, max-age=86400"})


@get("/c/{counter_code:str}/poster", name="feedback_counter_poster")
async def counter_poster(request: Request, counter_code: FromPath[str]) -> Template:
    counter, unit, _services = await counter_context(request, counter_code)
    poster = await posters.poster(settings_of(request).public_url, unit, counter, request_lang(request))
    return Template("feedback/posters.html", context={"unit": unit, "posters": [poster], "single": True})


@get("/units/{unit_slug:str}/posters", name="feedback_unit_posters")
async def unit_posters(request: Request, unit_slug: FromPath[str]) -> Template:
    unit = await posters.unit_by_slug(unit_slug)
    if unit is None:
        raise not_found(t(request, "Page not found."))
    items = await posters.unit_posters(settings_of(request).public_url, unit, request_lang(request))
    return Template("feedback/posters.html", context={"unit": unit, "posters": items, "single": False})


# --- scan at the counter ------------------------------------------------------------------------------------


#: Reversed paths of counters' service pages: the route table is the same in every app, and reversing a route by
#: name costs more than a survey's form parse (bench/RESULTS-submit.md), twice per survey POST.
_PAGE_URLS: dict[tuple[str, str, str], str] = {}


def _page_url(request: Request, name: str, counter: CounterRow, service: ServiceRow) -> str:
    """The path of a counter's service page (`name`: the page, its survey or the survey's submission)."""
    key = (name, counter["code"], service["slug"])
    path = _PAGE_URLS.get(key)
    if path is None:
        if len(_PAGE_URLS) >= 10_000:  # codes and slugs renamed over a long uptime: start again
            _PAGE_URLS.clear()
        path = _PAGE_URLS[key] = request.app.route_reverse(name, counter_code=key[1], service_slug=key[2])
    return path


@get("/c/{counter_code:str}", name="feedback_counter_page")
async def counter_page(request: Request, counter_code: FromPath[str]) -> Template | Redirect:
    counter, unit, services = await counter_context(request, counter_code)
    own = await own_visit(request)
    resumed = next((s for s in services if own and own["counter"] == counter["id"] and own["service"] == s["id"]),
                   None)
    if resumed is not None:  # the citizen's visit at this counter resumes on its service page
        return Redirect(path=_page_url(request, "feedback_counter_service", counter, resumed), status_code=303)
    if len(services) == 1:
        return Redirect(path=_page_url(request, "feedback_counter_service", counter, services[0]), status_code=303)
    for service in services:
        service["display_name"] = service_name(request, service)
    return Template("feedback/counter.html", context={"counter": counter, "unit": unit, "services": services})


@get("/c/{counter_code:str}/s/{service_slug:str}", name="feedback_counter_service")
async def counter_service(request: Request, counter_code: FromPath[str], service_slug: FromPath[str]) -> Template:
    counter, unit, service = await counter_service_of(request, counter_code, service_slug)
    visit = await cookie_visit(request, counter, service)
    answered = visit is not None and await queries.response_exists_for_visit(visit["id"])
    return Template("feedback/service.html", context={
        "counter": counter, "unit": unit, "service": service, "service_name": service_name(request, service),
        "standard": service["standard"], "visit": visit, "status": visit_status(visit) if visit else None,
        "status_label": status_label(request, visit_status(visit)) if visit else None,
        "answered": answered, "progress": await progress.of_visit(visit, unit) if visit else None,
        "base": _page_url(request, "feedback_counter_service", counter, service),
    })


@post("/c/{counter_code:str}/s/{service_slug:str}/start", name="feedback_visit_start", status_code=303,
      middleware=[antiabuse.rate_limit.middleware])
async def visit_start(request: Request, counter_code: FromPath[str], service_slug: FromPath[str]) -> Redirect:
    counter, unit, service = await counter_service_of(request, counter_code, service_slug)
    base = _page_url(request, "feedback_counter_service", counter, service)
    current = await cookie_visit(request, counter, service)
    if current is not None and visit_status(current) not in ("finished", "delivered"):
        return Redirect(path=base, status_code=303)  # a second tap resumes the open visit
    token = new_token(settings_of(request).secret_key)
    standard = service["standard"]
    await services.start_scan_visit(unit, service["id"], counter["id"], standard["id"] if standard else None, token)
    return Redirect(path=base, status_code=303, cookies=[visit_cookie(request, token)])


async def _stage(request: Request, counter_code: str, service_slug: str, stage: str) -> Redirect:
    counter, _unit, service = await counter_service_of(request, counter_code, service_slug)
    visit = await cookie_visit(request, counter, service)
    base = _page_url(request, "feedback_counter_service", counter, service)
    if visit is None:
        raise ClientException(t(request, "No visit was started on this phone. Tap “I have arrived, start” first."),
                              status_code=409)
    await services.citizen_stage(visit, stage)
    survey = _page_url(request, "feedback_counter_survey", counter, service)
    return Redirect(path=survey if stage == "finished" else base, status_code=303)


@post("/c/{counter_code:str}/s/{service_slug:str}/served", name="feedback_visit_served", status_code=303,
      middleware=[antiabuse.rate_limit.middleware])
async def visit_served(request: Request, counter_code: FromPath[str], service_slug: FromPath[str]) -> Redirect:
    return await _stage(request, counter_code, service_slug, "served")


@post("/c/{counter_code:str}/s/{service_slug:str}/finished", name="feedback_visit_finished", status_code=303,
      middleware=[antiabuse.rate_limit.middleware])
async def visit_finished(request: Request, counter_code: FromPath[str], service_slug: FromPath[str]) -> Redirect:
    return await _stage(request, counter_code, service_slug, "finished")


def _counter_page(request: Request, counter: CounterRow, unit: UnitRow, service: ServiceRow) -> dict[str, Any]:
    back = _page_url(request, "feedback_counter_service", counter, service)
    return {"counter": counter, "unit": unit, "back": back}


@get("/c/{counter_code:str}/s/{service_slug:str}/survey", name="feedback_counter_survey")
async def counter_survey(request: Request, counter_code: FromPath[str], service_slug: FromPath[str]) -> Template | Response:
    counter, unit, service = await counter_service_of(request, counter_code, service_slug)
    visit = await cookie_visit(request, counter, service)
    page = _counter_page(request, counter, unit, service)
    if visit is not None and await queries.response_exists_for_visit(visit["id"]):
        return Template("feedback/thanks.html", context={
            **page, **await thanks(request, service, unit, None, service["standard"]), "already": True})
    action = _page_url(request, "feedback_counter_survey_submit", counter, service)
    return blank_survey_page(request, {**page, **survey_context(request, action, service)})


@post("/c/{counter_code:str}/s/{service_slug:str}/survey", name="feedback_counter_survey_submit", status_code=200,
      middleware=[antiabuse.rate_limit.middleware])
async def counter_survey_submit(request: Request, counter_code: FromPath[str], service_slug: FromPath[str]) -> Template | Response:
    counter, unit, service = await counter_service_of(request, counter_code, service_slug)
    visit = await cookie_visit(request, counter, service)
    standard = (await queries.standard_version(visit["standard_version"]) if visit else None) or service["standard"]
    return await submit_survey(
        request, unit=unit, service=service, counter_id=counter["id"], visit=visit, channel="qr_counter",
        verified=False, standard=standard,
        action=_page_url(request, "feedback_counter_survey_submit", counter, service),
        page=_counter_page(request, counter, unit, service),
    )


public = Router(
    path="/", opt={"exclude_from_auth": True}, include_in_schema=False,
    route_handlers=[counter_qr, counter_poster, unit_posters, counter_page, counter_service, visit_start,
                    visit_served, visit_finished, counter_survey, counter_survey_submit],
)
route_handlers = [public, ticket_public, paper_console, burst_console]
