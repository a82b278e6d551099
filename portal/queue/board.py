"""The live queue board: the unit's queue state (waiting, now serving, median wait today) and its channel events."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import msgspec
import numpy as np
from litestar.channels import ChannelsPlugin

from portal.db.tables import Counter, Visit
from portal.queue.queries import CounterRow, UnitRow, VisitRow
from portal.queue.schemas import QueueEvent, QueueState, Serving
from portal.timeutil import local_day, utcnow

log = logging.getLogger("portal.queue")


def channel_name(unit_id: int) -> str:
    return f"unit:{unit_id}"


def median_wait_minutes(visits: list[dict]) -> float | None:
    """Median of arrival -> called in minutes (numpy, full precision), over visits already called; None if none."""
    waits = [(v["called_at"] - v["arrived_at"]).total_seconds() / 60 for v in visits if v["called_at"] and v["arrived_at"]]
    return float(np.median(waits)) if waits else None


async def queue_state(unit: Mapping[str, Any]) -> QueueState:
    day = local_day(unit["timezone"], utcnow())
    visits = await Visit.select(
        Visit.id, Visit.counter, Visit.ticket_number, Visit.arrived_at, Visit.called_at, Visit.finished_at,
        Visit.outcome,
    ).where((Visit.unit == unit["id"]) & (Visit.local_day == day)).order_by(Visit.called_at).run()
    counters = await Counter.select(Counter.id, Counter.code, Counter.name).where(
        (Counter.unit == unit["id"]) & (Counter.active == True)  # noqa: E712
    ).order_by(Counter.code).run()  # the order the counters stand in (codes are numbered), not alphabetical
    waiting = sum(1 for v in visits if v["called_at"] is None and v["outcome"] is None and v["arrived_at"])
    current: dict[int, str] = {}
    for v in visits:  # ordered by called_at: the latest open call per counter wins
        if v["called_at"] and v["counter"] and v["finished_at"] is None and v["outcome"] is None:
            current[v["counter"]] = v["ticket_number"]
    serving = [Serving(counter=c["name"], ticket=current.get(c["id"]), counter_code=c["code"]) for c in counters]
    return QueueState(unit=unit["slug"], waiting=waiting, serving=serving,
                      median_wait_minutes=median_wait_minutes(visits), unit_name=unit["name"],
                      local_day=day.isoformat())


async def publish(channels: ChannelsPlugin | None, unit: UnitRow, event_type: str, visit: VisitRow,
                  counter: CounterRow | None = None) -> None:
    """Tell every board and console of the unit (in every worker process, through the channels backend)."""
    if channels is None:
        return
    event = QueueEvent(type=event_type, unit=unit["slug"], visit_id=visit["id"], ticket=visit.get("ticket_number"),
                       counter=counter["name"] if counter else None, counter_code=counter["code"] if counter else None,
                       at=utcnow().isoformat())
    try:
        await channels.wait_published(msgspec.json.encode(event), channels=[channel_name(unit["id"])])
    except Exception:  # the write is committed; a board missing one event catches up by polling
        log.exception("could not publish %s on %s", event_type, channel_name(unit["id"]))
