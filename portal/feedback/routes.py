"""Citizen QR loop (counter QR, posters, scan visits, ticket status, survey, thank-you) and paper-form imports."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import ClientException, NotFoundException
from litestar.response import Redirect, Template
from litestar.template.base import csrf_token

from portal import cache
from portal.db.tables import Counter
from portal.feedback import antiabuse, posters, progress, queries, services
from portal.feedback.qr import counter_url, qr_svg
from portal.feedback.routes_paper import paper_console
from portal.feedback.routes_review import burst_console
from portal.feedback.schemas import (
    AGE_BANDS,
    COMMENT_MAX,
    EDUCATION,
    OCCUPATIONS,
    SEXES,
    SurveyAnswers,
    parse_survey,
)
from portal.insight import published
from portal.timeutil import local_day
from portal.tokens import new_token, verify
from portal.web import client_key, request_lang, t
from survey.instrument import UNSUR_2017

VISIT_COOKIE = "portal_visit"
VISIT_COOKIE_MAX_AGE = 60 * 24 * 3600  # multi-day services: the citizen comes back to follow the case


# --- helpers ----------------------------------------------------------------------------------------------


def _settings(request: Request):
    return request.app.state.settings


def _not_found(message: str) -> NotFoundException:
    """A 404 whose message is already translated for the request."""
    return NotFoundException(message)


async def _counter(request: Request, counter_code: str) -> tuple[dict, dict, list[dict]]:
    """The counter, its unit and its services with their standards in force (cached per process)."""
    found = await queries.counter_context(counter_code)
    if found is None:
        raise _not_found(t(request, "This counter code is not known. Please check the code on the poster."))
    return found


async def _counter_service(request: Request, counter_code: str, service_slug: str) -> tuple[dict, dict, dict]:
    counter, unit, services = await _counter(request, counter_code)
    service = next((s for s in services if s["slug"] == service_slug), None)
    if service is None:
        raise _not_found(t(request, "This counter does not serve this service."))
    return counter, unit, service


async def _own_visit(request: Request) -> dict | None:
    """The visit named by the citizen's HttpOnly cookie (signature checked before any lookup)."""
    token = request.cookies.get(VISIT_COOKIE)
    if not token or not verify(_settings(request).secret_key, token):
        return None
    return await queries.visit_by_token(token)


async def _cookie_visit(request: Request, counter: dict, service: dict) -> dict | None:
    """The citizen's own scan visit (from the HttpOnly cookie) when it belongs to this counter and service."""
    visit = await _own_visit(request)
    if visit is None or visit["counter"] != counter["id"] or visit["service"] != service["id"]:
        return None
    return visit


def visit_status(visit: dict) -> str:
    for stage, status in (("delivered", "delivered"), ("finished", "finished"), ("served", "being_served"),
                          ("called", "called")):
        if visit.get(f"{stage}_at") is not None:
            return status
    return "waiting"


def status_label(request: Request, status: str) -> str:
    labels = {"waiting": t(request, "Waiting"), "called": t(request, "Called to the counter"),
              "being_served": t(request, "Being served"), "finished": t(request, "Finished"),
              "delivered": t(request, "Product delivered")}
    return labels[status]


def _service_name(request: Request, service: dict) -> str:
    return service["name_en"] if request_lang(request) == "en" and service.get("name_en") else service["name"]


def _unsur(request: Request) -> list[dict]:
    english = request_lang(request) == "en"
    return [{"field": f"u{i}", "code": u.code, "name": u.name_en if english else u.name_id,
             "labels": u.labels_en if english else u.labels_id} for i, u in enumerate(UNSUR_2017, start=1)]


_CSRF_MARK, _STAMP_MARK = "CSRFTOKENMARK0", "FORMSTAMPMARK0"


