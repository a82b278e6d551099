"""The append-only audit log (ISO 9001 7.5 records): who changed which standard, service, counter, user or maklumat."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from portal.accounts.auth import CurrentUser
from portal.db.tables import AuditLog

PAGE_SIZE = 100
MAX_ID = 2**62  # a larger `before` (from a hand-edited link) means "from the newest"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def changes(before: dict | None, after: dict | None) -> dict[str, dict[str, Any]]:
    """The fields whose value differs: {field: {"before": old, "after": new}} (all fields when one side is None)."""
    before, after = before or {}, after or {}
    fields = sorted(set(before) | set(after))
    return {
        f: {"before": _plain(before.get(f)), "after": _plain(after.get(f))}
        for f in fields
        if _plain(before.get(f)) != _plain(after.get(f))
    }


async def record(actor: CurrentUser | None, action: str, entity: str, entity_id: int | None, *,
                 unit_id: int | None, before: dict | None = None, after: dict | None = None,
                 note: str = "", unit_ids: Iterable[int | None] = (), changed: dict[str, dict[str, Any]] | None = None,
                 actor_id: int | None = None, actor_name: str | None = None) -> None:
    """Append one entry per unit touched (`unit_id` and `unit_ids`; one entry without a unit when none): the
    `unit` column scopes it, so heads see every entry of their units. Call it inside the change's transaction
    (the change and its record commit together or not at all). `changed` gives the {field: {"before", "after"}}
    map directly instead of `before`/`after`; `actor_id`/`actor_name` name an actor that is not a signed-in user
    (a command, the system)."""
    units = list(dict.fromkeys(u for u in (unit_id, *unit_ids) if u is not None)) or [None]
    diff = {k: {"before": _plain(v.get("before")), "after": _plain(v.get("after"))} for k, v in changed.items()} \
        if changed is not None else changes(before, after)
    entries_ = []
    for unit in units:
        details: dict[str, Any] = {"unit_id": unit, "changes": diff}
        if note:
            details["note"] = note
        entries_.append(AuditLog(actor=actor.id if actor else actor_id,
                                 actor_name=actor.username if actor else (actor_name or ""),
                                 action=action, entity=entity, entity_id=entity_id, unit=unit,
                                 details=json.dumps(details, default=str)))
    await AuditLog.insert(*entries_).run()


def _normalised(details: Any) -> dict:
    """Details as {"unit_id", "changes": {field: {"before", "after"}}, "note"?} whoever wrote the entry."""
    try:
        data: Any = json.loads(details) if isinstance(details, str) else (details or {})
    except ValueError:
        data = {"note": str(details)}
    if not isinstance(data, dict):
        data = {"note": str(data)}
    changes = found if isinstance(found := data.get("changes"), dict) else {}
    data["changes"] = {
        str(k): v if isinstance(v, dict) and set(v) <= {"before", "after"} else {"before": None, "after": v}
        for k, v in changes.items()
    }
    return data


async def entries(unit_ids: set[int] | None, before: int | None = None,
                  limit: int = PAGE_SIZE) -> tuple[list[dict], int | None]:
    """One page of entries, newest first, older than entry `before` (keyset pagination: each page costs the
    same however deep), and the `before` of the next page (None on the last). `unit_ids` None = everything
    (admins), otherwise only entries of those units, filtered in SQL on the indexed `unit` column."""
    if unit_ids is not None and not unit_ids:
        return [], None
    query = AuditLog.select().order_by(AuditLog.id, ascending=False).limit(limit + 1)
    if unit_ids is not None:
        query = query.where(AuditLog.unit.is_in(sorted(unit_ids)))
    if before is not None:
        query = query.where(AuditLog.id < max(0, min(before, MAX_ID)))
    rows = await query.run()
    for row in rows:
        row["details"] = _normalised(row["details"])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, rows[-1]["id"] if more else None
