"""What the citizen pages share: the counter context, the citizen's own visit (HttpOnly cookie), the survey form
(rendered once per counter and language), storing a survey through portal.feedback.services, and the thank-you
page with the published results."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.response import Template
from litestar.template.base import csrf_token

from portal import cache
from portal.catalog.queries import ServiceRow, StandardVersionRow, UnitRow
from portal.feedback import antiabuse, queries, services
from portal.feedback.queries import CounterServiceRow
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
from portal.queue.queries import CounterRow, VisitRow
from portal.timeutil import local_day, utcnow
from portal.tokens import verify
from portal.web import client_key, request_lang, t
from survey.instrument import UNSUR_2017

VISIT_COOKIE = "portal_visit"
VISIT_COOKIE_MAX_AGE = 60 * 24 * 3600  # multi-day services: the citizen comes back to follow the case


# --- helpers ----------------------------------------------------------------------------------------------


def settings_of(request: Request):
    return request.app.state.settings


def not_found(message: str) -> NotFoundException:
    """A 404 whose message is already translated for the request."""
    return NotFoundException(message)


async def counter_context(request: Request, counter_code: str) -> tuple[CounterRow, UnitRow, list[CounterServiceRow]]:
    """The counter, its unit and its services with their standards in force (cached per process)."""
    found = await queries.counter_context(counter_code)
    if found is None:
        raise not_found(t(request, "This counter code is not known. Please check the code on the poster."))
    return found


async def counter_service_of(request: Request, counter_code: str,
                             service_slug: str) -> tuple[CounterRow, UnitRow, CounterServiceRow]:
    counter, unit, services = await counter_context(request, counter_code)
    service = next((s for s in services if s["slug"] == service_slug), None)
    if service is None:
        raise not_found(t(request, "This counter does not serve this service."))
    return counter, unit, service


async def own_visit(request: Request) -> VisitRow | None:
    """The visit named by the citizen's HttpOnly cookie (signature checked before any lookup)."""
    token = request.cookies.get(VISIT_COOKIE)
    if not token or not verify(settings_of(request).secret_key, token):
        return None
    return await queries.visit_by_token(token)


async def cookie_visit(request: Request, counter: CounterRow, service: ServiceRow) -> VisitRow | None:
    """The citizen's own scan visit (from the HttpOnly cookie) when it belongs to this counter and service."""
    visit = await own_visit(request)
    if visit is None or visit["counter"] != counter["id"] or visit["service"] != service["id"]:
        return None
    return visit


def visit_status(visit: VisitRow) -> str:
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


def service_name(request: Request, service: ServiceRow) -> str:
    return service["name_en"] if request_lang(request) == "en" and service.get("name_en") else service["name"]


def unsur_of(request: Request) -> list[dict]:
    english = request_lang(request) == "en"
    return [{"field": f"u{i}", "code": u.code, "name": u.name_en if english else u.name_id,
             "labels": u.labels_en if english else u.labels_id} for i, u in enumerate(UNSUR_2017, start=1)]


_CSRF_MARK, _STAMP_MARK = "CSRFTOKENMARK0", "FORMSTAMPMARK0"


def blank_form_html(request: Request, context: dict[str, Any]) -> str:
    """The survey form without answers or errors, with marks where its CSRF token and stamp go: the same for
    every citizen of a counter and service in one language, so it is rendered once per process (cached with the
    catalog, portal.cache); `fill_form_marks` puts in the two values of each request."""
    lang = request_lang(request)
    key = ("survey_form", context["action"], context["service"]["id"], lang)
    html = cache.catalog.get(key, None)
    if html is None:
        assert request.app.template_engine is not None  # create_app configures Jinja
        template = request.app.template_engine.get_template("feedback/_survey_form.html")
        html = template.render({**context, "request": request, "stamp": _STAMP_MARK,
                                "csrf_input": f'<input type="hidden" name="_csrf_token" value="{_CSRF_MARK}">'})
        cache.catalog.put(key, html)
    return html


def fill_form_marks(request: Request, html: str, stamp: str) -> str:
    return html.replace(_CSRF_MARK, csrf_token({"request": request})).replace(_STAMP_MARK, stamp)


def survey_context(request: Request, action: str, service: ServiceRow, *, values: dict | None = None,
                    errors: list | None = None, stamp: str | None = None) -> dict[str, Any]:
    context = {
        "action": action, "service": service, "service_name": service_name(request, service),
        "unsur": unsur_of(request), "values": values or {}, "errors": errors or [],
        "error_fields": {e.field for e in errors or []},
        "stamp": stamp or antiabuse.new_stamp(settings_of(request).secret_key), "honeypot": antiabuse.HONEYPOT,
        "comment_max": COMMENT_MAX, "sexes": SEXES, "age_bands": AGE_BANDS, "education": EDUCATION,
        "occupations": OCCUPATIONS,
    }
    return context


