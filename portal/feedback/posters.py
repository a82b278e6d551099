"""Printable A4 counter posters: unit, counter, services with time limit and fee, QR, short URL, maklumat."""

from __future__ import annotations

from typing import cast

from portal.catalog.queries import UnitRow
from portal.db.tables import Unit
from portal.feedback import queries
from portal.feedback.qr import counter_url, short_text
from portal.queue.queries import CounterRow


async def unit_by_slug(slug: str) -> UnitRow | None:
    return cast("UnitRow | None", await Unit.select().where(Unit.slug == slug).first().run())


async def poster(public_url: str, unit: UnitRow, counter: CounterRow, lang: str) -> dict:
    """What one counter's poster shows (the template lays it out)."""
    url = counter_url(public_url, counter["code"])
    services = await queries.services_of_counter(counter["id"])
    for service in services:
        service["display_name"] = service["name_en"] if lang == "en" and service.get("name_en") else service["name"]
    return {
        "counter": counter, "services": services, "url": url, "short_url": short_text(url),
        "qr_src": f"/c/{counter['code']}/qr.svg",
        "maklumat": {"text": unit.get("maklumat_text") or "", "signer": unit.get("maklumat_signer") or "",
                     "date": unit.get("maklumat_date")} if (unit.get("maklumat_text") or "").strip() else None,
    }


async def unit_posters(public_url: str, unit: UnitRow, lang: str) -> list[dict]:
    """One poster per active counter of the unit, by counter code."""
    return [await poster(public_url, unit, counter, lang) for counter in await queries.counters_of_unit(unit["id"])]
