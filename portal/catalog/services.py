"""Catalog writes, one function per fact, each owning its transaction: the row change and its audit entry commit
together (portal.accounts.audit.record inside the transaction), and the catalog cache is emptied after the
commit (`catalog_changed`). Services, their standards as controlled documents (ISO 9001 7.5: managers draft, heads
approve with an effective date), counters, the unit's maklumat and its working-day calendar.

They take the typed form inputs of portal.catalog.schemas, validate them (portal.errors.Invalid naming every wrong
field) and answer refusals with portal.errors (Conflict for a taken code or a version no longer a draft); a unique
index refusing a race is the same Conflict as the check before it (`unique_as_conflict`).

Standards (UU 25/2009 Pasal 21 components): a service has at most one open draft, prefilled from the version in
force; an approved version never changes again; published version numbers are contiguous: a draft gets its
number when it is approved (the last published number + 1), so discarded drafts leave no gap.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from portal.accounts import audit
from portal.accounts.auth import CurrentUser
from portal.cache import catalog_changed
from portal.catalog import schemas
from portal.catalog.queries import decode_version
from portal.db.tables import Counter, CounterService, Service, StandardVersion, Unit
from portal.errors import Conflict, NotFound, _t, unique_as_conflict
from portal.timeutil import local_day, local_midnight_utc, utcnow

#: The fields a draft carries (everything but bookkeeping), in form order.
DRAFT_FIELDS = ("requirements", "procedure", "time_limit_value", "time_limit_unit", "fee",
                *schemas.TEXT_FIELDS[:-1], "staff_count", *schemas.TARGET_FIELDS, "change_note")
NOT_A_DRAFT = _t("An approved version cannot be changed: draft a new version instead.")


def _transaction():
    return Service._meta.db.transaction()


# --- services -----------------------------------------------------------------------------------------------------

def _service_snapshot(row: Mapping[str, Any]) -> dict:
    return {k: row[k] for k in ("slug", "name", "name_en", "description", "active")}


async def create_service(actor: CurrentUser, unit_id: int, form: schemas.ServiceForm) -> str:
    """A new service of the unit with its audit entry; Conflict(slug) when the address name is taken (also by a
    request a moment ago: the unique index refuses it and nothing is stored). Returns the slug."""
    values = form.validated()
    with unique_as_conflict({"slug": _t("This address name is taken.")}):
        async with _transaction():
            rows = await Service.insert(Service(unit=unit_id, slug=values.slug, name=values.name,
                                                name_en=values.name_en, description=values.description)
                                        ).returning(*Service.all_columns()).run()
            await audit.record(actor, "create", "service", rows[0]["id"], unit_id=unit_id,
                               after=_service_snapshot(rows[0]))
    catalog_changed()
    return values.slug


async def update_service(actor: CurrentUser, service: Mapping[str, Any], form: schemas.ServiceEditForm) -> None:
    values = form.validated(service["slug"])
    changes = {"name": values.name, "name_en": values.name_en, "description": values.description,
               "active": values.active}
    async with _transaction():
        await Service.update({getattr(Service, k): v for k, v in changes.items()}).where(
            Service.id == service["id"]).run()
        await audit.record(actor, "update", "service", service["id"], unit_id=service["unit"],
                           before=_service_snapshot(service), after={**_service_snapshot(service), **changes})
    catalog_changed()


# --- standards: drafts, approval, discard -------------------------------------------------------------------------

def _version_snapshot(row: Mapping[str, Any]) -> dict:
    return {k: row.get(k) for k in ("version", "status", *DRAFT_FIELDS, "effective_from")}


def _columns(values: Mapping[str, Any]) -> dict:
    return {getattr(StandardVersion, k): (json.dumps(v) if k in ("requirements", "procedure") else v)
            for k, v in values.items()}


async def _version(version_id: int) -> dict | None:
    row = await StandardVersion.select().where(StandardVersion.id == version_id).first().run()
    return decode_version(row) if row is not None else None


async def _open_draft_id(service_id: int) -> int | None:
    row = await StandardVersion.select(StandardVersion.id).where(
        (StandardVersion.service == service_id) & (StandardVersion.status == "draft")
    ).order_by(StandardVersion.version, ascending=False).first().run()
    return row["id"] if row else None


class DraftExists(Conflict):
    """The service already has an open draft: continue it or discard it first (`version_id`, when known)."""

    def __init__(self, version_id: int | None) -> None:
        super().__init__(_t("This service already has an open draft: continue it or discard it."),
                         code="draft-exists")
        self.version_id = version_id


async def create_draft(actor: CurrentUser, service: Mapping[str, Any], form: schemas.DraftForm) -> dict:
    """The service's one open draft with its audit entry (DraftExists when there is one already). Its number is
    provisional (the last number used + 1) until approval gives it the next published number. Two managers
    drafting at once (PostgreSQL) both read "no draft" and take the same number: the unique (service, version)
    index refuses the second, which gets DraftExists with the first one's draft, as if it had come a moment
    later."""
    values = form.validated()
    try:
        with unique_as_conflict({"version": _t("This service already has an open draft: continue it or discard it.")}):
            async with _transaction():
                rows = await StandardVersion.select(StandardVersion.id, StandardVersion.version,
                                                    StandardVersion.status) \
                    .where(StandardVersion.service == service["id"]).run()
                draft = next((r for r in sorted(rows, key=lambda r: -r["version"]) if r["status"] == "draft"), None)
                if draft is not None:
                    raise DraftExists(draft["id"])
                number = max((r["version"] for r in rows), default=0) + 1
                inserted = await StandardVersion.insert(StandardVersion(
                    service=service["id"], version=number, status="draft", created_by=actor.id,
                    **{k: (json.dumps(v) if k in ("requirements", "procedure") else v)  # pyright: ignore[reportArgumentType]  # columns, not Table's flags
                       for k, v in values.items()},
                )).returning(StandardVersion.id).run()
                version = await _version(inserted[0]["id"])
                assert version is not None  # inserted just above
                await audit.record(actor, "draft", "standard_version", version["id"], unit_id=service["unit"],
                                   after=_version_snapshot(version))
    except DraftExists:
        raise
    except Conflict:
        raise DraftExists(await _open_draft_id(service["id"])) from None
    return version


async def update_draft(actor: CurrentUser, version: Mapping[str, Any], unit_id: int, form: schemas.DraftForm) -> None:
    """Conflict when the version is no longer a draft (approved versions are immutable)."""
    if version["status"] != "draft":
        raise Conflict(NOT_A_DRAFT, code="not-a-draft")
    values = form.validated()
    async with _transaction():
        rows = await StandardVersion.update(_columns(values)).where(
            (StandardVersion.id == version["id"]) & (StandardVersion.status == "draft")
        ).returning(StandardVersion.id).run()
        if not rows:
            raise Conflict(NOT_A_DRAFT, code="not-a-draft")
        after = await _version(version["id"])
        assert after is not None  # updated just above
        await audit.record(actor, "update", "standard_version", version["id"], unit_id=unit_id,
                           before=_version_snapshot(version), after=_version_snapshot(after))


def effective_instant(timezone: str, day) -> datetime:
    """A standard takes force at the start of its effective day in the unit's local time."""
    return local_midnight_utc(timezone, day)


