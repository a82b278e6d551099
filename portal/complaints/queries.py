"""Reads of the complaints capability: a complaint by code or id, the register of a unit, settings, look-ups."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, NotRequired, TypedDict, cast

from portal.complaints.deadlines import DEFAULT_CONTACT_DAYS, DEFAULT_DAYS
from portal.db.rows import UnitRow
from portal.db.tables import AuditLog, Counter, Service, Unit
from portal.db.tables_complaints import (
    OPEN_STATUSES,
    Complaint,
    ComplaintMessage,
    ComplaintPhoto,
    ComplaintRating,
    ComplaintSetting,
)

#: Columns of the register and the tracking page: never the photo, and the contact only where asked for.
PUBLIC_COLUMNS = tuple(c for c in Complaint._meta.columns if c._meta.name not in ("contact", "client_hash", "nonce"))
REGISTER_LIMIT = 500


class ComplaintRow(TypedDict):
    """A complaint's PUBLIC_COLUMNS (by_code(), by_id(), export_rows()); the contact, client hash and nonce only
    where asked for (with_contact)."""

    id: int
    code: str
    unit: int
    first_unit: int | None
    service: int | None
    counter: int | None
    category: str  # one of CATEGORIES
    description: str
    happened_on: date | None
    amount: int | None
    channel: str  # one of CHANNELS
    lapor_number: str | None
    contact_erased_at: datetime | None
    status: str  # one of STATUSES
    severity: str | None  # one of SEVERITIES
    deadline_days: int
    deadline: date
    received_at: datetime
    received_day: date
    classified_at: datetime | None
    answered_at: datetime | None
    answered_day: date | None
    answer: str
    answered_by: int | None
    closed_at: datetime | None
    reject_reason: str
    forward_note: str
    nonconformity: int | None
    flag: str  # one of FLAGS
    language: str
    recorded_by: int | None
    updated_at: datetime
    contact: NotRequired[str]  # with_contact only
    client_hash: NotRequired[str | None]  # with_contact only
    nonce: NotRequired[str | None]  # with_contact only


class RegisterRow(ComplaintRow):
    """A complaint of the register, with whether it is overdue and open (register())."""

    overdue: bool
    open: bool


class CodeRow(TypedDict):
    """The code of the complaint a form stamp's nonce filed (by_nonce())."""

    code: str


class PhotoRow(TypedDict):
    """A complaint's receipt photo (photo())."""

    id: int
    complaint: int
    data: bytes
    media_type: str  # one of PHOTO_MEDIA_TYPES
    width: int
    height: int


class UnitListRow(TypedDict):
    """A unit as listed (units())."""

    id: int
    slug: str
    name: str
    timezone: str


class ServiceListRow(TypedDict):
    """A service as listed (services_of_units())."""

    id: int
    slug: str
    name: str
    unit: int


class ServiceRow(ServiceListRow):
    """A service with its English name (service_by_slug(), service_by_id())."""

    name_en: str


class CounterRow(TypedDict):
    """A counter (counter_by_code(), counter_by_id())."""

    id: int
    code: str
    name: str
    unit: int


class HistoryRow(TypedDict):
    """An audit entry of a complaint (history())."""

    at: datetime
    actor_name: str
    action: str
    details: str  # JSON text


async def by_code(code: str) -> ComplaintRow | None:
    found = await Complaint.select(*PUBLIC_COLUMNS).where(Complaint.code == code).first().run()
    return cast("ComplaintRow | None", found)


async def by_id(complaint_id: int, with_contact: bool = False) -> ComplaintRow | None:
    columns = Complaint._meta.columns if with_contact else PUBLIC_COLUMNS
    found = await Complaint.select(*columns).where(Complaint.id == complaint_id).first().run()
    return cast("ComplaintRow | None", found)


async def by_nonce(nonce: str) -> CodeRow | None:
    return cast("CodeRow | None", await Complaint.select(Complaint.code).where(Complaint.nonce == nonce).first().run())


async def has_photo(complaint_id: int) -> bool:
    return await ComplaintPhoto.exists().where(ComplaintPhoto.complaint == complaint_id).run()


async def photo(complaint_id: int) -> PhotoRow | None:
    found = await ComplaintPhoto.select().where(ComplaintPhoto.complaint == complaint_id).first().run()
    return cast("PhotoRow | None", found)


async def unit_by_id(unit_id: int) -> UnitRow | None:
    return cast("UnitRow | None", await Unit.select().where(Unit.id == unit_id).first().run())


async def unit_by_slug(slug: str) -> UnitRow | None:
    return cast("UnitRow | None", await Unit.select().where(Unit.slug == slug).first().run())


async def units(unit_ids: list[int] | None) -> list[UnitListRow]:
    query = Unit.select(Unit.id, Unit.slug, Unit.name, Unit.timezone).order_by(Unit.name)
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.where(Unit.id.is_in(unit_ids))
    return cast("list[UnitListRow]", await query.run())


async def service_by_slug(slug: str) -> ServiceRow | None:
    found = await Service.select(Service.id, Service.slug, Service.name, Service.name_en, Service.unit) \
        .where(Service.slug == slug).first().run()
    return cast("ServiceRow | None", found)