def _blank_form_html(request: Request, context: dict[str, Any]) -> str:
    """The survey form without answers or errors: the same for every citizen of a counter and service in one
    language but for its CSRF token and stamp, so it is rendered once per process (cached with the catalog,
    portal.cache) and the two values are filled in per request."""
    lang = request_lang(request)
    key = ("survey_form", context["action"], context["service"]["id"], lang)
    html = cache.catalog.get(key, None)
    if html is None:
        template = request.app.template_engine.get_template("feedback/_survey_form.html")
        html = template.render({**context, "request": request, "stamp": _STAMP_MARK,
                                "csrf_input": f'<input type="hidden" name="_csrf_token" value="{_CSRF_MARK}">'})
        cache.catalog.put(key, html)
    return html.replace(_CSRF_MARK, csrf_token({"request": request})).replace(_STAMP_MARK, context["stamp"])


def _survey_context(request: Request, action: str, service: dict, *, values: dict | None = None,
                    errors: list | None = None, stamp: str | None = None) -> dict[str, Any]:
    context = {
        "action": action, "service": service, "service_name": _service_name(request, service),
        "unsur": _unsur(request), "values": values or {}, "errors": errors or [],
        "error_fields": {e.field for e in errors or []},
        "stamp": stamp or antiabuse.new_stamp(_settings(request).secret_key), "honeypot": antiabuse.HONEYPOT,
        "comment_max": COMMENT_MAX, "sexes": SEXES, "age_bands": AGE_BANDS, "education": EDUCATION,
        "occupations": OCCUPATIONS,
    }
    if not values and not errors and action.startswith("/c/"):  # a counter's form (a ticket's is its own)
        context["survey_form_html"] = _blank_form_html(request, context)
    return context


async def _submit_survey(request: Request, *, unit: dict, service: dict, counter_id: int | None,
                         visit: dict | None, channel: str, verified: bool, standard: dict | None,
                         action: str, page: dict[str, Any]) -> Template | Response:
    """Validate and store one survey; render the thank-you page (or the form again with errors, 400)."""
    form = await request.form()
    fields = {key: form.get(key) for key in form if isinstance(form.get(key), str)}
    lang = request_lang(request)
    if (fields.get(antiabuse.HONEYPOT) or "").strip():
        # A robot filled the hidden field: answer as if stored, store nothing.
        return Template("feedback/thanks.html", context={**page, **await _thanks(request, service, unit, None, standard)})
    answers, errors = parse_survey(fields, lang)
    stamp_value = fields.get("stamp")
    if answers is None:
        values = {k: (v[:COMMENT_MAX] if k == "comment" else v[:40]) for k, v in fields.items()}
        stamp = stamp_value if antiabuse.read_stamp(_settings(request).secret_key, stamp_value).valid else None
        return Template("feedback/survey.html", status_code=400, context={
            **page, **_survey_context(request, action, service, values=values, errors=errors, stamp=stamp)})
    stamp = antiabuse.read_stamp(_settings(request).secret_key, stamp_value)
    now = datetime.now(UTC)
    client = client_key(request, _settings(request))
    values = {
        **answers.columns(), "visit": visit["id"] if visit else None, "counter": counter_id,
        "service": service["id"], "unit": unit["id"], "channel": channel, "verified": verified,
        "flagged_fast": stamp.too_fast, "language": lang, "client_hash": client,
        "local_day": local_day(unit["timezone"], now), "submitted_at": now,
    }
    stored = await services.submit_response(values, stamp.nonce if stamp.valid else None,
                                            standard=None if visit else service["standard"])
    context = {**page, **await _thanks(request, service, unit, answers, standard), "already": stored is None}
    return _thanks_page(request, context)


def _thanks_page(request: Request, context: dict[str, Any]) -> Response | Template:
    """The thank-you page. Without a complaint notice it is the same for every citizen of a counter and service
    in one language until the refresher publishes new figures, so it is kept with those figures (portal.cache)."""
    if context["show_complaint"]:
        return Template("feedback/thanks.html", context=context)
    key = ("thanks", context["service"]["id"], (context.get("counter") or {}).get("id"), request_lang(request),
           context["already"], context.get("back"), context["results_html"])
    html = cache.published.get(key, None)
    if html is None:
        template = request.app.template_engine.get_template("feedback/thanks.html")
        html = template.render({**context, "request": request})
        cache.published.put(key, html)
    return Response(content=html, media_type="text/html; charset=utf-8")


