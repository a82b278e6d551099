"""Service standards as controlled documents (ISO 9001 7.5; UU 25/2009 Pasal 21 components): drafts, approval, status.

A manager drafts a version; a head of the unit approves it with an effective date (today or later); an approved
version never changes again (editing means a new draft). The version in force at t is the approved one with the
latest effective_from <= t (portal.catalog.queries.standard_in_force); a later one is "upcoming" until its date.

A service has at most one open draft, prefilled from the version in force; a draft can be discarded (the row goes,
the audit log keeps its snapshot). Published version numbers are contiguous: a draft gets its number when it is
approved (the last published number + 1), so discarded or abandoned drafts leave no gap on the public pages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from portal.catalog.queries import decode_version
from portal.db.engine import is_unique_violation
from portal.db.tables import TIME_UNITS, StandardVersion
from portal.timeutil import local_midnight_utc, utcnow

#: Sane bounds for a standard's figures (a form asking 999,999,999,999 working days is refused).
MAX_TIME_LIMIT = {"minutes": 7 * 24 * 60, "hours": 31 * 24, "working_days": 365, "calendar_days": 730}
MAX_FEE = 10_000_000_000  # Rp 10 billion: above any local service fee, well inside BIGINT
MAX_STAFF = 10_000
MAX_LINES, MAX_LINE = 60, 500  # requirements / procedure steps, characters per line

TEXT_FIELDS = ("product", "complaint_channel", "legal_basis", "facilities", "service_guarantee", "change_note")
TARGET_FIELDS = ("target_time", "target_cost", "target_accuracy")
#: The fields a draft carries (everything but bookkeeping), in form order.
DRAFT_FIELDS = ("requirements", "procedure", "time_limit_value", "time_limit_unit", "fee", *TEXT_FIELDS[:-1],
                "staff_count", *TARGET_FIELDS, "change_note")


def _t(message: str) -> str:
    """Marks an English message id for extraction; routes translate it for the request."""
    return message


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace("\r", "").split("\n") if line.strip()]


#: No fee, time limit or staff count is this large; the bound keeps every value well inside BIGINT (2^63), so a
#: huge number is refused with the field's message and never reaches the database.
_INT_CAP = 10**15


def _int(text: str) -> int | None:
    try:
        value = int((text or "").strip().replace(".", "").replace(",", ""))
    except ValueError:
        return None
    return value if abs(value) <= _INT_CAP else None


def _ratio(text: str) -> float | None:
    try:
        value = float((text or "").strip().replace(",", "."))
    except ValueError:
        return None
    return value if 0 <= value <= 1 else None


def parse_draft(form) -> tuple[dict, list[str]]:
    """The draft's values from a form, and the English message ids of what is wrong (nothing saved when any)."""
    errors: list[str] = []
    values: dict = {"requirements": _lines(form.get("requirements", "")), "procedure": _lines(form.get("procedure", ""))}
    if not values["requirements"]:
        errors.append(_t("List at least one requirement (one per line)."))
    if not values["procedure"]:
        errors.append(_t("List at least one procedure step (one per line)."))
    if any(len(values[k]) > MAX_LINES or any(len(line) > MAX_LINE for line in values[k])
           for k in ("requirements", "procedure")):
        errors.append(_t("Requirements and procedure: at most 60 lines of 500 characters each."))
    limit = _int(form.get("time_limit_value", ""))
    unit = form.get("time_limit_unit", "")
    if limit is None or limit <= 0:
        errors.append(_t("The time limit must be a whole number above zero."))
    elif unit in MAX_TIME_LIMIT and limit > MAX_TIME_LIMIT[unit]:
        errors.append(_t("The time limit is too long: at most 10080 minutes, 744 hours, 365 working days or "
                         "730 calendar days."))
    values["time_limit_value"] = limit or 0
    if unit not in TIME_UNITS:
        errors.append(_t("Choose the unit of the time limit."))
    values["time_limit_unit"] = unit
    fee = _int(form.get("fee", ""))
    if fee is None or fee < 0:
        errors.append(_t("The fee must be a whole number of rupiah, zero or more."))
    elif fee > MAX_FEE:
        errors.append(_t("The fee is too high: at most Rp 10,000,000,000."))
    values["fee"] = fee if fee is not None and 0 <= fee <= MAX_FEE else 0
    staff = _int(form.get("staff_count", "1"))
    if staff is None or staff < 1 or staff > MAX_STAFF:
        errors.append(_t("The staff count must be between 1 and 10,000."))
    values["staff_count"] = staff if staff is not None and 1 <= staff <= MAX_STAFF else 1
    for name in TEXT_FIELDS:
        values[name] = (form.get(name, "") or "").strip()[:5000]
    if not values["product"]:
        errors.append(_t("Name the product the citizen receives."))
    if not values["complaint_channel"]:
        errors.append(_t("Name the complaint channel."))
    for name in TARGET_FIELDS:
        ratio = _ratio(form.get(name, ""))
        if ratio is None:
            errors.append(_t("Targets are proportions between 0 and 1 (e.g. 0.95)."))
            break
        values[name] = ratio
    if errors:
        for name in TARGET_FIELDS:
            values.setdefault(name, 0.95)
    return values, errors


def as_form(version: Mapping[str, Any] | None) -> dict:
    """A version's values in form shape (lists joined by lines) to prefill a new draft."""
    if version is None:
        return {"requirements": "", "procedure": "", "time_limit_value": "", "time_limit_unit": "working_days",
                "fee": 0, "staff_count": 1, "target_time": 0.95, "target_cost": 0.99, "target_accuracy": 0.95,
                **{name: "" for name in TEXT_FIELDS}}
    out = {name: version.get(name) for name in DRAFT_FIELDS}
    for name in ("requirements", "procedure"):
        out[name] = "\n".join(version.get(name) or [])
    out["change_note"] = ""
    return out


