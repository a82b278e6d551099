"""The live queue board: the unit's queue state (waiting, now serving, recently called, median wait today) and its
channel events."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import msgspec
import numpy as np
from litestar.channels import ChannelsPlugin

from portal.db.tables import Counter, Visit
from portal.queue import queries
from portal.queue.queries import CounterRow, UnitRow, VisitRow
from portal.queue.schemas import QueueEvent, QueueState, RecentCall, Serving
from portal.timeutil import local_day, utcnow

log = logging.getLogger("portal.queue")


def channel_name(unit_id: int) -> str:
    return f"unit:{unit_id}"


#: Per unit, how many queue events this process has published: portal.queue.waits keeps its cached figures only
#: while this number is unchanged, so the queue API agrees with the console at once after a write made here
#: (another worker's cache is at most waits.CACHE_SECONDS old).
_changes: dict[int, int] = {}


def changes_of(unit_id: int) -> int:
    return _changes.get(unit_id, 0)


def median_wait_minutes(visits: list[dict]) -> float | None:
    """Median of arrival -> called in minutes (numpy, full precision), over visits already called; None if none."""
    waits = [(v["called_at"] - v["arrived_at"]).total_seconds() / 60 for v in visits if v["called_at"] and v["arrived_at"]]
    return float(np.median(waits)) if waits else None


#: How many of today's calls the board lists as "recently called".
RECENT_CALLS = 6


def _announced_at(visit: Mapping[str, Any]):
    """When the ticket was last announced: its call, or the officer's repeat of it."""
    recalled = visit["recalled_at"]
    return recalled if recalled is not None and recalled > visit["called_at"] else visit["called_at"]


async def queue_state(unit: Mapping[str, Any]) -> QueueState:
    """Waiting count (queries.waiting_condition, as the console and the API count), the ticket open at each active
    counter, the last calls of the unit's local day and the median wait of today's calls. Two reads bounded by
    today's calls of the unit, and a count."""
    day = local_day(unit["timezone"], utcnow())
    waiting = await Visit.count().where(queries.waiting_condition(unit["id"], day)).run()
    called = await Visit.select(
        Visit.id, Visit.counter, Visit.ticket_number, Visit.arrived_at, Visit.called_at, Visit.recalled_at,
        Visit.finished_at, Visit.outcome,
    ).where((Visit.unit == unit["id"]) & (Visit.local_day == day) & Visit.called_at.is_not_null()).order_by(
        Visit.called_at).run()
    counters = await Counter.select(Counter.id, Counter.code, Counter.name, Counter.active).where(
        Counter.unit == unit["id"]).order_by(Counter.code).run()  # the order the counters stand in (codes are numbered)
    by_id = {c["id"]: c for c in counters}
    current: dict[int, str] = {}
    for v in called:  # ordered by called_at: the latest open call per counter wins (the database allows one)
        if v["counter"] and v["finished_at"] is None and v["outcome"] is None:
            current[v["counter"]] = v["ticket_number"]
    serving = [Serving(counter=c["name"], ticket=current.get(c["id"]), counter_code=c["code"])
               for c in counters if c["active"]]
    recent = []
    for v in sorted(called, key=_announced_at, reverse=True)[:RECENT_CALLS]:
        counter = by_id.get(v["counter"])
        at = _announced_at(v).isoformat()
        recent.append(RecentCall(ticket=v["ticket_number"], counter=counter["name"] if counter else "",
                                 counter_code=counter["code"] if counter else "", at=at, key=f"{v['id']}@{at}"))
    return QueueState(unit=unit["slug"], waiting=waiting, serving=serving,
                      median_wait_minutes=median_wait_minutes(called), unit_name=unit["name"],
                      local_day=day.isoformat(), recent=recent)


async def publish(channels: ChannelsPlugin | None, unit: UnitRow, event_type: str, visit: VisitRow,
                  counter: CounterRow | None = None) -> None:
    """Tell every board and console of the unit (in every worker process, through the channels backend)."""
    _changes[unit["id"]] = _changes.get(unit["id"], 0) + 1
    if channels is None:
        return
    event = QueueEvent(type=event_type, unit=unit["slug"], visit_id=visit["id"], ticket=visit.get("ticket_number"),
                       counter=counter["name"] if counter else None, counter_code=counter["code"] if counter else None,
                       at=utcnow().isoformat())
    try:
        await channels.wait_published(msgspec.json.encode(event), channels=[channel_name(unit["id"])])
    except Exception:  # the write is committed; a board missing one event catches up by polling
        log.exception("could not publish %s on %s", event_type, channel_name(unit["id"]))
