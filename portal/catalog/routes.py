"""Public catalog pages (home and search, unit, service, history, what changed) and the read-only JSON API v1."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, TypedDict
from zoneinfo import ZoneInfo

from litestar import Request, Router, get
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from portal import formatting
from portal.catalog import queries, routes_counters, routes_standards
from portal.catalog.diff import compare
from portal.catalog.schemas import CounterOut, ServiceOut, UnitOut, UnitRef, service_out, standard_out
from portal.catalog.search import MAX_QUERY_LENGTH, search
from portal.queue import waits
from portal.timeutil import utcnow
from portal.web import request_lang, t

TZ_LABELS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
_VERSION = re.compile(r"^[0-9]{1,6}$")

QueryText = Annotated[str | None, QueryParameter(description="search words (service, unit, requirements)",
                                                 max_length=MAX_QUERY_LENGTH * 4)]


def tz_label(timezone: str) -> str:
    return TZ_LABELS.get(timezone, timezone)


def local_date_of(value: datetime | None, timezone: str) -> date | None:
    """The unit-local calendar day of a UTC instant (an effective date is the unit's local midnight)."""
    return value.astimezone(ZoneInfo(timezone)).date() if value else None


def _search_text(request: Request, q: str | None) -> str:
    text = (q or "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise ClientException(detail=t(request, "The search text is too long (at most %(n)s characters).",
                                       n=MAX_QUERY_LENGTH))
    return text


class UnitGroup(TypedDict):
    """A unit and its listed services (the home page's groups)."""

    unit: queries.ServiceUnit
    services: list[queries.PublicServiceRow]


def group_by_unit(services: list[queries.PublicServiceRow]) -> list[UnitGroup]:
    """[{unit, services}] in the order the units first appear."""
    groups: dict[int, UnitGroup] = {}
    for service in services:
        unit = service["unit"]
        groups.setdefault(unit["id"], {"unit": unit, "services": []})["services"].append(service)
    return list(groups.values())


async def _service_or_404(request: Request, slug: str) -> queries.ServiceDetailRow:
    service = await queries.service_detail(slug) if SLUG.match(slug) else None
    if service is None or not service["active"]:
        raise NotFoundException(detail=t(request, "Service not found."))
    return service


# --------------------------------------------------------------------------- pages


@get("/", name="catalog_home", include_in_schema=False)
async def home(request: Request, q: QueryText = None) -> Template:
    text = _search_text(request, q)
    services = await queries.public_services()
    found = search(services, text)
    return Template("catalog/home.html", context={
        "q": text, "groups": group_by_unit(found), "found": len(found), "total": len(services),
        "units": await queries.public_units(), "tz_label": tz_label,
    })


@get("/search", name="catalog_search", include_in_schema=False)
async def search_page(request: Request, q: QueryText = None) -> Template:
    return await home.fn(request, q)


@get("/units/{unit_slug:str}", name="catalog_unit", include_in_schema=False)
async def unit_page(request: Request, unit_slug: FromPath[str]) -> Template:
    unit = await queries.unit_by_slug(unit_slug) if SLUG.match(unit_slug) else None
    if unit is None:
        raise NotFoundException(detail=t(request, "Unit not found."))
    parent = await queries.unit_by_id(unit["parent"]) if unit["parent"] else None
    return Template("catalog/unit.html", context={
        "unit": unit, "parent": parent, "tz": tz_label(unit["timezone"]),
        "services": await queries.public_services(unit_id=unit["id"]),
        "counters": await queries.public_counters(unit_id=unit["id"]),
        "children": [u for u in await queries.public_units() if u["parent_slug"] == unit["slug"]],
        "waits": await waits.live(unit),
    })