def open_draft(versions: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The service's open draft (at most one is created; with older data, the newest)."""
    drafts = [v for v in versions if v["status"] == "draft"]
    return max(drafts, key=lambda v: v["version"]) if drafts else None


def prefill(versions: Sequence[Mapping[str, Any]], in_force: Mapping[str, Any] | None) -> dict:
    """What a new draft starts from: the version in force, else the newest published one, else an empty form."""
    published = [v for v in versions if v["status"] == "approved"]
    return as_form(in_force or (max(published, key=lambda v: v["version"]) if published else None))


def status_of(version: Mapping[str, Any], in_force_id: int | None, now: datetime | None = None) -> str:
    """draft | in_force | upcoming | superseded."""
    if version["status"] != "approved":
        return "draft"
    if version["id"] == in_force_id:
        return "in_force"
    effective = version["effective_from"]
    if effective is not None and effective > (now or utcnow()):
        return "upcoming"
    return "superseded"


class DraftExists(Exception):
    """The service already has an open draft: continue it or discard it first."""

    def __init__(self, version_id: int | None):
        super().__init__(version_id)
        self.version_id = version_id


async def create_draft(service_id: int, values: dict, user_id: int) -> dict:
    """The service's one open draft (DraftExists when there is one already). Its number is provisional (the
    last number used + 1) until approval gives it the next published number. Two managers drafting at once
    (PostgreSQL) both read "no draft" and take the same number: the unique (service, version) index refuses the
    second, which gets DraftExists with the first one's draft, as if it had come a moment later."""
    try:
        async with StandardVersion._meta.db.transaction():
            rows = await StandardVersion.select(StandardVersion.id, StandardVersion.version, StandardVersion.status) \
                .where(StandardVersion.service == service_id).run()
            draft = open_draft(rows)
            if draft is not None:
                raise DraftExists(draft["id"])
            number = max((r["version"] for r in rows), default=0) + 1
            inserted = await StandardVersion.insert(StandardVersion(
                service=service_id, version=number, status="draft", created_by=user_id,
                **{k: (json.dumps(v) if k in ("requirements", "procedure") else v)  # pyright: ignore[reportArgumentType]  # columns, not Table's flags
                   for k, v in values.items()},
            )).returning(StandardVersion.id).run()
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        rows = await StandardVersion.select(StandardVersion.id, StandardVersion.version, StandardVersion.status) \
            .where(StandardVersion.service == service_id).run()
        winner = open_draft(rows)
        raise DraftExists(winner["id"] if winner else None) from None
    version = await version_by_id(inserted[0]["id"])
    assert version is not None  # inserted just above
    return version


async def update_draft(version_id: int, values: dict) -> bool:
    """False when the version is no longer a draft (approved versions are immutable)."""
    changes = {getattr(StandardVersion, k): (json.dumps(v) if k in ("requirements", "procedure") else v)
               for k, v in values.items()}
    rows = await StandardVersion.update(changes).where(
        (StandardVersion.id == version_id) & (StandardVersion.status == "draft")
    ).returning(StandardVersion.id).run()
    return bool(rows)


def effective_instant(timezone: str, day: date) -> datetime:
    """A standard takes force at the start of its effective day in the unit's local time."""
    return local_midnight_utc(timezone, day)


async def approve(version_id: int, effective_from: datetime, approver_id: int) -> bool:
    """False when it was already approved (a replayed approval changes nothing). The approved version takes the
    next published number (last approved + 1), so published numbers stay contiguous."""
    async with StandardVersion._meta.db.transaction():
        draft = await StandardVersion.select().where(
            (StandardVersion.id == version_id) & (StandardVersion.status == "draft")).first().run()
        if draft is None:
            return False
        service = draft["service"]
        rows = await StandardVersion.select(StandardVersion.id, StandardVersion.version, StandardVersion.status) \
            .where(StandardVersion.service == service).run()
        number = max((r["version"] for r in rows if r["status"] == "approved"), default=0) + 1
        if number != draft["version"]:
            holder = next((r for r in rows if r["version"] == number), None)
            if holder is not None:  # an older abandoned draft holds the number: it moves past every number used
                await StandardVersion.update({StandardVersion.version: max(r["version"] for r in rows) + 1}) \
                    .where(StandardVersion.id == holder["id"]).run()
        rows = await StandardVersion.update({
            StandardVersion.status: "approved", StandardVersion.effective_from: effective_from,
            StandardVersion.approved_by: approver_id, StandardVersion.approved_at: utcnow(),
            StandardVersion.version: number,
        }).where((StandardVersion.id == version_id) & (StandardVersion.status == "draft")).returning(
            StandardVersion.id).run()
    return bool(rows)


async def discard(version_id: int) -> dict | None:
    """Delete a draft; returns the row it was (for the audit log), None when it is not a draft (any more)."""
    async with StandardVersion._meta.db.transaction():
        row = await StandardVersion.select().where(
            (StandardVersion.id == version_id) & (StandardVersion.status == "draft")).first().run()
        if row is None:
            return None
        await StandardVersion.delete().where(
            (StandardVersion.id == version_id) & (StandardVersion.status == "draft")).run()
    return decode_version(row)


async def version_by_id(version_id: int) -> dict | None:
    row = await StandardVersion.select().where(StandardVersion.id == version_id).first().run()
    return decode_version(row) if row is not None else None
