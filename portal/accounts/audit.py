"""The append-only audit log (ISO 9001 7.5 records): who changed which standard, service, counter, user or maklumat."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from portal.accounts.auth import CurrentUser
from portal.db.tables import AuditLog


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
                 note: str = "") -> None:
    """Append one entry; `unit_id` scopes it (heads see their units' entries)."""
    details: dict[str, Any] = {"unit_id": unit_id, "changes": changes(before, after)}
    if note:
        details["note"] = note
    await AuditLog.insert(
        AuditLog(actor=actor.id if actor else None, actor_name=actor.username if actor else "",
                 action=action, entity=entity, entity_id=entity_id, details=json.dumps(details, default=str))
    ).run()


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


async def entries(unit_ids: set[int] | None, limit: int = 300) -> list[dict]:
    """Newest first; `unit_ids` None = everything (admins), otherwise only entries of those units."""
    rows = await AuditLog.select().order_by(AuditLog.id, ascending=False).limit(limit * 5 if unit_ids else limit).run()
    out = []
    for row in rows:
        row["details"] = _normalised(row["details"])
        if unit_ids is None or row["details"].get("unit_id") in unit_ids:
            out.append(row)
    return out[:limit]
