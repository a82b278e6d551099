"""Service standards as controlled documents (ISO 9001 7.5; UU 25/2009 Pasal 21 components): drafts, approval, status.

A manager drafts a version; a head of the unit approves it with an effective date (today or later); an approved
version never changes again (editing means a new draft). The version in force at t is the approved one with the
latest effective_from <= t (portal.catalog.queries.standard_in_force); a later one is "upcoming" until its date.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from portal.db.tables import TIME_UNITS, StandardVersion
from portal.timeutil import local_midnight_utc, utcnow

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


#: Upper bounds well inside BIGINT (2^63): a larger value is refused with the field's message, never stored.
MAX_FEE = 10**15  # rupiah
MAX_TIME_LIMIT = 100_000
MAX_STAFF = 1_000_000


def _int(text: str, maximum: int) -> int | None:
    try:
        value = int((text or "").strip().replace(".", "").replace(",", ""))
    except ValueError:
        return None
    return value if value <= maximum else None


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
    limit = _int(form.get("time_limit_value", ""), MAX_TIME_LIMIT)
    if limit is None or limit <= 0:
        errors.append(_t("The time limit must be a whole number above zero."))
    values["time_limit_value"] = limit or 0
    unit = form.get("time_limit_unit", "")
    if unit not in TIME_UNITS:
        errors.append(_t("Choose the unit of the time limit."))
    values["time_limit_unit"] = unit
    fee = _int(form.get("fee", ""), MAX_FEE)
    if fee is None or fee < 0:
        errors.append(_t("The fee must be a whole number of rupiah, zero or more."))
    values["fee"] = fee if fee is not None else 0
    staff = _int(form.get("staff_count", "1"), MAX_STAFF)
    if staff is None or staff < 1:
        errors.append(_t("The staff count must be at least 1."))
    values["staff_count"] = staff or 1
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


def as_form(version: dict | None) -> dict:
    """A version's values in form shape (lists joined by lines) to prefill a new draft."""
    if version is None:
        return {"requirements": "", "procedure": "", "time_limit_value": "", "time_limit_unit": "working_days",
                "fee": 0, "staff_count": 1, "target_time": 0.95, "target_cost": 0.99, "target_accuracy": 0.95,
                **{name: "" for name in TEXT_FIELDS}}
    out = {name: version.get(name) for name in DRAFT_FIELDS}
    for name in ("requirements", "procedure"):
        value = version.get(name)
        items = json.loads(value) if isinstance(value, str) else (value or [])
        out[name] = "\n".join(items)
    out["change_note"] = ""
    return out


def decoded(version: dict) -> dict:
    """A version row with its JSON lists decoded."""
    row = dict(version)
    for name in ("requirements", "procedure"):
        if isinstance(row.get(name), str):
            row[name] = json.loads(row[name])
    return row


def status_of(version: dict, in_force_id: int | None, now: datetime | None = None) -> str:
    """draft | in_force | upcoming | superseded."""
    if version["status"] != "approved":
        return "draft"
    if version["id"] == in_force_id:
        return "in_force"
    effective = version["effective_from"]
    if effective is not None and effective > (now or utcnow()):
        return "upcoming"
    return "superseded"


async def create_draft(service_id: int, values: dict, user_id: int) -> dict:
    async with StandardVersion._meta.db.transaction():
        rows = await StandardVersion.select(StandardVersion.version).where(
            StandardVersion.service == service_id).run()
        number = max((r["version"] for r in rows), default=0) + 1
        inserted = await StandardVersion.insert(StandardVersion(
            service=service_id, version=number, status="draft", created_by=user_id,
            **{k: (json.dumps(v) if k in ("requirements", "procedure") else v) for k, v in values.items()},
        )).returning(StandardVersion.id).run()
    return await version_by_id(inserted[0]["id"])


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
    """False when it was already approved (a replayed approval changes nothing)."""
    rows = await StandardVersion.update({
        StandardVersion.status: "approved", StandardVersion.effective_from: effective_from,
        StandardVersion.approved_by: approver_id, StandardVersion.approved_at: utcnow(),
    }).where((StandardVersion.id == version_id) & (StandardVersion.status == "draft")).returning(
        StandardVersion.id).run()
    return bool(rows)


async def version_by_id(version_id: int) -> dict | None:
    return await StandardVersion.select().where(StandardVersion.id == version_id).first().run()
