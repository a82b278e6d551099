"""What an officer's counter page shows: the ticket in service at the top (with the steps that follow it), the
counter's queue in the order calls take (paged: the first WAITING_SHOWN and "+N more"), the earlier visits that
still need a step, and the other counters a ticket can be transferred to."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template

from portal.db.tables import OUTCOMES
from portal.queue import queries, tickets
from portal.queue.queries import CounterRow, UnitRow
from portal.timeutil import local_day

#: Waiting tickets listed before "+N more" (the whole list is one click away).
WAITING_SHOWN = 20
#: How far back the "at this counter" table looks for visits still needing a step (multi-day deliveries).
OPEN_DAYS = 30


async def counter_page(request: Request, counter: CounterRow, unit: UnitRow, *, notice: str | None = None,
                       issued: int | None = None, all_waiting: bool = False, status_code: int = 200) -> Template:
    """The counter page; `notice` (already translated) is shown as an alert, e.g. with status 409 when the
    database refused a second ticket in service."""
    services = await tickets.counter_services(counter["id"])
    today = local_day(unit["timezone"])
    waiting = await queries.waiting_for_counter(unit["id"], counter["id"], [s["id"] for s in services], today)
    current = await queries.current_at_counter(counter["id"], today)
    open_visits = [v for v in await queries.open_at_counter(counter["id"], today.fromordinal(today.toordinal()
                                                                                               - OPEN_DAYS))
                   if current is None or v["id"] != current["id"]]
    issued_visit = await queries.visit_by_id(issued) if issued else None
    if issued_visit and issued_visit["unit"] != unit["id"]:
        issued_visit = None
    context: dict[str, Any] = {
        "counter": counter, "unit": unit, "services": services, "waiting": waiting,
        "waiting_shown": waiting if all_waiting else waiting[:WAITING_SHOWN], "open_visits": open_visits,
        "current": current, "current_service": await _service_name(current) if current else None,
        "transfer_to": await queries.other_counters(unit["id"], counter["id"]) if current else [],
        "services_by_id": {s["id"]: s for s in services}, "issued": issued_visit, "stage": tickets.stage,
        "outcomes": OUTCOMES, "notice": notice,
    }
    return Template("queue/counter.html", context=context, status_code=status_code)


async def _service_name(visit: queries.VisitRow) -> str:
    service = await queries.service_by_id(visit["service"])
    return service["name"] if service else ""