def _history_rows(versions: list[queries.VersionHistoryRow], timezone: str, now: datetime) -> list[dict[str, Any]]:
    """Versions with their public status: in force, upcoming, superseded, or draft (awaiting approval)."""
    approved = [v for v in versions if v["status"] == "approved"]
    current = queries.pick_in_force(approved, now)
    rows: list[dict[str, Any]] = []
    previous_published: queries.VersionHistoryRow | None = None
    for v in versions:
        if v["status"] != "approved":
            state = "draft"
        elif current is not None and v["id"] == current["id"]:
            state = "in_force"
        elif v["effective_from"] and v["effective_from"] > now:
            state = "upcoming"
        else:
            state = "superseded"
        rows.append({**v, "state": state, "effective_day": local_date_of(v["effective_from"], timezone),
                     "compare_from": previous_published["version"] if previous_published and state != "draft"
                     else None})
        if state != "draft":
            previous_published = v
    return rows


async def _waits_of(service: queries.ServiceDetailRow) -> dict[str, Any]:
    """The live waiting time of the service (portal.queue.waits) for the page's include."""
    unit = await queries.unit_by_id(service["unit"])
    assert unit is not None  # a service's unit exists (foreign key)
    state = await waits.live(unit)
    return {"waits": state, "wait": waits.of_service(state, service["slug"])}


@get("/services/{service_slug:str}", name="catalog_service", include_in_schema=False)
async def service_page(request: Request, service_slug: FromPath[str]) -> Template:
    service = await _service_or_404(request, service_slug)
    now = utcnow()
    versions = await queries.version_history(service["id"])
    approved = [v for v in versions if v["status"] == "approved"]
    current = queries.pick_in_force(approved, now)
    upcoming = queries.pick_upcoming(approved, now)
    timezone = service["unit_timezone"]
    return Template("catalog/service.html", context={
        "service": service, "standard": current, "upcoming": upcoming,
        "effective_day": local_date_of(current["effective_from"], timezone) if current else None,
        "upcoming_day": local_date_of(upcoming["effective_from"], timezone) if upcoming else None,
        "history": _history_rows(versions, timezone, now),
        "counters": await queries.counters_of_service(service["id"]),
        "tz": tz_label(timezone),
        **await _waits_of(service),
    })


@get("/services/{service_slug:str}/history", name="catalog_service_history", include_in_schema=False)
async def history_page(request: Request, service_slug: FromPath[str]) -> Template:
    service = await _service_or_404(request, service_slug)
    versions = await queries.version_history(service["id"])
    return Template("catalog/history.html", context={
        "service": service, "history": _history_rows(versions, service["unit_timezone"], utcnow()),
    })


def _version_number(request: Request, raw: str | None, name: str) -> int:
    if raw is None or not _VERSION.match(raw.strip()):
        raise ClientException(detail=t(request, "“%(name)s” must be a version number, for example 1.", name=name))
    return int(raw.strip())


def _display(request: Request, field: str, value: object, lang: str) -> str:
    if value is None or value == "":
        return "–"
    if field == "time_limit":
        number, unit = value  # type: ignore[misc]
        return formatting.time_limit_text(number, unit, lang)
    if field == "fee":
        return formatting.fee_text(value, lang)  # type: ignore[arg-type]
    if field.startswith("target_"):
        return formatting.percent(value, 0, lang)  # type: ignore[arg-type]
    return str(value)


def field_labels(request: Request) -> dict[str, str]:
    return {
        "time_limit": t(request, "Time limit"), "fee": t(request, "Fee"), "product": t(request, "Product"),
        "complaint_channel": t(request, "Complaints"), "legal_basis": t(request, "Legal basis"),
        "facilities": t(request, "Facilities"), "staff_count": t(request, "Staff"),
        "service_guarantee": t(request, "Service guarantee"), "target_time": t(request, "Target: within the time limit"),
        "target_cost": t(request, "Target: no payment above the fee"),
        "target_accuracy": t(request, "Target: right the first time"),
        "requirements": t(request, "Requirements"), "procedure": t(request, "Procedure"),
    }