def _results_html(request: Request, unit: dict, found: tuple[dict, datetime] | None, service_id: int) -> str:
    """The service's published results as HTML: the same for every citizen until the refresher publishes new
    figures, so rendered once per language and publication (kept with the published figures, portal.cache)."""
    key = ("results_html", service_id, request_lang(request), found[1] if found else None)
    html = cache.published.get(key, None)
    if html is None:
        template = request.app.template_engine.get_template("feedback/_results.html")
        html = template.render({"request": request, "unit": unit, "results": found[0] if found else None,
                                "results_as_of": found[1] if found else None,
                                "results_days": published.RECENT_DAYS})
        cache.published.put(key, html)
    return html


async def _thanks(request: Request, service: dict, unit: dict, answers: SurveyAnswers | None,
                  standard: dict | None) -> dict:
    fee = (standard or {}).get("fee") or 0
    overpaid = answers is not None and answers.amount_paid is not None and answers.amount_paid > fee
    found = await published.read(published.service_key(service["id"]))
    return {
        "service": service, "unit": unit, "standard": standard,
        "results_html": _results_html(request, unit, found, service["id"]),
        "show_complaint": answers is not None and (answers.low_answer or overpaid), "overpaid": overpaid,
        "amount_paid": answers.amount_paid if overpaid else None,
        "already": False,
    }


def _visit_cookie(request: Request, token: str) -> Cookie:
    return Cookie(key=VISIT_COOKIE, value=token, path="/", max_age=VISIT_COOKIE_MAX_AGE, httponly=True,
                  samesite="lax", secure=_settings(request).public_url.startswith("https://"))


# --- QR codes and posters ---------------------------------------------------------------------------------


@get("/c/{counter_code:str}/qr.svg", name="feedback_counter_qr")
async def counter_qr(request: Request, counter_code: str) -> Response:
    counter, _unit, _services = await _counter(request, counter_code)
    svg = qr_svg(counter_url(_settings(request).public_url, counter["code"]))
    return Response(content=svg, media_type="image/svg+xml", headers={"cache-control": "public, max-age=86400"})


@get("/c/{counter_code:str}/poster", name="feedback_counter_poster")
async def counter_poster(request: Request, counter_code: str) -> Template:
    counter, unit, _services = await _counter(request, counter_code)
    poster = await posters.poster(_settings(request).public_url, unit, counter, request_lang(request))
    return Template("feedback/posters.html", context={"unit": unit, "posters": [poster], "single": True})


@get("/units/{unit_slug:str}/posters", name="feedback_unit_posters")
async def unit_posters(request: Request, unit_slug: str) -> Template:
    unit = await posters.unit_by_slug(unit_slug)
    if unit is None:
        raise _not_found(t(request, "Page not found."))
    items = await posters.unit_posters(_settings(request).public_url, unit, request_lang(request))
    return Template("feedback/posters.html", context={"unit": unit, "posters": items, "single": False})


# --- scan at the counter ------------------------------------------------------------------------------------


@get("/c/{counter_code:str}", name="feedback_counter_page")
async def counter_page(request: Request, counter_code: str) -> Template | Redirect:
    counter, unit, services = await _counter(request, counter_code)
    own = await _own_visit(request)
    resumed = next((s for s in services if own and own["counter"] == counter["id"] and own["service"] == s["id"]),
                   None)
    if resumed is not None:  # the citizen's visit at this counter resumes on its service page
        return Redirect(path=f"/c/{counter['code']}/s/{resumed['slug']}", status_code=303)
    if len(services) == 1:
        return Redirect(path=f"/c/{counter['code']}/s/{services[0]['slug']}", status_code=303)
    for service in services:
        service["display_name"] = _service_name(request, service)
    return Template("feedback/counter.html", context={"counter": counter, "unit": unit, "services": services})


