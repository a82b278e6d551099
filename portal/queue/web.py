"""Request helpers of the queue's console pages: the user's unit scope, look-ups that answer 404/403 and the
notices shown after a refused step (guards: portal.accounts.permissions). The catalog's are in portal.catalog.web."""

from __future__ import annotations

from datetime import date

from litestar import Request
from litestar.channels import ChannelsPlugin
from litestar.response import Redirect

from portal.accounts.guards import current_user
from portal.accounts.permissions import units_visible
from portal.catalog.web import in_scope  # units and their scope are the catalog's
from portal.queue import queries, tickets
from portal.queue.queries import CounterRow, UnitListRow, UnitRow, VisitRow
from portal.timeutil import latest_local_day
from portal.web import t

# --- helpers ------------------------------------------------------------------------------------------------------

def scope_ids(request: Request) -> frozenset[int] | None:
    return units_visible(current_user(request))


async def my_units(request: Request) -> list[UnitListRow]:
    return await queries.units_of(scope_ids(request))


def channels_of(request: Request) -> ChannelsPlugin | None:
    try:
        return request.app.plugins.get(ChannelsPlugin)
    except KeyError:  # pragma: no cover
        return None


async def counter_in_scope(request: Request, counter_code: str) -> tuple[CounterRow, UnitRow]:
    return await in_scope(request, await tickets.counter_by_code(counter_code), "Unknown counter.")


async def visit_in_scope(request: Request, visit_id: int) -> tuple[VisitRow, UnitRow]:
    return await in_scope(request, await queries.visit_by_id(visit_id), "Unknown ticket.")


def safe_next(target: str | None, default: str) -> str:
    return target if target and target.startswith("/console") and not target.startswith("//") else default


#: Why a console step could not be done: shown as a notice on the page the officer came from (?notice=code),
#: never as a bare error page. Only these codes are shown; anything else in ?notice= is ignored. The refusals of a
#: visit's transitions come with their code (tickets.TransitionError.code); a few notices are the console's own.
NOTICES = {
    **tickets.TRANSITIONS,
    "nobody-waiting": "Nobody is waiting for this counter.",
    "not-now": "That step is not possible for this ticket now.",
    "transferred": "The ticket was transferred; it keeps its number and its place by arrival.",
}


def with_notice(path: str, code: str) -> Redirect:
    """Back to `path` with the notice `code` (a key of NOTICES)."""
    return Redirect(path=f"{path}{'&' if '?' in path else '?'}notice={code if code in NOTICES else 'not-now'}",
                    status_code=303)


def notice_text(request: Request, code: str | None) -> str | None:
    return t(request, NOTICES[code]) if code in NOTICES else None


def today_of(units: list[UnitListRow]) -> date:
    return latest_local_day(u["timezone"] for u in units)



