"""Published figures: computed by the background refresher, read as they are by the thank-you page and the API.

A citizen's thank-you page shows the service's results of the last RECENT_DAYS unit-local days; the results
API answers its default window (the same days) for a service or a unit. Those figures are recomputed by the
refresher (portal.insight.refresher) whenever the service's rollups change and at least every few minutes (so
the window follows the local date), and stored with the time they were computed ("as of HH:MM"). A reader
never computes them; a figure not yet published reads as None ("not yet published").
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from portal import cache
from portal.db.tables import Service
from portal.db.tables_insight import PublishedResult
from portal.insight import results
from portal.timeutil import local_day, utcnow

RECENT_DAYS = 90


def recent_window(timezone: str, today: date | None = None) -> tuple[date, date]:
    """The last RECENT_DAYS unit-local days, today included."""
    today = today or local_day(timezone)
    return today - timedelta(days=RECENT_DAYS - 1), today


def _period(start: date, end: date) -> dict[str, str]:
    """As results.py writes it: a figure published before local midnight covers yesterday's window."""
    return {"from": start.isoformat(), "to": end.isoformat()}


def service_key(service_id: int) -> str:
    return f"service:{service_id}:recent"


def unit_key(unit_id: int) -> str:
    return f"unit:{unit_id}:recent"


async def _store(key: str, payload: dict) -> None:
    text = json.dumps(payload, separators=(",", ":"), default=str)
    now = utcnow()
    await PublishedResult.insert(PublishedResult(key=key, payload=text, computed_at=now)).on_conflict(
        target=PublishedResult.key, action="DO UPDATE",
        values=[PublishedResult.payload, PublishedResult.computed_at],
    ).run()


async def read(key: str) -> tuple[dict, datetime] | None:
    """The published figures under `key` and when they were computed (None: not published yet); kept in the
    process for a couple of seconds (portal.cache.published), since the refresher changes them no faster."""
    found = cache.published.get(key, cache.MISSING)
    if found is cache.MISSING:
        found = await _read(key)
        cache.published.put(key, found)
    return found


async def _read(key: str) -> tuple[dict, datetime] | None:
    row = await (PublishedResult.select(PublishedResult.payload, PublishedResult.computed_at)
                 .where(PublishedResult.key == key).first().run())
    if row is None:
        return None
    at = row["computed_at"]
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    return json.loads(row["payload"]), at if at.tzinfo else at.replace(tzinfo=UTC)


async def service_results(service_id: int, timezone: str, start: date, end: date) -> dict:
    """A service's results: the published figures when the period is the published window (the API's
    default), otherwise computed now from the rollups (bounded by days, never by responses)."""
    if (start, end) == recent_window(timezone):
        found = await read(service_key(service_id))
        if found is not None and found[0]["period"] == _period(start, end):
            return found[0]
    return await results.service_results(service_id, start, end)


async def unit_results(unit_id: int, timezone: str, start: date, end: date) -> dict:
    """A unit's results, published or computed now, as service_results."""
    if (start, end) == recent_window(timezone):
        found = await read(unit_key(unit_id))
        if found is not None and found[0]["period"] == _period(start, end):
            return found[0]
    return await results.unit_results(unit_id, start, end)


async def republish(service_ids: set[int] | None = None) -> int:
    """Recompute the published recent-window figures of these services (None = all) and of their units."""
    query = Service.select(Service.id, Service.unit, Service.unit.timezone.as_alias("tz"))
    if service_ids is not None:
        if not service_ids:
            return 0
        query = query.where(Service.id.is_in(sorted(service_ids)))
    services = await query.run()
    units: dict[int, str] = {}
    for s in services:
        start, end = recent_window(s["tz"])
        await _store(service_key(s["id"]), await results.service_results(s["id"], start, end))
        units[s["unit"]] = s["tz"]
    for unit_id, tz in units.items():
        start, end = recent_window(tz)
        await _store(unit_key(unit_id), await results.unit_results(unit_id, start, end))
    cache.published.clear()  # this process sees its new figures at once; other workers within PUBLISHED_TTL
    return len(services) + len(units)
