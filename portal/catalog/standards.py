"""Service standards as controlled documents (ISO 9001 7.5; UU 25/2009 Pasal 21 components): status and form shape
(the writes: portal.catalog.services; the form: portal.catalog.schemas.DraftForm).

A manager drafts a version; a head of the unit approves it with an effective date (today or later); an approved
version never changes again (editing means a new draft). The version in force at t is the approved one with the
latest effective_from <= t (portal.catalog.queries.standard_in_force); a later one is "upcoming" until its date.

A service has at most one open draft, prefilled from the version in force; a draft can be discarded (the row goes,
the audit log keeps its snapshot). Published version numbers are contiguous: a draft gets its number when it is
approved (the last published number + 1), so discarded or abandoned drafts leave no gap on the public pages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from portal.catalog.queries import decode_version
from portal.catalog.schemas import TEXT_FIELDS, DraftForm
from portal.catalog.services import DRAFT_FIELDS
from portal.db.tables import StandardVersion
from portal.timeutil import utcnow


def as_typed(form: DraftForm) -> dict:
    """A refused form's fields as the user typed them, to show the form again."""
    return msgspec.structs.asdict(form)


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


async def version_by_id(version_id: int) -> dict | None:
    row = await StandardVersion.select().where(StandardVersion.id == version_id).first().run()
    return decode_version(row) if row is not None else None
