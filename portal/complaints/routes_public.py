"""Citizen routes: file a complaint (no account, no JavaScript), follow it by tracking code, and the JSON status."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import ClientException, NotFoundException
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from portal.complaints import codes, queries, services
from portal.complaints.deadlines import DEFAULT_CONTACT_DAYS
from portal.complaints.images import ImageRefused, clean_off_loop
from portal.complaints.schemas import (
    CONTACT_MAX,
    DESCRIPTION_MAX,
    ComplaintStatus,
    RatingForm,
    ReplyForm,
    _t,
    parse_complaint,
)
from portal.complaints.web import category_labels, public_status, score_labels
from portal.db.tables_complaints import RATING_SCORES
from portal.feedback import antiabuse
from portal.timeutil import DEFAULT_TIMEZONE, local_day
from portal.web import FORM, client_key, request_lang, t

PUBLIC = {"exclude_from_auth": True}
#: Complaint POSTs per client (keyed address hash) per minute; fewer than the survey's, as complaints are rarer.
POSTS_PER_MINUTE = 30
#: The upload limit of the complaint form: large enough that a too-big photo reaches the handler and is refused
#: with the form kept (nothing the citizen wrote is lost); the photo itself may be at most 2 MB.
FORM_MAX_BYTES = 16 * 1024 * 1024

#: Tracking-code look-ups (the status page, its JSON and the look-up form) per client per minute: a citizen checks
#: a code a few times; 60 leaves room for many phones behind one carrier address (CGNAT), as the survey does. A
#: code has 50 random bits, so guessing was never practical; the limit keeps a script from trying.
LOOKUPS_PER_MINUTE = 60

rate_limit = RateLimitConfig(rate_limit=("minute", POSTS_PER_MINUTE), store="complaints_rate_limit",
                             identifier_for_request=lambda request: client_key(request, request.app.state.settings),
                             check_throttle_handler=lambda request: request.method == "POST")


async def _is_lookup(request: Request) -> bool:
    """A GET that looks a code up (the bare look-up form, without ?code=, is not counted)."""
    return request.method in ("GET", "HEAD") and (
        request.scope["route_handler"].name != "complaints_track_form" or "code" in request.query_params)


#: Per client (the keyed, daily-salted address hash of portal.web.client_key, never the address), in its own store
#: (Redis when configured, so every worker counts together).
lookup_rate_limit = RateLimitConfig(rate_limit=("minute", LOOKUPS_PER_MINUTE), store="complaints_lookup_rate",
                                    identifier_for_request=lambda request: client_key(request,
                                                                                      request.app.state.settings),
                                    check_throttle_handler=_is_lookup)


def _secret(request: Request) -> str:
    return request.app.state.settings.secret_key


async def _prefill(service_slug: str | None,
                   counter_code: str | None) -> tuple[queries.ServiceRow | None, queries.CounterRow | None]:
    service = await queries.service_by_slug(service_slug) if service_slug else None
    counter = await queries.counter_by_code(counter_code) if counter_code else None
    if counter is not None and service is not None and counter["unit"] != service["unit"]:
        counter = None
    return service, counter


async def _form_page(request: Request, values: dict[str, Any], errors: list[tuple[str, str]] | None = None,
                     stamp: str | None = None, status_code: int = 200) -> Template:
    services_ = await queries.services_of_units(None)
    units = {u["id"]: u for u in await queries.units(None)}
    groups: dict[int, dict] = {}
    for s in services_:
        groups.setdefault(s["unit"], {"unit": units.get(s["unit"]), "services": []})["services"].append(s)
    chosen = next((s for s in services_ if s["slug"] == values.get("service")), None)
    retention = (await queries.settings_of(chosen["unit"]))["contact_days"] if chosen else DEFAULT_CONTACT_DAYS
    return Template("complaints/new.html", status_code=status_code, context={
        "contact_days": retention,
        "values": values, "errors": [(f, t(request, m)) for f, m in errors or []],
        "error_fields": {f for f, _ in errors or []}, "groups": list(groups.values()),
        "categories": category_labels(request), "stamp": stamp or antiabuse.new_stamp(_secret(request)),
        "honeypot": antiabuse.HONEYPOT, "description_max": DESCRIPTION_MAX, "contact_max": CONTACT_MAX,
        "today": local_day(DEFAULT_TIMEZONE),
    })


Q = QueryParameter
MISTYPED = _t("This tracking code is mistyped: a character is wrong or missing. Please check it against your note.")


@get("/complaints/new", name="complaints_new", include_in_schema=False, opt=PUBLIC)
async def new_complaint(request: Request, service: Annotated[str | None, Q(name="service")] = None,
                        counter: Annotated[str | None, Q(name="counter")] = None,
                        category: Annotated[str | None, Q(name="category")] = None,
                        amount: Annotated[str | None, Q(name="amount")] = None) -> Template:
    """The complaint form, prefilled from ?service=SLUG&counter=CODE (and ?category=overcharge&amount=N)."""
    found_service, found_counter = await _prefill(service, counter)
    values = {"service": found_service["slug"] if found_service else "",
              "counter": found_counter["code"] if found_counter else "",
              "category": category or "", "amount": amount if amount and amount.isascii() and amount.isdigit() else "",
              "happened_on": local_day(DEFAULT_TIMEZONE).isoformat()}
    return await _form_page(request, values)


def _fields(form) -> dict[str, str]:
    return {key: form.get(key) for key in form if isinstance(form.get(key), str)}


@post("/complaints/new", name="complaints_file", include_in_schema=False,
      opt={**PUBLIC, "form_max_bytes": FORM_MAX_BYTES}, status_code=303,
      middleware=[rate_limit.middleware], request_max_body_size=FORM_MAX_BYTES)
async def file_complaint(request: Request) -> Template | Redirect:
    """Store a complaint and send the citizen to its tracking page; errors re-render the form with everything kept."""
    form = await request.form()
    fields = _fields(form)
    values = {k: (v[:DESCRIPTION_MAX + 100] if k == "description" else v[:200]) for k, v in fields.items()}
    stamp = antiabuse.read_stamp(_secret(request), fields.get("stamp"))
    service, counter = await _prefill(fields.get("service") or None, fields.get("counter") or None)
    today = local_day(DEFAULT_TIMEZONE)
    data, errors = parse_complaint(fields, today)
    if service is None:
        errors.append(("service", "Choose the service the complaint is about."))
    photo = None
    upload = form.get("photo")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            photo = await clean_off_loop(await upload.read())
        except ImageRefused as exc:
            errors.append(("photo", exc.message))
    if errors:
        return await _form_page(request, values, errors, fields.get("stamp") if stamp.valid else None, 400)
    assert data is not None and service is not None
    unit = await queries.unit_by_id(service["unit"])
    assert unit is not None
    flag = ("honeypot" if (fields.get(antiabuse.HONEYPOT) or "").strip()
            else "no_stamp" if not stamp.valid else "fast" if stamp.too_fast else "")
    code, _created = await services.file_complaint(
        data, unit=unit, service_id=service["id"], counter_id=counter["id"] if counter else None,
        language=request_lang(request), flag=flag, client_hash=client_key(request, request.app.state.settings),
        nonce=stamp.nonce if stamp.valid else None, photo=photo)
    return Redirect(path=f"{request.app.route_reverse('complaints_track', code=code)}?filed=1", status_code=303)


async def _lookup(request: Request, code_text: str) -> queries.ComplaintRow:
    code, _state = codes.parse(code_text)
    if code is None:  # mistyped: caught by the check character, no database lookup
        raise ClientException(t(request, MISTYPED))
    found = await queries.by_code(code)
    if found is None:
        raise NotFoundException(t(request, "No complaint has this tracking code."))
    return found


@get("/complaints", name="complaints_track_form", include_in_schema=False, opt=PUBLIC,
     middleware=[lookup_rate_limit.middleware])
async def track_form(request: Request, code: Annotated[str | None, Q(name="code")] = None) -> Template | Redirect:
    """Type a tracking code (e.g. from paper): a well-formed code goes to its page, a mistyped one is explained."""
    if not code:
        return Template("complaints/lookup.html", context={"code": "", "error": None})
    parsed, _state = codes.parse(code)
    if parsed is None:
        return Template("complaints/lookup.html", status_code=400, context={"code": code[:40], "error": t(request, MISTYPED)})
    return Redirect(path=request.app.route_reverse("complaints_track", code=parsed), status_code=303)


@get("/complaints/{code:str}", name="complaints_track", include_in_schema=False, opt=PUBLIC,
     middleware=[lookup_rate_limit.middleware])
async def track(request: Request, code: FromPath[str], filed: Annotated[str | None, Q(name="filed")] = None) -> Template:
    """The complaint's status, deadline and the unit's answer; works from any phone without a session. A mistyped
    (400) or unknown (404) code shows the look-up form again with the message, so the citizen can retype it."""
    try:
        found = await _lookup(request, code)
    except (ClientException, NotFoundException) as exc:
        return Template("complaints/lookup.html", status_code=exc.status_code,
                        context={"code": code[:40], "error": exc.detail})
    return await _track_page(request, found, filed=bool(filed))


async def _track_page(request: Request, found: queries.ComplaintRow, *, filed: bool = False, error: str | None = None,
                      form: dict[str, str] | None = None, status_code: int = 200) -> Template:
    """The tracking page: status, the citizen's own complaint (text and photo), the exchange with the unit, the
    reply form while the unit waits for an answer, the rating form once answered."""
    exchange = await queries.messages(found["id"])
    return Template("complaints/track.html", status_code=status_code, context={
        "c": await public_status(request, found), "code": found["code"], "code_display": codes.display(found["code"]),
        "filed": filed, "category_labels": category_labels(request), "description": found["description"],
        "has_photo": await queries.has_photo(found["id"]), "exchange": exchange,
        "question": queries.open_question(exchange), "rating": await queries.rating(found["id"]),
        "rateable": found["status"] in ("answered", "closed") and bool(found["answer"]),
        "scores": RATING_SCORES, "score_labels": score_labels(request), "error": error, "form": form or {},
        "message_max": services.MESSAGE_MAX, "note_max": services.RATING_NOTE_MAX})


def _back(request: Request, code: str, anchor: str) -> Redirect:
    return Redirect(path=f"{request.app.route_reverse('complaints_track', code=code)}#{anchor}", status_code=303)


@post("/complaints/{code:str}/reply", name="complaints_reply", include_in_schema=False, opt=PUBLIC,
      status_code=303, middleware=[rate_limit.middleware])
async def reply(request: Request, code: FromPath[str], data: Annotated[ReplyForm, FORM]) -> Template | Redirect:
    """The citizen's reply to the unit's question; the tracking code is the only key (no account)."""
    found = await _lookup(request, code)
    fields = msgspec.structs.asdict(data)
    question = data.question
    try:
        if not (question.isascii() and question.isdigit()):
            raise services.ComplaintError(_t("The unit did not ask this question; nothing was saved."), 409)
        await services.citizen_reply(found["code"], int(question), data.reply)
    except services.ComplaintError as exc:
        return await _track_page(request, found, error=t(request, exc.message), form=fields,
                                 status_code=exc.status_code)
    return _back(request, found["code"], "exchange")


@post("/complaints/{code:str}/rating", name="complaints_rate", include_in_schema=False, opt=PUBLIC,
      status_code=303, middleware=[rate_limit.middleware])
async def rate(request: Request, code: FromPath[str], data: Annotated[RatingForm, FORM]) -> Template | Redirect:
    """Did the answer resolve the complaint? A score and an optional note, once, after the answer."""
    found = await _lookup(request, code)
    fields = msgspec.structs.asdict(data)
    resolved, score = data.resolved, data.score
    try:
        if resolved not in ("yes", "no"):
            raise services.ComplaintError(_t("Say whether the answer resolved your complaint."))
        if not (score.isascii() and score.isdigit()):
            raise services.ComplaintError(_t("Choose how satisfied you are with the answer."))
        await services.rate_answer(found["code"], resolved == "yes", int(score), data.note)
    except services.ComplaintError as exc:
        return await _track_page(request, found, error=t(request, exc.message), form=fields,
                                 status_code=exc.status_code)
    return _back(request, found["code"], "rating")


@get("/complaints/{code:str}/photo", name="complaints_public_photo", include_in_schema=False, opt=PUBLIC,
     middleware=[lookup_rate_limit.middleware])
async def public_photo(request: Request, code: FromPath[str]) -> Response:
    """The complaint's receipt photo, for the holder of the tracking code (never cached by a shared cache)."""
    found = await _lookup(request, code)
    image = await queries.photo(found["id"])
    if image is None:
        raise NotFoundException(t(request, "This complaint has no photo."))
    return Response(content=bytes(image["data"]), media_type=image["media_type"],
                    headers={"cache-control": "private, no-store", "x-content-type-options": "nosniff",
                             "referrer-policy": "no-referrer"})


@get("/api/v1/complaints/{code:str}", name="complaints_api", opt=PUBLIC, tags=["complaints"],
     summary="Status of a complaint by its tracking code", middleware=[lookup_rate_limit.middleware])
async def api_complaint(request: Request, code: FromPath[str]) -> ComplaintStatus | Response:
    """Status, deadline (working days, the unit's holidays and closures) and the answer. Never the contact data.
    A code whose check character fails answers 400 with reason "mistyped"; an unknown valid code 404."""
    parsed, state = codes.parse(code)
    if parsed is None:
        return Response(content={"status": 400, "reason": state, "error": t(request, MISTYPED)}, status_code=400)
    found = await queries.by_code(parsed)
    if found is None:
        return Response(content={"status": 404, "reason": "not_found",
                                 "error": t(request, "No complaint has this tracking code.")}, status_code=404)
    return await public_status(request, found)


route_handlers = [new_complaint, file_complaint, track_form, track, reply, rate, public_photo, api_complaint]