@get("/c/{counter_code:str}/s/{service_slug:str}", name="feedback_counter_service")
async def counter_service(request: Request, counter_code: str, service_slug: str) -> Template:
    counter, unit, service = await _counter_service(request, counter_code, service_slug)
    visit = await _cookie_visit(request, counter, service)
    answered = visit is not None and await queries.response_exists_for_visit(visit["id"])
    return Template("feedback/service.html", context={
        "counter": counter, "unit": unit, "service": service, "service_name": _service_name(request, service),
        "standard": service["standard"], "visit": visit, "status": visit_status(visit) if visit else None,
        "status_label": status_label(request, visit_status(visit)) if visit else None,
        "answered": answered, "progress": await progress.of_visit(visit, unit) if visit else None,
        "base": f"/c/{counter['code']}/s/{service['slug']}",
    })


@post("/c/{counter_code:str}/s/{service_slug:str}/start", name="feedback_visit_start", status_code=303,
      middleware=[antiabuse.rate_limit.middleware])
async def visit_start(request: Request, counter_code: str, service_slug: str) -> Redirect:
    counter, unit, service = await _counter_service(request, counter_code, service_slug)
    base = f"/c/{counter['code']}/s/{service['slug']}"
    current = await _cookie_visit(request, counter, service)
    if current is not None and visit_status(current) not in ("finished", "delivered"):
        return Redirect(path=base, status_code=303)  # a second tap resumes the open visit
    token = new_token(_settings(request).secret_key)
    standard = service["standard"]
    await services.start_scan_visit(unit, service["id"], counter["id"], standard["id"] if standard else None, token)
    return Redirect(path=base, status_code=303, cookies=[_visit_cookie(request, token)])


async def _stage(request: Request, counter_code: str, service_slug: str, stage: str) -> Redirect:
    counter, _unit, service = await _counter_service(request, counter_code, service_slug)
    visit = await _cookie_visit(request, counter, service)
    base = f"/c/{counter['code']}/s/{service['slug']}"
    if visit is None:
        raise ClientException(t(request, "No visit was started on this phone. Tap “I have arrived, start” first."),
                              status_code=409)
    await services.citizen_stage(visit, stage)
    return Redirect(path=f"{base}/survey" if stage == "finished" else base, status_code=303)


@post("/c/{counter_code:str}/s/{service_slug:str}/served", name="feedback_visit_served", status_code=303,
      middleware=[antiabuse.rate_limit.middleware])
async def visit_served(request: Request, counter_code: str, service_slug: str) -> Redirect:
    return await _stage(request, counter_code, service_slug, "served")


@post("/c/{counter_code:str}/s/{service_slug:str}/finished", name="feedback_visit_finished", status_code=303,
      middleware=[antiabuse.rate_limit.middleware])
async def visit_finished(request: Request, counter_code: str, service_slug: str) -> Redirect:
    return await _stage(request, counter_code, service_slug, "finished")


def _counter_page(counter: dict, unit: dict, service: dict) -> dict[str, Any]:
    return {"counter": counter, "unit": unit, "back": f"/c/{counter['code']}/s/{service['slug']}"}


@get("/c/{counter_code:str}/s/{service_slug:str}/survey", name="feedback_counter_survey")
async def counter_survey(request: Request, counter_code: str, service_slug: str) -> Template:
    counter, unit, service = await _counter_service(request, counter_code, service_slug)
    visit = await _cookie_visit(request, counter, service)
    page = _counter_page(counter, unit, service)
    if visit is not None and await queries.response_exists_for_visit(visit["id"]):
        return Template("feedback/thanks.html", context={
            **page, **await _thanks(request, service, unit, None, service["standard"]), "already": True})
    action = f"/c/{counter['code']}/s/{service['slug']}/survey"
    return Template("feedback/survey.html", context={**page, **_survey_context(request, action, service)})