@get("/services/{service_slug:str}/changes", name="catalog_service_changes", include_in_schema=False)
async def changes_page(
    request: Request, service_slug: FromPath[str],
    from_: Annotated[str | None, QueryParameter(name="from", description="older version number")] = None,
    to: Annotated[str | None, QueryParameter(description="newer version number")] = None,
) -> Template:
    service = await _service_or_404(request, service_slug)
    versions = await queries.version_history(service["id"])
    published = {v["version"]: v for v in versions if v["status"] == "approved"}
    if from_ is None and to is None:
        numbers = sorted(published)
        if len(numbers) < 2:
            return Template("catalog/changes.html", context={"service": service, "diff": None, "old": None,
                                                             "new": None})
        old_number, new_number = numbers[-2], numbers[-1]
    else:
        old_number = _version_number(request, from_, "from")
        new_number = _version_number(request, to, "to")
        for number in (old_number, new_number):
            if number not in published:
                raise ClientException(detail=t(request, "Version %(n)s of this standard is not published.",
                                               n=number))
        if old_number == new_number:
            raise ClientException(detail=t(request, "Choose two different versions to compare."))
    old, new = published[old_number], published[new_number]
    diff = compare(old, new)
    lang = request_lang(request)
    labels = field_labels(request)
    scalars = [{"label": labels[c.field], "old": _display(request, c.field, c.old, lang),
                "new": _display(request, c.field, c.new, lang)} for c in diff.scalars]
    timezone = service["unit_timezone"]
    return Template("catalog/changes.html", context={
        "service": service, "diff": diff, "scalars": scalars, "labels": labels,
        "old": {**old, "effective_day": local_date_of(old["effective_from"], timezone)},
        "new": {**new, "effective_day": local_date_of(new["effective_from"], timezone)},
    })


# --------------------------------------------------------------------------- JSON API v1 (read-only, open data)


async def _unit_filter(request: Request, unit: str | None) -> int | None:
    if unit is None:
        return None
    found = await queries.unit_by_slug(unit) if SLUG.match(unit) else None
    if found is None:
        raise ClientException(detail=t(request, "Unknown unit: %(slug)s", slug=unit[:100]))
    return found["id"]


@get("/services", name="catalog_api_services", summary="Services and the standard in force",
     description="Every active service with its unit and the published part of the standard in force "
                 "(null when none is in force). Filter with ?unit=<unit slug> and ?q=<search words>.",
     tags=["catalog"])
async def api_services(
    request: Request,
    q: QueryText = None,
    unit: Annotated[str | None, QueryParameter(description="unit slug", max_length=200)] = None,
) -> list[ServiceOut]:
    text = _search_text(request, q)
    unit_id = await _unit_filter(request, unit)
    services = await queries.public_services(unit_id=unit_id)
    return [service_out(s) for s in search(services, text)]


@get("/services/{service_slug:str}", name="catalog_api_service", summary="One service and its standard in force",
     tags=["catalog"])
async def api_service(request: Request, service_slug: FromPath[str]) -> ServiceOut:
    service = await _service_or_404(request, service_slug)
    versions = await queries.approved_versions_of([service["id"]])
    return ServiceOut(slug=service["slug"], name=service["name"],
                      unit=UnitRef(slug=service["unit_slug"], name=service["unit_name"]),
                      standard=standard_out(queries.pick_in_force(versions.get(service["id"], []), utcnow())))


@get("/units", name="catalog_api_units", summary="Units (OPD/UPT) with their timezone and services", tags=["catalog"])
async def api_units() -> list[UnitOut]:
    return [UnitOut(slug=u["slug"], name=u["name"], kind=u["kind"], timezone=u["timezone"], address=u["address"],
                    parent=u["parent_slug"], services=u["services"]) for u in await queries.public_units()]


@get("/counters", name="catalog_api_counters", summary="Service counters and the URL printed in their QR code",
     tags=["catalog"])
async def api_counters(request: Request) -> list[CounterOut]:
    base = request.app.state.settings.public_url.rstrip("/")
    return [CounterOut(code=c["code"], name=c["name"], unit=UnitRef(slug=c["unit_slug"], name=c["unit_name"]),
                       services=[s["slug"] for s in c["services"]], url=f"{base}/c/{c['code']}")
            for c in await queries.public_counters()]


route_handlers = [
    routes_standards.admin, routes_counters.admin,
    Router(path="/", route_handlers=[home, search_page, unit_page, service_page, history_page, changes_page],
           opt={"exclude_from_auth": True}),
    Router(path="/api/v1", route_handlers=[api_services, api_service, api_units, api_counters],
           opt={"exclude_from_auth": True}),
]
