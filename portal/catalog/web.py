"""Request helpers of the catalog's back-office pages: the user's units, look-ups that answer 404/403 for a
service, counter or unit out of the user's scope, and the unit a form names (guards: portal.accounts.permissions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from litestar import Request
from litestar.exceptions import ClientException, NotFoundException

from portal.accounts.guards import current_user, ensure_unit_access
from portal.accounts.permissions import units_visible
from portal.catalog import queries
from portal.queue import queries as unit_lists
from portal.queue.queries import CounterRow, ServiceRow, UnitListRow, UnitRow
from portal.web import t

#: A row that belongs to a unit (a counter or service row: it has a "unit" key).
R = TypeVar("R", bound=Mapping[str, Any])


async def my_units(request: Request) -> list[UnitListRow]:
    return await unit_lists.units_of(units_visible(current_user(request)))


async def in_scope(request: Request, row: R | None, unknown: str) -> tuple[R, UnitRow]:
    """The row and its unit, or 404 with `unknown` when it does not exist, 403 when the unit is out of scope."""
    if row is None:
        raise NotFoundException(t(request, unknown))
    ensure_unit_access(request, row["unit"])
    unit = await queries.unit_by_id(row["unit"])
    assert unit is not None  # a row's unit exists (foreign key)
    return row, unit


async def service_in_scope(request: Request, service_slug: str) -> tuple[ServiceRow, UnitRow]:
    return await in_scope(request, await queries.service_by_slug(service_slug), "Unknown service.")


async def counter_in_scope(request: Request, counter_code: str) -> tuple[CounterRow, UnitRow]:
    return await in_scope(request, await queries.counter_by_code(counter_code), "Unknown counter.")


async def unit_in_scope(request: Request, unit_slug: str) -> UnitRow:
    unit = await queries.unit_by_slug(unit_slug)
    if unit is None:
        raise NotFoundException(t(request, "Unknown unit."))
    ensure_unit_access(request, unit["id"])
    return unit


def form_unit_id(request: Request, value: str) -> int:
    """The unit a back-office form names (its `unit` field), which must be one of the user's units."""
    try:
        unit_id = int(value or "")
    except ValueError:
        raise ClientException(t(request, "Unknown unit.")) from None
    ensure_unit_access(request, unit_id)
    return unit_id