@post("/c/{counter_code:str}/s/{service_slug:str}/survey", name="feedback_counter_survey_submit", status_code=200,
      middleware=[antiabuse.rate_limit.middleware])
async def counter_survey_submit(request: Request, counter_code: str, service_slug: str) -> Template | Response:
    counter, unit, service = await _counter_service(request, counter_code, service_slug)
    visit = await _cookie_visit(request, counter, service)
    standard = (await queries.standard_version(visit["standard_version"]) if visit else None) or service["standard"]
    return await _submit_survey(
        request, unit=unit, service=service, counter_id=counter["id"], visit=visit, channel="qr_counter",
        verified=False, standard=standard, action=f"/c/{counter['code']}/s/{service['slug']}/survey",
        page=_counter_page(counter, unit, service),
    )


# --- officer-issued ticket ----------------------------------------------------------------------------------


async def _ticket(request: Request, token: str) -> tuple[dict, dict, dict, dict | None]:
    if not verify(_settings(request).secret_key, token):  # forged or mistyped: no database lookup at all
        raise _not_found(t(request, "Ticket not recognised. Please check the QR code on your ticket."))
    visit = await queries.visit_by_token(token)
    if visit is None:
        raise _not_found(t(request, "Ticket not recognised. Please check the QR code on your ticket."))
    unit = await queries.unit_by_id(visit["unit"])
    service = await queries.service_by_id(visit["service"])
    assert unit is not None and service is not None
    standard = await queries.standard_version(visit["standard_version"])
    return visit, unit, service, standard


def _ticket_channel(visit: dict) -> tuple[str, bool]:
    """Officer-issued tickets give verified responses; a citizen's own scan visit stays unverified."""
    return ("qr_ticket", True) if visit["origin"] == "ticket" else ("qr_counter", False)


@get("/t/{token:str}", name="feedback_ticket_page")
async def ticket_page(request: Request, token: str) -> Template:
    visit, unit, service, standard = await _ticket(request, token)
    status = visit_status(visit)
    answered = await queries.response_exists_for_visit(visit["id"])
    survey_open = status in ("being_served", "finished", "delivered") and not answered
    context: dict[str, Any] = {
        "visit": visit, "unit": unit, "service": service, "service_name": _service_name(request, service),
        "standard": standard, "status": status, "status_label": status_label(request, status),
        "answered": answered, "survey_open": survey_open,
        "progress": await progress.of_visit(visit, unit), "back": f"/t/{token}",
        "counter": await Counter.select(Counter.name, Counter.code).where(Counter.id == visit["counter"]).first()
        .run() if visit["counter"] else None,  # where to go once called
    }
    if survey_open:
        context.update(_survey_context(request, f"/t/{token}/survey", service))
    return Template("feedback/ticket.html", context=context)


@post("/t/{token:str}/survey", name="feedback_ticket_survey_submit", status_code=200,
      middleware=[antiabuse.rate_limit.middleware])
async def ticket_survey_submit(request: Request, token: str) -> Template | Response:
    visit, unit, service, standard = await _ticket(request, token)
    if visit_status(visit) in ("waiting", "called"):
        raise ClientException(t(request, "The survey opens once you have been served."), status_code=409)
    channel, verified = _ticket_channel(visit)
    return await _submit_survey(
        request, unit=unit, service=service, counter_id=visit["counter"], visit=visit, channel=channel,
        verified=verified, standard=standard or service.get("standard"), action=f"/t/{token}/survey",
        page={"back": f"/t/{token}", "unit": unit},
    )


public = Router(
    path="/", opt={"exclude_from_auth": True}, include_in_schema=False,
    route_handlers=[counter_qr, counter_poster, unit_posters, counter_page, counter_service, visit_start,
                    visit_served, visit_finished, counter_survey, counter_survey_submit, ticket_page,
                    ticket_survey_submit],
)
route_handlers = [public, paper_console, burst_console]