def blank_survey_page(request: Request, context: dict[str, Any]) -> Response | Template:
    """A counter's survey page with the blank form (context from `survey_context`, without answers or errors).
    Like the form itself, the whole page is the same for every citizen of the counter and service in one language
    but for the CSRF token and stamp, so it is rendered once per process (with the catalog cache) when the address
    carries no query but ?lang (other queries reach the page's language links, so those requests are rendered
    as usual, with the form kept once)."""
    marked = blank_form_html(request, context)
    if any(key != "lang" for key in request.query_params):
        return Template("feedback/survey.html", context={
            **context, "survey_form_html": fill_form_marks(request, marked, context["stamp"])})
    key = ("survey_page", request.url.path, request_lang(request), marked)
    html = cache.catalog.get(key, None)
    if html is None:
        assert request.app.template_engine is not None  # create_app configures Jinja
        template = request.app.template_engine.get_template("feedback/survey.html")
        html = template.render({**context, "request": request, "survey_form_html": marked})
        cache.catalog.put(key, html)
    return Response(content=fill_form_marks(request, html, context["stamp"]), media_type="text/html; charset=utf-8")


async def submit_survey(request: Request, *, unit: UnitRow, service: ServiceRow, counter_id: int | None,
                         visit: VisitRow | None, channel: str, verified: bool, standard: StandardVersionRow | None,
                         action: str, page: dict[str, Any]) -> Template | Response:
    """Validate and store one survey; render the thank-you page (or the form again with errors, 400)."""
    form = await request.form()
    fields = {key: value for key in form if isinstance(value := form.get(key), str)}
    lang = request_lang(request)
    if (fields.get(antiabuse.HONEYPOT) or "").strip():
        # A robot filled the hidden field: answer as if stored, store nothing.
        return Template("feedback/thanks.html", context={**page, **await thanks(request, service, unit, None, standard)})
    answers, errors = parse_survey(fields, lang)
    stamp_value = fields.get("stamp")
    if answers is None:
        values = {k: (v[:COMMENT_MAX] if k == "comment" else v[:40]) for k, v in fields.items()}
        stamp = stamp_value if antiabuse.read_stamp(settings_of(request).secret_key, stamp_value).valid else None
        return Template("feedback/survey.html", status_code=400, context={
            **page, **survey_context(request, action, service, values=values, errors=errors, stamp=stamp)})
    stamp = antiabuse.read_stamp(settings_of(request).secret_key, stamp_value)
    now = utcnow()
    client = client_key(request, settings_of(request))
    values = {
        **answers.columns(), "visit": visit["id"] if visit else None, "counter": counter_id,
        "service": service["id"], "unit": unit["id"], "channel": channel, "verified": verified,
        "flagged_fast": stamp.too_fast, "language": lang, "client_hash": client,
        "local_day": local_day(unit["timezone"], now), "submitted_at": now,
    }
    # An answer bound to no visit comes from a counter's page, whose services carry their standard in force.
    stored = await services.submit_response(values, stamp.nonce if stamp.valid else None,
                                            standard=None if visit else cast(CounterServiceRow, service)["standard"])
    context = {**page, **await thanks(request, service, unit, answers, standard), "already": stored is None}
    return thanks_page(request, context)


def thanks_page(request: Request, context: dict[str, Any]) -> Response | Template:
    """The thank-you page. Without a complaint notice it is the same for every citizen of a counter and service
    in one language until the refresher publishes new figures, so it is kept with those figures (portal.cache)."""
    if context["show_complaint"]:
        return Template("feedback/thanks.html", context=context)
    key = ("thanks", context["service"]["id"], (context.get("counter") or {}).get("id"), request_lang(request),
           context["already"], context.get("back"), context["results_html"])
    html = cache.published.get(key, None)
    if html is None:
        assert request.app.template_engine is not None  # create_app configures Jinja
        template = request.app.template_engine.get_template("feedback/thanks.html")
        html = template.render({**context, "request": request})
        cache.published.put(key, html)
    return Response(content=html, media_type="text/html; charset=utf-8")


def results_html(request: Request, unit: UnitRow, found: tuple[dict, datetime] | None, service_id: int) -> str:
    """The service's published results as HTML: the same for every citizen until the refresher publishes new
    figures, so rendered once per language and publication (kept with the published figures, portal.cache)."""
    key = ("results_html", service_id, request_lang(request), found[1] if found else None)
    html = cache.published.get(key, None)
    if html is None:
        assert request.app.template_engine is not None  # create_app configures Jinja
        template = request.app.template_engine.get_template("feedback/_results.html")
        html = template.render({"request": request, "unit": unit, "results": found[0] if found else None,
                                "results_as_of": found[1] if found else None,
                                "results_days": published.RECENT_DAYS})
        cache.published.put(key, html)
    return html


async def thanks(request: Request, service: ServiceRow, unit: UnitRow, answers: SurveyAnswers | None,
                  standard: StandardVersionRow | None) -> dict:
    fee = (standard or {}).get("fee") or 0
    overpaid = answers is not None and answers.amount_paid is not None and answers.amount_paid > fee
    found = await published.read(published.service_key(service["id"]))
    return {
        "service": service, "unit": unit, "standard": standard,
        "results_html": results_html(request, unit, found, service["id"]),
        "show_complaint": answers is not None and (answers.low_answer or overpaid), "overpaid": overpaid,
        "amount_paid": answers.amount_paid if answers is not None and overpaid else None,
        "already": False,
    }


def visit_cookie(request: Request, token: str) -> Cookie:
    return Cookie(key=VISIT_COOKIE, value=token, path="/", max_age=VISIT_COOKIE_MAX_AGE, httponly=True,
                  samesite="lax", secure=settings_of(request).public_url.startswith("https://"))

