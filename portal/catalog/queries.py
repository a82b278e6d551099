"""Reads of units, services and standard versions; the version in force is resolved here for everyone."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypedDict, TypeVar, cast

from portal.db.rows import CounterRow, ServiceRow, UnitRow
from portal.db.tables import Counter, CounterService, Service, StandardVersion, Unit
from portal.timeutil import utcnow

# --------------------------------------------------------------------------- rows
# What the query functions below return: keys are exactly the columns and aliases selected, values as the driver
# returns them on PostgreSQL and on SQLite (Piccolo's converters give date, datetime and bool there too; JSON
# columns come back as text unless decoded here).


class StandardVersionRow(TypedDict):
    """Every column of a standard version, requirements and procedure decoded (decode_version)."""

    id: int
    service: int
    version: int
    status: str  # one of STANDARD_STATUSES
    requirements: list[str]
    procedure: list[str]
    time_limit_value: int
    time_limit_unit: str  # one of TIME_UNITS
    fee: int
    product: str
    complaint_channel: str
    legal_basis: str
    facilities: str
    staff_count: int
    service_guarantee: str
    target_time: float
    target_cost: float
    target_accuracy: float
    effective_from: datetime | None
    approved_by: int | None
    approved_at: datetime | None
    created_by: int | None
    created_at: datetime
    change_note: str


class VersionHistoryRow(StandardVersionRow):
    """A version with its approver's display name (version_history)."""

    approved_by_name: str | None


class PublicVersionRow(TypedDict):
    """The columns of a version the public catalog shows (PUBLIC_VERSION_COLUMNS, approved_versions_of)."""

    id: int
    service: int
    version: int
    status: str
    requirements: list[str]
    procedure: list[str]
    time_limit_value: int
    time_limit_unit: str
    fee: int
    product: str
    complaint_channel: str
    effective_from: datetime | None


class ServiceUnit(TypedDict):
    """A public service's unit (public_services)."""

    id: int
    slug: str
    name: str
    short_name: str
    timezone: str


class PublicServiceRow(TypedDict):
    """An active service with its unit and the standard in force, or None (public_services)."""

    id: int
    slug: str
    name: str
    name_en: str
    description: str
    unit: ServiceUnit
    standard: PublicVersionRow | None


class PublicUnitRow(TypedDict):
    """A unit with its parent's slug and the slugs of its active services (public_units)."""

    id: int
    slug: str
    name: str
    short_name: str
    kind: str
    timezone: str
    address: str
    parent_slug: str | None
    services: list[str]


class ServiceRef(TypedDict):
    """A service a counter serves: slug and name."""

    slug: str
    name: str


class PublicCounterRow(TypedDict):
    """An active counter with its unit and the active services it serves (public_counters)."""

    id: int
    code: str
    name: str
    unit_id: int
    unit_slug: str
    unit_name: str
    services: list[ServiceRef]


class ServiceDetailRow(ServiceRow):
    """A service with its unit's slug, name, timezone and contacts (service_detail)."""

    unit_slug: str
    unit_name: str
    unit_timezone: str
    unit_phone: str
    unit_email: str


class CounterRef(TypedDict):
    """An active counter serving a service: code and name (counters_of_service)."""

    code: str
    name: str



async def standard_in_force(service_id: int, at: datetime | None = None) -> StandardVersionRow | None:
    """The version of a service's standard in force at `at` (default now), or None: pick_in_force over its
    approved versions (ISO 9001 7.5)."""
    approved = await (StandardVersion.select()
                      .where((StandardVersion.service == service_id) & (StandardVersion.status == "approved"))
                      .run())
    found = pick_in_force(approved, at or utcnow())
    return cast(StandardVersionRow, decode_version(found)) if found is not None else None


async def standard_versions(service_id: int) -> list[StandardVersionRow]:
    """Every version of a service's standard, newest first (drafts included)."""
    rows = await (
        StandardVersion.select()
        .where(StandardVersion.service == service_id)
        .order_by(StandardVersion.version, ascending=False)
        .run()
    )
    return [cast(StandardVersionRow, decode_version(r)) for r in rows]


