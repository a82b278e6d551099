"""Catalog writes: a unit's working-day calendar settings (row and audit entry in one transaction)."""

from __future__ import annotations

import json

from portal.db.tables import AuditLog, Service, Unit


class CatalogError(ValueError):
    """A change refused (the message is an English msgid)."""


async def set_cuti_bersama(unit_slug: str, closed: bool, actor_name: str = "cli") -> dict:
    """Set whether the unit is closed on cuti bersama (collective leave; `holidays` government category), i.e.
    whether those days are non-working days in its working-day durations (docs/measures.md, "Time").

    The row and its audit entry commit together; the unit's rollups are then recomputed, since every working-day
    duration of its services may change. Returns {"unit", "before", "after", "services", "rows"}.
    """
    async with Unit._meta.db.transaction():
        unit = await Unit.select(Unit.id, Unit.slug, Unit.cuti_bersama).where(Unit.slug == unit_slug).first().run()
        if unit is None:
            raise LookupError(unit_slug)
        before = True if unit["cuti_bersama"] is None else bool(unit["cuti_bersama"])
        if before != closed:
            await Unit.update({Unit.cuti_bersama: closed}).where(Unit.id == unit["id"]).run()
            await AuditLog.insert(AuditLog(
                actor=None, actor_name=actor_name, action="unit_calendar_changed", entity="unit",
                entity_id=unit["id"], unit=unit["id"], details=json.dumps({"unit_id": unit["id"], "changes": {
                    "cuti_bersama": {"before": before, "after": closed}}}),
            )).run()
    result = {"unit": unit_slug, "before": before, "after": closed, "services": 0, "rows": 0}
    if before != closed:
        from portal.cache import catalog_changed
        from portal.insight.published import republish
        from portal.insight.rollups import rebuild

        catalog_changed()
        ids = [r["id"] for r in await Service.select(Service.id).where(Service.unit == unit["id"]).run()]
        result.update(await rebuild(ids))
        await republish(set(ids))
    return result