async def approve(actor: CurrentUser, version: Mapping[str, Any], unit: Mapping[str, Any],
                  form: schemas.ApproveForm) -> dict:
    """Approve a draft with its effective date (today or later in the unit's time zone) and its audit entry, one
    transaction; Conflict when it was already approved (a replayed approval changes nothing). The approved
    version takes the next published number (last approved + 1), so published numbers stay contiguous."""
    if version["status"] != "draft":
        raise Conflict(_t("This version is already approved."), code="already-approved")
    day = form.validated(local_day(unit["timezone"]))
    effective_from = effective_instant(unit["timezone"], day)
    async with _transaction():
        draft = await StandardVersion.select().where(
            (StandardVersion.id == version["id"]) & (StandardVersion.status == "draft")).first().run()
        if draft is None:
            raise Conflict(_t("This version is already approved."), code="already-approved")
        rows = await StandardVersion.select(StandardVersion.id, StandardVersion.version, StandardVersion.status) \
            .where(StandardVersion.service == draft["service"]).run()
        number = max((r["version"] for r in rows if r["status"] == "approved"), default=0) + 1
        if number != draft["version"]:
            holder = next((r for r in rows if r["version"] == number), None)
            if holder is not None:  # an older abandoned draft holds the number: it moves past every number used
                await StandardVersion.update({StandardVersion.version: max(r["version"] for r in rows) + 1}) \
                    .where(StandardVersion.id == holder["id"]).run()
        updated = await StandardVersion.update({
            StandardVersion.status: "approved", StandardVersion.effective_from: effective_from,
            StandardVersion.approved_by: actor.id, StandardVersion.approved_at: utcnow(),
            StandardVersion.version: number,
        }).where((StandardVersion.id == version["id"]) & (StandardVersion.status == "draft")).returning(
            StandardVersion.id).run()
        if not updated:
            raise Conflict(_t("This version is already approved."), code="already-approved")
        after = await _version(version["id"])
        assert after is not None  # approved just above
        await audit.record(actor, "approve", "standard_version", version["id"], unit_id=unit["id"],
                           before={"status": "draft", "effective_from": None},
                           after={"status": "approved", "effective_from": after["effective_from"]})
    catalog_changed()
    return after