async def service_by_slug(slug: str) -> ServiceRow | None:
    return cast("ServiceRow | None", await Service.select().where(Service.slug == slug).first().run())


async def unit_by_slug(slug: str) -> UnitRow | None:
    return cast("UnitRow | None", await Unit.select().where(Unit.slug == slug).first().run())


async def unit_by_id(unit_id: int) -> UnitRow | None:
    return cast("UnitRow | None", await Unit.select().where(Unit.id == unit_id).first().run())


async def counter_by_code(code: str) -> CounterRow | None:
    return cast("CounterRow | None", await Counter.select().where(Counter.code == code).first().run())


# --------------------------------------------------------------------------- public catalog reads
# Each page or API list is a handful of queries whatever the number of services: versions of all the listed
# services are fetched in one query and the one in force is picked in Python (no query per service).

PUBLIC_VERSION_COLUMNS = (
    StandardVersion.id, StandardVersion.service, StandardVersion.version, StandardVersion.status,
    StandardVersion.requirements, StandardVersion.procedure, StandardVersion.time_limit_value,
    StandardVersion.time_limit_unit, StandardVersion.fee, StandardVersion.product, StandardVersion.complaint_channel,
    StandardVersion.effective_from,
)


def json_list(value) -> list[str]:
    """Piccolo JSON columns come back as str: a list of strings either way."""
    if value is None:
        return []
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else []
    return [str(item) for item in value] if isinstance(value, list) else []


def decode_version(version: dict[str, Any]) -> dict[str, Any]:
    """A standard version row with its JSON lists (requirements, procedure) decoded: every query that reads
    versions passes its rows through here, so consumers always get lists."""
    for key in ("requirements", "procedure"):
        if key in version:
            version[key] = json_list(version[key])
    return version


def _instant(value) -> datetime | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


#: A version as pick_in_force and pick_upcoming read it: any mapping with status, version and effective_from
#: (a typed row of this module, or the simulation's and the aggregation's own dicts); the row type is kept.
V = TypeVar("V", bound=Mapping[str, Any])


def pick_in_force(versions: Sequence[V], at: datetime) -> V | None:
    """THE rule of which version of a standard is in force (ISO 9001 7.5, a controlled document): among one
    service's versions, the approved one with the latest effective_from <= `at`; on equal dates the higher
    version number. Every caller uses this function: catalog pages, citizen pages, tickets, rollups, the demo."""
    best = None
    for v in versions:
        effective = _instant(v["effective_from"])
        if v["status"] != "approved" or effective is None or effective > at:
            continue
        if best is None or (effective, v["version"]) > (_instant(best["effective_from"]), best["version"]):
            best = v
    return best


def pick_upcoming(versions: Sequence[V], at: datetime) -> V | None:
    """The next approved version whose effective date is still in the future, if any."""
    future = [v for v in versions if v["status"] == "approved" and v["effective_from"] and v["effective_from"] > at]
    return min(future, key=lambda v: (v["effective_from"], v["version"])) if future else None


async def approved_versions_of(service_ids: list[int]) -> dict[int, list[PublicVersionRow]]:
    """Approved versions of these services in one query, grouped by service id."""
    grouped: dict[int, list[PublicVersionRow]] = defaultdict(list)
    if not service_ids:
        return grouped
    rows = await StandardVersion.select(*PUBLIC_VERSION_COLUMNS).where(
        StandardVersion.service.is_in(service_ids) & (StandardVersion.status == "approved")
    ).run()
    for row in rows:
        grouped[row["service"]].append(cast(PublicVersionRow, decode_version(row)))
    return grouped


