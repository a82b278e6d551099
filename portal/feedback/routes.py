"""Citizen QR loop (counter QR, posters, scan visits, ticket status, survey, thank-you) and paper-form imports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.datastructures import Cookie, UploadFile
from litestar.exceptions import ClientException, NotFoundException
from litestar.response import Redirect, Template

from portal.accounts.guards import ensure_unit_access, require_roles
from portal.db.tables import Counter
from portal.feedback import antiabuse, paper, posters, progress, queries
from portal.feedback.qr import counter_url, qr_svg
from portal.feedback.schemas import (
    AGE_BANDS,
    COMMENT_MAX,
    EDUCATION,
    OCCUPATIONS,
    SEXES,
    SurveyAnswers,
    parse_survey,
)
from portal.insight.results import service_results
from portal.timeutil import local_day
from portal.tokens import new_token, verify
from portal.web import client_key, request_lang, t
from survey.csvio import TallyError
from survey.instrument import UNSUR_2017

VISIT_COOKIE = "portal_visit"
VISIT_COOKIE_MAX_AGE = 60 * 24 * 3600  # multi-day services: the citizen comes back to follow the case
RESULTS_DAYS = 90
DUPLICATE_WINDOW = timedelta(minutes=30)


# --- helpers ----------------------------------------------------------------------------------------------


def _settings(request: Request):
    return request.app.state.settings


def _not_found(message: str) -> NotFoundException:
    """A 404 whose message is already translated for the request."""
    return NotFoundException(message)


async def _counter(request: Request, counter_code: str) -> tuple[dict, dict]:
    counter = await queries.counter_by_code(counter_code)
    if counter is None:
        raise _not_found(t(request, "This counter code is not known. Please check the code on the poster."))
    unit = await queries.unit_by_id(counter["unit"])
    assert unit is not None
    return counter, unit


async def _counter_service(request: Request, counter_code: str, service_slug: str) -> tuple[dict, dict, dict]:
    counter, unit = await _counter(request, counter_code)
    services = await queries.services_of_counter(counter["id"])
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


def _survey_context(request: Request, action: str, service: dict, *, values: dict | None = None,
                    errors: list | None = None, stamp: str | None = None) -> dict[str, Any]:
    return {
        "action": action, "service": service, "service_name": _service_name(request, service),
        "unsur": _unsur(request), "values": values or {}, "errors": errors or [],
        "error_fields": {e.field for e in errors or []},
        "stamp": stamp or antiabuse.new_stamp(_settings(request).secret_key), "honeypot": antiabuse.HONEYPOT,
        "comment_max": COMMENT_MAX, "sexes": SEXES, "age_bands": AGE_BANDS, "education": EDUCATION,
        "occupations": OCCUPATIONS,
    }


async def _results(service: dict, unit: dict) -> dict | None:
    today = local_day(unit["timezone"])
    return await service_results(service["id"], today - timedelta(days=RESULTS_DAYS - 1), today)


async def _submit_survey(request: Request, *, unit: dict, service: dict, counter_id: int | None,
                         visit: dict | None, channel: str, verified: bool, standard: dict | None,
                         action: str, page: dict[str, Any]) -> Template:
    """Validate and store one survey; render the thank-you page (or the form again with errors, 400)."""
    form = await request.form()
    fields = {key: form.get(key) for key in form if isinstance(form.get(key), str)}
    lang = request_lang(request)
    if (fields.get(antiabuse.HONEYPOT) or "").strip():
        # A robot filled the hidden field: answer as if stored, store nothing.
        return Template("feedback/thanks.html", context={**page, **await _thanks(service, unit, None, standard)})
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
    duplicate = visit is None and await queries.recent_duplicate(client, service["id"], values, now - DUPLICATE_WINDOW)
    stored = None if duplicate else await queries.save_response(values, stamp.nonce if stamp.valid else None)
    context = {**page, **await _thanks(service, unit, answers, standard), "already": stored is None}
    return Template("feedback/thanks.html", context=context)


async def _thanks(service: dict, unit: dict, answers: SurveyAnswers | None, standard: dict | None) -> dict:
    fee = (standard or {}).get("fee") or 0
    overpaid = answers is not None and answers.amount_paid is not None and answers.amount_paid > fee
    return {
        "service": service, "unit": unit, "standard": standard, "results": await _results(service, unit),
        "show_complaint": answers is not None and (answers.low_answer or overpaid), "overpaid": overpaid,
        "already": False, "results_days": RESULTS_DAYS,
    }


def _visit_cookie(request: Request, token: str) -> Cookie:
    return Cookie(key=VISIT_COOKIE, value=token, path="/", max_age=VISIT_COOKIE_MAX_AGE, httponly=True,
                  samesite="lax", secure=_settings(request).public_url.startswith("https://"))


# --- QR codes and posters ---------------------------------------------------------------------------------


@get("/c/{counter_code:str}/qr.svg", name="feedback_counter_qr")
async def counter_qr(request: Request, counter_code: str) -> Response:
    counter, _unit = await _counter(request, counter_code)
    svg = qr_svg(counter_url(_settings(request).public_url, counter["code"]))
    return Response(content=svg, media_type="image/svg+xml", headers={"cache-control": "public, max-age=86400"})


@get("/c/{counter_code:str}/poster", name="feedback_counter_poster")
async def counter_poster(request: Request, counter_code: str) -> Template:
    counter, unit = await _counter(request, counter_code)
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
    counter, unit = await _counter(request, counter_code)
    services = await queries.services_of_counter(counter["id"])
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
    await queries.create_scan_visit(unit, service["id"], counter["id"], standard["id"] if standard else None, token)
    return Redirect(path=base, status_code=303, cookies=[_visit_cookie(request, token)])


async def _stage(request: Request, counter_code: str, service_slug: str, stage: str) -> Redirect:
    counter, _unit, service = await _counter_service(request, counter_code, service_slug)
    visit = await _cookie_visit(request, counter, service)
    base = f"/c/{counter['code']}/s/{service['slug']}"
    if visit is None:
        raise ClientException(t(request, "No visit was started on this phone. Tap “I have arrived, start” first."),
                              status_code=409)
    await queries.mark_stage(visit, stage)
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
    if visit is not None:
        if await queries.response_exists_for_visit(visit["id"]):
            return Template("feedback/thanks.html", context={
                **page, **await _thanks(service, unit, None, service["standard"]), "already": True})
        await queries.mark_survey_offered(visit)
    action = f"/c/{counter['code']}/s/{service['slug']}/survey"
    return Template("feedback/survey.html", context={**page, **_survey_context(request, action, service)})


@post("/c/{counter_code:str}/s/{service_slug:str}/survey", name="feedback_counter_survey_submit", status_code=200,
      middleware=[antiabuse.rate_limit.middleware])
async def counter_survey_submit(request: Request, counter_code: str, service_slug: str) -> Template:
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
        await queries.mark_survey_offered(visit)
        context.update(_survey_context(request, f"/t/{token}/survey", service))
    return Template("feedback/ticket.html", context=context)


@post("/t/{token:str}/survey", name="feedback_ticket_survey_submit", status_code=200,
      middleware=[antiabuse.rate_limit.middleware])
async def ticket_survey_submit(request: Request, token: str) -> Template:
    visit, unit, service, standard = await _ticket(request, token)
    if visit_status(visit) in ("waiting", "called"):
        raise ClientException(t(request, "The survey opens once you have been served."), status_code=409)
    channel, verified = _ticket_channel(visit)
    return await _submit_survey(
        request, unit=unit, service=service, counter_id=visit["counter"], visit=visit, channel=channel,
        verified=verified, standard=standard or service.get("standard"), action=f"/t/{token}/survey",
        page={"back": f"/t/{token}", "unit": unit},
    )


# --- paper forms (back office) ------------------------------------------------------------------------------

IMPORT_ROLES = ("manager", "head")


def _scope(request: Request) -> list[int] | None:
    user = request.user
    return None if user.is_admin else sorted(user.unit_ids)


async def _imports_page(request: Request, *, errors: list | None = None, form: dict | None = None,
                        message: str | None = None, status_code: int = 200) -> Template:
    scope = _scope(request)
    return Template("feedback/imports.html", status_code=status_code, context={
        "batches": await queries.paper_batches(scope), "services": await queries.services_of_units(scope),
        "errors": [(r, c, paper.explain(why, request_lang(request))) for r, c, why in errors or []],
        "form": form or {}, "message": message, "columns": ("u1..u9", *paper.OPTIONAL_COLUMNS),
    })


@get("/console/imports", name="feedback_paper_imports", guards=[require_roles(*IMPORT_ROLES)])
async def paper_imports(request: Request) -> Template:
    return await _imports_page(request)


def _form_date(text: str) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


@post("/console/imports", name="feedback_paper_import", guards=[require_roles(*IMPORT_ROLES)], status_code=303)
async def paper_import(request: Request) -> Template | Redirect:
    form = await request.form()
    slug = form.get("service") if isinstance(form.get("service"), str) else ""
    kept = {"service": slug, "period_from": form.get("period_from") or "", "period_to": form.get("period_to") or ""}
    service = await queries.service_by_slug(slug) if slug else None
    if service is None:
        return await _imports_page(request, form=kept, status_code=400,
                                   message=t(request, "Choose the service the forms are about."))
    ensure_unit_access(request, service["unit"])
    period_from, period_to = _form_date(kept["period_from"]), _form_date(kept["period_to"])
    if period_from is None or period_to is None or period_from > period_to:
        return await _imports_page(request, form=kept, status_code=400,
                                   message=t(request, "Give the period as two dates, the first not after the second."))
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _imports_page(request, form=kept, status_code=400,
                                   message=t(request, "Choose a CSV or XLSX file."))
    content = await upload.read()
    try:
        rows = paper.parse_paper(paper.read_table(content, upload.filename), period_from, period_to)
    except TallyError as exc:
        return await _imports_page(request, form=kept, status_code=400, errors=exc.errors,
                                   message=t(request, "Nothing was imported: correct these rows and upload the "
                                                      "whole file again."))
    batch_id = await queries.import_paper(service, period_from, period_to, upload.filename, request.user.id, rows)
    return Redirect(path=f"/console/imports/{batch_id}", status_code=303)


@get("/console/imports/{batch_id:int}", name="feedback_paper_import_batch", guards=[require_roles(*IMPORT_ROLES)])
async def paper_import_batch(request: Request, batch_id: int) -> Template:
    batch = await queries.paper_batch(batch_id)
    if batch is None:
        raise _not_found(t(request, "Page not found."))
    ensure_unit_access(request, batch["unit"])
    return Template("feedback/import_batch.html", context={
        "batch": batch, "days": await queries.paper_batch_days(batch_id)})


public = Router(
    path="/", opt={"exclude_from_auth": True}, include_in_schema=False,
    route_handlers=[counter_qr, counter_poster, unit_posters, counter_page, counter_service, visit_start,
                    visit_served, visit_finished, counter_survey, counter_survey_submit, ticket_page,
                    ticket_survey_submit],
)
console = Router(path="/", include_in_schema=False,
                 route_handlers=[paper_imports, paper_import, paper_import_batch])
route_handlers = [public, console]