async def discard(actor: CurrentUser, version: Mapping[str, Any], unit_id: int) -> None:
    """Delete a draft (the audit log keeps its snapshot); Conflict when it is not a draft (any more)."""
    async with _transaction():
        row = await StandardVersion.select().where(
            (StandardVersion.id == version["id"]) & (StandardVersion.status == "draft")).first().run()
        if row is None:
            raise Conflict(NOT_A_DRAFT, code="not-a-draft")
        await StandardVersion.delete().where(
            (StandardVersion.id == version["id"]) & (StandardVersion.status == "draft")).run()
        await audit.record(actor, "discard", "standard_version", version["id"], unit_id=unit_id,
                           before=_version_snapshot(decode_version(row)))


# --- counters -----------------------------------------------------------------------------------------------------

def _counter_snapshot(row: Mapping[str, Any], service_ids: list[int]) -> dict:
    return {"code": row["code"], "name": row["name"], "active": row["active"], "service_ids": sorted(service_ids)}


async def _services_of(unit_id: int) -> set[int]:
    return {r["id"] for r in await Service.select(Service.id).where(Service.unit == unit_id).run()}


async def create_counter(actor: CurrentUser, unit_id: int, form: schemas.CounterForm) -> str:
    """A new counter with its services and its audit entry; Conflict(code) when the code is taken (also by a
    request a moment ago: the unique index refuses it and nothing is stored). Returns the code."""
    values = form.validated(await _services_of(unit_id))
    with unique_as_conflict({"code": _t("This code is taken.")}):
        async with _transaction():
            rows = await Counter.insert(Counter(unit=unit_id, code=values.code, name=values.name)
                                        ).returning(*Counter.all_columns()).run()
            for service_id in values.service_ids:
                await CounterService.insert(CounterService(counter=rows[0]["id"], service=service_id)).run()
            await audit.record(actor, "create", "counter", rows[0]["id"], unit_id=unit_id,
                               after=_counter_snapshot(rows[0], values.service_ids))
    catalog_changed()
    return values.code


async def update_counter(actor: CurrentUser, counter: Mapping[str, Any], form: schemas.CounterEditForm) -> None:
    values = form.validated(counter["code"], await _services_of(counter["unit"]))
    async with _transaction():
        links = await CounterService.select(CounterService.service).where(
            CounterService.counter == counter["id"]).run()
        before = _counter_snapshot(counter, [r["service"] for r in links])
        await Counter.update({Counter.name: values.name, Counter.active: values.active}).where(
            Counter.id == counter["id"]).run()
        await CounterService.delete().where(CounterService.counter == counter["id"]).run()
        for service_id in values.service_ids:
            await CounterService.insert(CounterService(counter=counter["id"], service=service_id)).run()
        await audit.record(actor, "update", "counter", counter["id"], unit_id=counter["unit"], before=before,
                           after=_counter_snapshot({**counter, "name": values.name, "active": values.active},
                                                   values.service_ids))
    catalog_changed()


# --- the unit: maklumat pelayanan, working-day calendar ----------------------------------------------------------

def _maklumat_snapshot(unit: Mapping[str, Any]) -> dict:
    return {"maklumat_text": unit["maklumat_text"], "maklumat_signer": unit["maklumat_signer"],
            "maklumat_date": unit["maklumat_date"]}


async def set_maklumat(actor: CurrentUser, unit: Mapping[str, Any], form: schemas.MaklumatForm) -> None:
    values = form.validated()
    async with _transaction():
        await Unit.update({getattr(Unit, k): v for k, v in values.items()}).where(Unit.id == unit["id"]).run()
        await audit.record(actor, "update", "maklumat", unit["id"], unit_id=unit["id"],
                           before=_maklumat_snapshot(unit), after=values)
    catalog_changed()


async def set_cuti_bersama(unit_slug: str, closed: bool, actor_name: str = "cli") -> dict:
    """Set whether the unit is closed on cuti bersama (collective leave; `holidays` government category), i.e.
    whether those days are non-working days in its working-day durations (docs/measures.md, "Time").

    The row and its audit entry commit together; the unit's rollups are then recomputed, since every working-day
    duration of its services may change. Returns {"unit", "before", "after", "services", "rows"}.
    """
    async with Unit._meta.db.transaction():
        unit = await Unit.select(Unit.id, Unit.slug, Unit.cuti_bersama).where(Unit.slug == unit_slug).first().run()
        if unit is None:
            raise NotFound(_t("Unknown unit."))
        before = True if unit["cuti_bersama"] is None else bool(unit["cuti_bersama"])
        if before != closed:
            await Unit.update({Unit.cuti_bersama: closed}).where(Unit.id == unit["id"]).run()
            await audit.record(None, "unit_calendar_changed", "unit", unit["id"], unit_id=unit["id"],
                               before={"cuti_bersama": before}, after={"cuti_bersama": closed},
                               actor_name=actor_name)
    result = {"unit": unit_slug, "before": before, "after": closed, "services": 0, "rows": 0}
    if before != closed:
        from portal.insight.published import republish
        from portal.insight.rollups import rebuild

        catalog_changed()
        ids = [r["id"] for r in await Service.select(Service.id).where(Service.unit == unit["id"]).run()]
        result.update(await rebuild(ids))
        await republish(set(ids))
    return result