async def public_services(unit_id: int | None = None, at: datetime | None = None) -> list[PublicServiceRow]:
    """Active services with their unit and the standard in force (None when none is in force), by unit then name.

    Each row: id, slug, name, name_en, description, unit (id, slug, name, short_name, timezone), standard.
    """
    at = at or utcnow()
    query = Service.select(
        Service.id, Service.slug, Service.name, Service.name_en, Service.description,
        Service.unit.id.as_alias("unit_id"), Service.unit.slug.as_alias("unit_slug"),
        Service.unit.name.as_alias("unit_name"), Service.unit.short_name.as_alias("unit_short_name"),
        Service.unit.timezone.as_alias("unit_timezone"),
    ).where(Service.active == True)  # noqa: E712 (Piccolo builds SQL from the comparison)
    if unit_id is not None:
        query = query.where(Service.unit == unit_id)
    rows = await query.order_by(Service.unit.name).order_by(Service.name).run()
    versions = await approved_versions_of([r["id"] for r in rows])
    out: list[PublicServiceRow] = []
    for r in rows:
        out.append({
            "id": r["id"], "slug": r["slug"], "name": r["name"], "name_en": r["name_en"],
            "description": r["description"],
            "unit": {"id": r["unit_id"], "slug": r["unit_slug"], "name": r["unit_name"],
                     "short_name": r["unit_short_name"], "timezone": r["unit_timezone"]},
            "standard": pick_in_force(versions.get(r["id"], []), at),
        })
    return out


async def public_units() -> list[PublicUnitRow]:
    """Every unit with its parent's slug and the slugs of its active services (two queries)."""
    units = await Unit.select(
        Unit.id, Unit.slug, Unit.name, Unit.short_name, Unit.kind, Unit.timezone, Unit.address,
        Unit.parent.slug.as_alias("parent_slug"),
    ).order_by(Unit.name).run()
    services = await Service.select(Service.unit, Service.slug).where(Service.active == True) \
        .order_by(Service.name).run()  # noqa: E712
    by_unit: dict[int, list[str]] = defaultdict(list)
    for s in services:
        by_unit[s["unit"]].append(s["slug"])
    return [cast(PublicUnitRow, {**u, "services": by_unit.get(u["id"], [])}) for u in units]


async def public_counters(unit_id: int | None = None) -> list[PublicCounterRow]:
    """Active counters with their unit and the slugs of the active services they serve (two queries)."""
    query = Counter.select(
        Counter.id, Counter.code, Counter.name, Counter.unit.id.as_alias("unit_id"),
        Counter.unit.slug.as_alias("unit_slug"), Counter.unit.name.as_alias("unit_name"),
    ).where(Counter.active == True)  # noqa: E712
    if unit_id is not None:
        query = query.where(Counter.unit == unit_id)
    counters = await query.order_by(Counter.code).run()
    links = await CounterService.select(
        CounterService.counter, CounterService.service.slug.as_alias("slug"),
        CounterService.service.name.as_alias("name"),
    ).where(
        CounterService.counter.is_in([c["id"] for c in counters] or [0]) & (CounterService.service.active == True)  # noqa: E712
    ).run()
    by_counter: dict[int, list[ServiceRef]] = defaultdict(list)
    for link in links:
        by_counter[link["counter"]].append({"slug": link["slug"], "name": link["name"]})
    return [cast(PublicCounterRow, {**c, "services": sorted(by_counter.get(c["id"], []), key=lambda s: s["name"])})
            for c in counters]


async def service_detail(slug: str) -> ServiceDetailRow | None:
    """One service with its unit (joined), or None."""
    return cast("ServiceDetailRow | None", await Service.select(
        *Service.all_columns(), Service.unit.slug.as_alias("unit_slug"), Service.unit.name.as_alias("unit_name"),
        Service.unit.timezone.as_alias("unit_timezone"), Service.unit.phone.as_alias("unit_phone"),
        Service.unit.email.as_alias("unit_email"),
    ).where(Service.slug == slug).first().run())


async def version_history(service_id: int) -> list[VersionHistoryRow]:
    """Every version of a service (drafts included), oldest first, with the approver's display name."""
    rows = await StandardVersion.select(
        *StandardVersion.all_columns(), StandardVersion.approved_by.display_name.as_alias("approved_by_name"),
    ).where(StandardVersion.service == service_id).order_by(StandardVersion.version).run()
    return [cast(VersionHistoryRow, decode_version(r)) for r in rows]


async def counters_of_service(service_id: int) -> list[CounterRef]:
    return cast("list[CounterRef]", await CounterService.select(
        CounterService.counter.code.as_alias("code"), CounterService.counter.name.as_alias("name"),
    ).where((CounterService.service == service_id) & (CounterService.counter.active == True)) \
        .order_by(CounterService.counter.code).run())  # noqa: E712