async def service_by_id(service_id: int | None) -> ServiceRow | None:
    if service_id is None:
        return None
    found = await Service.select(Service.id, Service.slug, Service.name, Service.name_en, Service.unit) \
        .where(Service.id == service_id).first().run()
    return cast("ServiceRow | None", found)


async def services_of_units(unit_ids: list[int] | None) -> list[ServiceListRow]:
    query = Service.select(Service.id, Service.slug, Service.name, Service.unit).order_by(Service.name)
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.where(Service.unit.is_in(unit_ids))
    return cast("list[ServiceListRow]", await query.run())


async def counter_by_code(code: str) -> CounterRow | None:
    found = await Counter.select(Counter.id, Counter.code, Counter.name, Counter.unit) \
        .where(Counter.code == code).first().run()
    return cast("CounterRow | None", found)


async def counter_by_id(counter_id: int | None) -> CounterRow | None:
    if counter_id is None:
        return None
    found = await Counter.select(Counter.id, Counter.code, Counter.name, Counter.unit) \
        .where(Counter.id == counter_id).first().run()
    return cast("CounterRow | None", found)


async def settings_of(unit_id: int) -> dict[str, int]:
    """The unit's deadline table and contact retention (defaults where the unit has not set its own)."""
    row = await ComplaintSetting.select().where(ComplaintSetting.unit == unit_id).first().run()
    out: dict[str, int] = {f"{k}_days": v for k, v in DEFAULT_DAYS.items()}
    out["contact_days"] = DEFAULT_CONTACT_DAYS
    if row:
        out.update({k: row[k] for k in out})
    return out


def is_overdue(row: Mapping[str, Any], today: date) -> bool:
    return row["status"] in OPEN_STATUSES and row["deadline"] < today


async def register(unit_ids: list[int] | None, filters: dict[str, Any], today_of: dict[int, date]) -> list[RegisterRow]:
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
    return cast("list[RegisterRow]", rows)


async def history(complaint_id: int) -> list[HistoryRow]:
    """The audit entries of a complaint, oldest first (the audit log is append-only)."""
    found = await AuditLog.select(AuditLog.at, AuditLog.actor_name, AuditLog.action, AuditLog.details) \
        .where((AuditLog.entity == "complaint") & (AuditLog.entity_id == complaint_id)) \
        .order_by(AuditLog.id).run()
    return cast("list[HistoryRow]", found)


async def export_rows(unit_id: int, date_from: date, date_to: date, with_contact: bool) -> list[ComplaintRow]:
    columns = Complaint._meta.columns if with_contact else PUBLIC_COLUMNS
    return cast("list[ComplaintRow]", await Complaint.select(*columns).where(
        (Complaint.unit == unit_id) & (Complaint.received_day >= date_from) & (Complaint.received_day <= date_to)
    ).order_by(Complaint.received_at).run())


class MessageRow(TypedDict):
    """One message of a complaint's exchange (messages()): a question of the unit or the citizen's reply."""

    id: int
    complaint: int
    from_citizen: bool
    body: str
    reply_to: int | None
    created_at: datetime


class RatingRow(TypedDict):
    """The citizen's rating of the answer (rating(), ratings())."""

    complaint: int
    resolved: bool
    score: int  # one of RATING_SCORES
    note: str
    created_at: datetime


_MESSAGE_COLUMNS = (ComplaintMessage.id, ComplaintMessage.complaint, ComplaintMessage.from_citizen,
                    ComplaintMessage.body, ComplaintMessage.reply_to, ComplaintMessage.created_at)
_RATING_COLUMNS = (ComplaintRating.complaint, ComplaintRating.resolved, ComplaintRating.score, ComplaintRating.note,
                   ComplaintRating.created_at)


async def messages(complaint_id: int) -> list[MessageRow]:
    """The exchange between the unit and the citizen, oldest first (never who in the unit wrote it)."""
    return cast("list[MessageRow]", await ComplaintMessage.select(*_MESSAGE_COLUMNS).where(
        ComplaintMessage.complaint == complaint_id).order_by(ComplaintMessage.id).run())


def open_question(exchange: list[MessageRow]) -> MessageRow | None:
    """The unit's last question when the citizen has not replied to it yet."""
    replied = {m["reply_to"] for m in exchange if m["from_citizen"]}
    questions = [m for m in exchange if not m["from_citizen"]]
    return questions[-1] if questions and questions[-1]["id"] not in replied else None


async def rating(complaint_id: int) -> RatingRow | None:
    return cast("RatingRow | None", await ComplaintRating.select(*_RATING_COLUMNS).where(
        ComplaintRating.complaint == complaint_id).first().run())


async def ratings(complaint_ids: list[int]) -> dict[int, RatingRow]:
    """The ratings of these complaints, by complaint id (the register's page, the figures of a period)."""
    if not complaint_ids:
        return {}
    rows = cast("list[RatingRow]", await ComplaintRating.select(*_RATING_COLUMNS).where(
        ComplaintRating.complaint.is_in(complaint_ids)).run())
    return {r["complaint"]: r for r in rows}
