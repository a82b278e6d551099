"""Staff routes: the complaint register of the user's units, one complaint with its transitions, paper/phone/LAPOR!
records by officers, the unit's deadline table. Contact data is shown to managers and heads only."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from portal.accounts.guards import current_user, ensure_can, requires
from portal.accounts.permissions import units_visible
from portal.complaints import codes, queries, services
from portal.complaints.deadlines import CLASSES
from portal.complaints.schemas import (
    CONTACT_MAX,
    DESCRIPTION_MAX,
    RecordForm,
    SettingsForm,
    TransitionForm,
    parse_complaint,
)
from portal.complaints.web import (
    action_labels,
    category_labels,
    channel_labels,
    class_labels,
    flag_labels,
    score_labels,
    status_labels,
)
from portal.db.tables_complaints import CATEGORIES, CHANNELS, OPEN_STATUSES, STATUSES
from portal.timeutil import DEFAULT_TIMEZONE, local_day
from portal.web import FORM, request_lang, t

Q = QueryParameter


def _scope(request: Request) -> list[int] | None:
    units = units_visible(current_user(request))
    return None if units is None else sorted(units)


def _date(request: Request, text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ClientException(t(request, "Give the date as YYYY-MM-DD.")) from None


def _labels(request: Request) -> dict[str, Any]:
    return {"category_labels": category_labels(request), "status_labels": status_labels(request),
            "class_labels": class_labels(request), "channel_labels": channel_labels(request),
            "flag_labels": flag_labels(request),
            "code_display": codes.display}


@get("/console/complaints", name="complaints_register", include_in_schema=False, guards=[requires("complaints.handle")])
async def register(request: Request, unit: Annotated[str | None, Q(name="unit")] = None,
                   status: Annotated[str | None, Q(name="status")] = None,
                   category: Annotated[str | None, Q(name="category")] = None,
                   channel: Annotated[str | None, Q(name="channel")] = None,
                   overdue: Annotated[str | None, Q(name="overdue")] = None,
                   date_from: Annotated[str | None, Q(name="from")] = None,
                   date_to: Annotated[str | None, Q(name="to")] = None,
                   code: Annotated[str | None, Q(name="code")] = None) -> Template:
    """The register: overdue complaints first, then open ones by due date, then the rest newest first."""
    units = await queries.units(_scope(request))
    unit_ids = [u["id"] for u in units]
    if unit:
        chosen = next((u for u in units if u["slug"] == unit), None)
        if chosen is None:
            raise ClientException(t(request, "Unknown unit %(value)s.", value=unit[:80]))
        unit_ids = [chosen["id"]]
    for value, allowed in ((status, STATUSES), (category, CATEGORIES), (channel, CHANNELS)):
        if value and value not in allowed:
            raise ClientException(t(request, "Unknown filter value %(value)s.", value=value[:40]))
    parsed_code = None
    if code:
        parsed_code, _state = codes.parse(code)
        if parsed_code is None:
            raise ClientException(t(request, "This tracking code is mistyped: a character is wrong or missing. "
                                             "Please check it against your note."))
    filters = {"status": status, "category": category, "channel": channel, "overdue": overdue == "1",
               "date_from": _date(request, date_from), "date_to": _date(request, date_to), "code": parsed_code}
    today_of = {u["id"]: local_day(u["timezone"]) for u in units}
    rows = await queries.register(unit_ids, filters, today_of)
    rated = await queries.ratings([r["id"] for r in rows])
    names = {u["id"]: u["name"] for u in units}
    services_ = {s["id"]: s["name"] for s in await queries.services_of_units(unit_ids)}
    return Template("complaints/register.html", context={
        "rows": rows, "ratings": rated, "score_labels": score_labels(request), "units": units, "unit_names": names, "service_names": services_,
        "filters": {"unit": unit or "", "status": status or "", "category": category or "",
                    "channel": channel or "", "overdue": overdue == "1", "from": date_from or "",
                    "to": date_to or "", "code": code or ""},
        "statuses": STATUSES, "categories": CATEGORIES, "channels": CHANNELS, **_labels(request)})


async def _record_page(request: Request, values: dict, errors: list[tuple[str, str]] | None = None,
                       status_code: int = 200) -> Template:
    services_ = await queries.services_of_units(_scope(request))
    return Template("complaints/record.html", status_code=status_code, context={
        "values": values, "errors": [(f, t(request, m)) for f, m in errors or []],
        "error_fields": {f for f, _ in errors or []}, "services": services_,
        "channels": [c for c in CHANNELS if c != "web"], "description_max": DESCRIPTION_MAX,
        "contact_max": CONTACT_MAX, **_labels(request)})


@get("/console/complaints/new", name="complaints_record_form", include_in_schema=False, guards=[requires("complaints.record")])
async def record_form(request: Request) -> Template:
    """Officers, managers and heads record a complaint received on paper, by phone or through SP4N-LAPOR!."""
    return await _record_page(request, {"channel": "paper"})


@post("/console/complaints/new", name="complaints_record", include_in_schema=False, guards=[requires("complaints.record")], status_code=303)
async def record(request: Request, data: Annotated[RecordForm, FORM]) -> Template | Redirect:
    fields = msgspec.structs.asdict(data)
    values = {k: v[:DESCRIPTION_MAX + 100] for k, v in fields.items()}
    service = await queries.service_by_slug(fields.get("service") or "") if fields.get("service") else None
    unit = await queries.unit_by_id(service["unit"]) if service is not None else None
    parsed, errors = parse_complaint(fields, local_day(unit["timezone"] if unit else DEFAULT_TIMEZONE), staff=True)
    if service is None:
        errors.append(("service", "Choose the service the complaint is about."))
    else:
        ensure_can(request, "complaints.record", service["unit"])
    if errors:
        return await _record_page(request, values, errors, 400)
    assert parsed is not None and service is not None and unit is not None
    code, _created = await services.file_complaint(parsed, unit=unit, service_id=service["id"], counter_id=None,
                                                   language=request_lang(request), actor=current_user(request))
    return Redirect(path=f"{request.app.route_reverse('complaints_track', code=code)}?filed=1", status_code=303)


async def _complaint(request: Request, complaint_id: int, with_contact: bool = False) -> queries.ComplaintRow:
    found = await queries.by_id(complaint_id, with_contact=with_contact)
    if found is None:
        raise NotFoundException(t(request, "No such complaint."))
    ensure_can(request, "complaints.handle", found["unit"])
    return found


async def _detail(request: Request, found: queries.ComplaintRow, error: str | None = None,
                  status_code: int = 200) -> Template:
    unit = await queries.unit_by_id(found["unit"])
    assert unit is not None
    all_units = await queries.units(None)
    return Template("complaints/detail.html", status_code=status_code, context={
        "c": found, "unit": unit, "service": await queries.service_by_id(found["service"]),
        "counter": await queries.counter_by_id(found["counter"]),
        "first_unit": await queries.unit_by_id(found["first_unit"]) if found["first_unit"] else None,
        "history": await queries.history(found["id"]), "has_photo": await queries.has_photo(found["id"]),
        "exchange": (exchange := await queries.messages(found["id"])), "question": queries.open_question(exchange),
        "rating": await queries.rating(found["id"]), "score_labels": score_labels(request),
        "can_ask": found["status"] in OPEN_STATUSES, "action_labels": action_labels(request),
        "overdue": queries.is_overdue(found, local_day(unit["timezone"])), "error": error,
        "settings": await queries.settings_of(unit["id"]), "classes": CLASSES,
        "other_units": [u for u in all_units if u["id"] != unit["id"]],
        "steps": {a: found["status"] in services.TRANSITIONS[a][0] for a in services.TRANSITIONS},
        **_labels(request)})


@get("/console/complaints/{complaint_id:int}", name="complaints_detail", include_in_schema=False, guards=[requires("complaints.handle")])
async def detail(request: Request, complaint_id: FromPath[int]) -> Template:
    """One complaint with its contact (managers and heads of its unit), photo, history and next steps."""
    return await _detail(request, await _complaint(request, complaint_id, with_contact=True))


@get("/console/complaints/{complaint_id:int}/photo", name="complaints_photo", include_in_schema=False, guards=[requires("complaints.handle")])
async def photo(request: Request, complaint_id: FromPath[int]) -> Response:
    await _complaint(request, complaint_id)
    found = await queries.photo(complaint_id)
    if found is None:
        raise NotFoundException(t(request, "This complaint has no photo."))
    return Response(content=bytes(found["data"]), media_type=found["media_type"],
                    headers={"cache-control": "private, no-store", "x-content-type-options": "nosniff"})


@post("/console/complaints/{complaint_id:int}/nonconformity", name="complaints_nonconformity", include_in_schema=False, guards=[requires("complaints.handle")],
      status_code=303)
async def nonconformity(request: Request, complaint_id: FromPath[int]) -> Redirect:
    """Open a nonconformity (corrective action) from the complaint and link the two."""
    await _complaint(request, complaint_id)
    nc_id = await services.open_nonconformity(complaint_id, current_user(request))
    return Redirect(path=request.app.route_reverse("insight_action_detail", item_id=nc_id), status_code=303)


@post("/console/complaints/{complaint_id:int}/question", name="complaints_ask", include_in_schema=False,
      guards=[requires("complaints.handle")], status_code=303)
async def ask(request: Request, complaint_id: FromPath[int]) -> Template | Redirect:
    """Ask the citizen for more information: shown on the tracking page, where the citizen replies."""
    await _complaint(request, complaint_id)
    form = await request.form()
    question = form.get("question")
    try:
        await services.ask_citizen(complaint_id, question if isinstance(question, str) else "", current_user(request))
    except services.ComplaintError as exc:
        found = await _complaint(request, complaint_id, with_contact=True)
        return await _detail(request, found, t(request, exc.message), exc.status_code)
    return Redirect(path=request.app.route_reverse("complaints_detail", complaint_id=complaint_id), status_code=303)


@post("/console/complaints/{complaint_id:int}/{action:str}", name="complaints_transition", include_in_schema=False, guards=[requires("complaints.handle")],
      status_code=303)
async def transition(request: Request, complaint_id: FromPath[int], action: FromPath[str],
                     data: Annotated[TransitionForm, FORM]) -> Template | Redirect:
    """classify | start | answer | close | forward | reject: each audited; the answer is written once."""
    if action not in services.TRANSITIONS:
        raise NotFoundException(t(request, "Page not found."))
    await _complaint(request, complaint_id)
    fields = msgspec.structs.asdict(data)
    try:
        await services.transition(complaint_id, action, current_user(request), fields)
    except services.ComplaintError as exc:
        found = await _complaint(request, complaint_id, with_contact=True)
        return await _detail(request, found, t(request, exc.message), exc.status_code)
    after = await queries.by_id(complaint_id)
    if after is not None and not current_user(request).can_access_unit(after["unit"]):
        # forwarded out of the user's units
        return Redirect(path=request.app.route_reverse("complaints_register"), status_code=303)
    return Redirect(path=request.app.route_reverse("complaints_detail", complaint_id=complaint_id), status_code=303)


def _settings_unit(request: Request, units: list[queries.UnitListRow], slug: str | None) -> queries.UnitListRow:
    if not units:
        raise ClientException(t(request, "You are not allowed to do this."), status_code=403)
    chosen = next((u for u in units if u["slug"] == slug), None) if slug else units[0]
    if chosen is None:
        raise ClientException(t(request, "Unknown unit %(value)s.", value=(slug or "")[:80]))
    return chosen


@get("/console/complaints/settings", name="complaints_settings", include_in_schema=False, guards=[requires("complaints.handle")])
async def settings_page(request: Request, unit: Annotated[str | None, Q(name="unit")] = None) -> Template:
    """The unit's deadline table (working days per class) and how long contact data is kept after closure."""
    units = await queries.units(_scope(request))
    chosen = _settings_unit(request, units, unit)
    return Template("complaints/settings.html", context={
        "unit": chosen, "units": units, "values": await queries.settings_of(chosen["id"]), "error": None,
        "fields": services.SETTING_FIELDS, **_labels(request)})


@post("/console/complaints/settings", name="complaints_settings_save", include_in_schema=False, guards=[requires("complaints.handle")], status_code=303)
async def settings_save(request: Request, data: Annotated[SettingsForm, FORM]) -> Template | Redirect:
    units = await queries.units(_scope(request))
    chosen = _settings_unit(request, units, data.unit or None)
    values: dict[str, Any] = data.days()
    try:
        await services.save_settings(chosen["id"], values, current_user(request))
    except services.ComplaintError as exc:
        return Template("complaints/settings.html", status_code=400, context={
            "unit": chosen, "units": units, "values": {k: getattr(data, k) for k in services.SETTING_FIELDS},
            "error": t(request, exc.message), "fields": services.SETTING_FIELDS, **_labels(request)})
    return Redirect(path=f"{request.app.route_reverse('complaints_settings')}?unit={chosen['slug']}", status_code=303)


route_handlers = [register, record_form, record, detail, photo, nonconformity, ask, transition, settings_page,
                  settings_save]
