"""Resolve the unit / service / counter a back-office request asks for, within the user's unit scope (403 outside)."""

from __future__ import annotations

from litestar import Request
from litestar.exceptions import ClientException

from portal.accounts.guards import current_user, ensure_unit_access
from portal.accounts.permissions import units_visible
from portal.db.tables import Counter, Service, Unit
from portal.insight.report import Scope
from portal.web import t


async def allowed_units(request: Request) -> list[dict]:
    units = units_visible(current_user(request))
    query = Unit.select().order_by(Unit.name)
    if units is not None:
        if not units:
            return []
        query = query.where(Unit.id.is_in(sorted(units)))
    return await query.run()


async def resolve(request: Request, unit_slug: str | None, service_slug: str | None,
                  counter_code: str | None) -> Scope | None:
    """The scope of a dashboard request; None when the user has no unit at all. Unknown or inconsistent filters
    give 400; a unit outside the user's scope gives 403."""
    units = await allowed_units(request)
    service = counter = unit = None
    if service_slug:
        service = await Service.select().where(Service.slug == service_slug).first().run()
        if service is None:
            raise ClientException(t(request, "Unknown service %(value)s.", value=service_slug))
    if counter_code:
        counter = await Counter.select().where(Counter.code == counter_code).first().run()
        if counter is None:
            raise ClientException(t(request, "Unknown counter %(value)s.", value=counter_code))
    if unit_slug:
        unit = await Unit.select().where(Unit.slug == unit_slug).first().run()
        if unit is None:
            raise ClientException(t(request, "Unknown unit %(value)s.", value=unit_slug))
    elif (owner := service or counter) is not None:  # rows are never empty dicts
        unit_id = owner["unit"]
        unit = await Unit.select().where(Unit.id == unit_id).first().run()
    elif units:
        unit = units[0]
    if unit is None:
        return None
    ensure_unit_access(request, unit["id"])
    if service is not None and service["unit"] != unit["id"]:
        raise ClientException(t(request, "The service %(value)s does not belong to this unit.", value=service_slug))
    if counter is not None and counter["unit"] != unit["id"]:
        raise ClientException(t(request, "The counter %(value)s does not belong to this unit.", value=counter_code))
    services = await Service.select().where(Service.unit == unit["id"]).order_by(Service.name).run()
    in_scope = [s for s in services if service is None or s["id"] == service["id"]]
    peers = []
    if len(units) >= 2:
        ids = [u["id"] for u in units]
        all_services = await Service.select(Service.id, Service.unit).where(Service.unit.is_in(ids)).run()
        for u in units:
            peers.append({"unit": u, "services": [s for s in all_services if s["unit"] == u["id"]]})
    return Scope(unit=unit, services=in_scope, service=service, counter=counter, peer_units=peers)
