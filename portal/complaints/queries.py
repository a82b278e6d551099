"""Reads of the complaints capability: a complaint by code or id, the register of a unit, settings, look-ups."""

from __future__ import annotations

from datetime import date
from typing import Any

from portal.complaints.deadlines import DEFAULT_CONTACT_DAYS, DEFAULT_DAYS
from portal.db.tables import AuditLog, Counter, Service, Unit
from portal.db.tables_complaints import OPEN_STATUSES, Complaint, ComplaintPhoto, ComplaintSetting

#: Columns of the register and the tracking page: never the photo, and the contact only where asked for.
PUBLIC_COLUMNS = tuple(c for c in Complaint._meta.columns if c._meta.name not in ("contact", "client_hash", "nonce"))
REGISTER_LIMIT = 500


async def by_code(code: str) -> dict | None:
    return await Complaint.select(*PUBLIC_COLUMNS).where(Complaint.code == code).first().run()


async def by_id(complaint_id: int, with_contact: bool = False) -> dict | None:
    columns = Complaint._meta.columns if with_contact else PUBLIC_COLUMNS
    return await Complaint.select(*columns).where(Complaint.id == complaint_id).first().run()


async def by_nonce(nonce: str) -> dict | None:
    return await Complaint.select(Complaint.code).where(Complaint.nonce == nonce).first().run()


async def has_photo(complaint_id: int) -> bool:
    return await ComplaintPhoto.exists().where(ComplaintPhoto.complaint == complaint_id).run()


async def photo(complaint_id: int) -> dict | None:
    return await ComplaintPhoto.select().where(ComplaintPhoto.complaint == complaint_id).first().run()


async def unit_by_id(unit_id: int) -> dict | None:
    return await Unit.select().where(Unit.id == unit_id).first().run()


async def unit_by_slug(slug: str) -> dict | None:
    return await Unit.select().where(Unit.slug == slug).first().run()


async def units(unit_ids: list[int] | None) -> list[dict]:
    query = Unit.select(Unit.id, Unit.slug, Unit.name, Unit.timezone).order_by(Unit.name)
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.where(Unit.id.is_in(unit_ids))
    return await query.run()


async def service_by_slug(slug: str) -> dict | None:
    return await Service.select(Service.id, Service.slug, Service.name, Service.name_en, Service.unit) \
        .where(Service.slug == slug).first().run()


async def service_by_id(service_id: int | None) -> dict | None:
    if service_id is None:
        return None
    return await Service.select(Service.id, Service.slug, Service.name, Service.name_en, Service.unit) \
        .where(Service.id == service_id).first().run()


async def services_of_units(unit_ids: list[int] | None) -> list[dict]:
    query = Service.select(Service.id, Service.slug, Service.name, Service.unit).order_by(Service.name)
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.where(Service.unit.is_in(unit_ids))
    return await query.run()


async def counter_by_code(code: str) -> dict | None:
    return await Counter.select(Counter.id, Counter.code, Counter.name, Counter.unit) \
        .where(Counter.code == code).first().run()


async def counter_by_id(counter_id: int | None) -> dict | None:
    if counter_id is None:
        return None
    return await Counter.select(Counter.id, Counter.code, Counter.name, Counter.unit) \
        .where(Counter.id == counter_id).first().run()


async def settings_of(unit_id: int) -> dict[str, int]:
    """The unit's deadline table and contact retention (defaults where the unit has not set its own)."""
    row = await ComplaintSetting.select().where(ComplaintSetting.unit == unit_id).first().run()
    out: dict[str, int] = {f"{k}_days": v for k, v in DEFAULT_DAYS.items()}
    out["contact_days"] = DEFAULT_CONTACT_DAYS
    if row:
        out.update({k: row[k] for k in out})
    return out


def is_overdue(row: dict, today: date) -> bool:
    return row["status"] in OPEN_STATUSES and row["deadline"] < today


async def register(unit_ids: list[int] | None, filters: dict[str, Any], today_of: dict[int, date]) -> list[dict]:
    """The complaints of these units matching the filters: overdue first (oldest deadline first), then the other
    open ones by deadline, then answered/closed/rejected ones newest first. `today_of` maps unit id -> local day."""
    query = Complaint.select(*PUBLIC_COLUMNS)
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.where(Complaint.unit.is_in(unit_ids))
    for column in ("status", "category", "channel", "severity"):
        if filters.get(column):
            query = query.where(getattr(Complaint, column) == filters[column])
    if filters.get("service"):
        query = query.where(Complaint.service == filters["service"])
    if filters.get("date_from"):
        query = query.where(Complaint.received_day >= filters["date_from"])
    if filters.get("date_to"):
        query = query.where(Complaint.received_day <= filters["date_to"])
    if filters.get("code"):
        query = query.where(Complaint.code == filters["code"])
    rows = await query.order_by(Complaint.id, ascending=False).limit(REGISTER_LIMIT).run()
    for row in rows:
        row["overdue"] = is_overdue(row, today_of.get(row["unit"], date.max))
        row["open"] = row["status"] in OPEN_STATUSES
    if filters.get("overdue"):
        rows = [r for r in rows if r["overdue"]]
    rows.sort(key=lambda r: (0 if r["overdue"] else 1 if r["open"] else 2,
                             r["deadline"].toordinal() if r["open"] else -r["id"]))
    return rows


async def history(complaint_id: int) -> list[dict]:
    """The audit entries of a complaint, oldest first (the audit log is append-only)."""
    return await AuditLog.select(AuditLog.at, AuditLog.actor_name, AuditLog.action, AuditLog.details) \
        .where((AuditLog.entity == "complaint") & (AuditLog.entity_id == complaint_id)) \
        .order_by(AuditLog.id).run()


async def export_rows(unit_id: int, date_from: date, date_to: date, with_contact: bool) -> list[dict]:
    columns = Complaint._meta.columns if with_contact else PUBLIC_COLUMNS
    return await Complaint.select(*columns).where(
        (Complaint.unit == unit_id) & (Complaint.received_day >= date_from) & (Complaint.received_day <= date_to)
    ).order_by(Complaint.received_at).run()
