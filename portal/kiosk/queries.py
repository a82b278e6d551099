"""Reads of the kiosk capability: kiosks by token or pairing hash, kiosks of a user's units, the visit being served
at a counter when an answer was given. Its writes live in portal.kiosk.services."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TypedDict, cast

from portal.db.rows import CounterRow
from portal.db.tables import Counter, SurveyResponse, Visit
from portal.db.tables_kiosk import Kiosk, KioskAnswer

#: An answer given this long after the visit at the counter was finished still belongs to that visit.
AFTER_FINISH = timedelta(minutes=30)


class KioskRow(TypedDict):
    """Every column of a kiosk (kiosk_by_token(), kiosk_by_pairing(), kiosk_by_id())."""

    id: int
    unit: int
    counter: int
    label: str
    pairing_hash: str | None
    pairing_expires_at: datetime | None
    token_hash: str | None
    paired_at: datetime | None
    last_paired_at: datetime | None
    revoked_at: datetime | None
    created_by: int | None
    created_at: datetime
    last_sync_at: datetime | None
    waiting: int | None


class KioskListRow(KioskRow):
    """A kiosk with its counter's code and name and its unit's name and zone (kiosks_of_units())."""

    counter_code: str
    counter_name: str
    unit_name: str
    unit_timezone: str


class ServedVisitRow(TypedDict):
    """The visit being served when a kiosk answer was given (visit_served_at())."""

    id: int
    origin: str  # one of VISIT_ORIGINS


def secret_hash(secret: str) -> str:
    """SHA-256 of a high-entropy secret (pairing code or device token): what the database keeps instead."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def kiosk_by_token(token: str | None) -> KioskRow | None:
    """The paired, unrevoked kiosk holding this device token, or None."""
    if not token or len(token) > 128:
        return None
    return cast("KioskRow | None", await Kiosk.select().where(
        (Kiosk.token_hash == secret_hash(token)) & Kiosk.revoked_at.is_null()).first().run())


async def kiosk_by_pairing(code: str, now: datetime) -> KioskRow | None:
    """The kiosk whose unused, unexpired one-time pairing link carries `code`, or None."""
    if not code or len(code) > 128:
        return None
    return cast("KioskRow | None", await Kiosk.select().where(
        (Kiosk.pairing_hash == secret_hash(code)) & (Kiosk.pairing_expires_at > now)).first().run())


async def kiosk_by_id(kiosk_id: int) -> KioskRow | None:
    return cast("KioskRow | None", await Kiosk.select().where(Kiosk.id == kiosk_id).first().run())


async def kiosks_of_units(unit_ids: list[int] | None) -> list[KioskListRow]:
    """Kiosks with their counter's code and name (None = every unit, for admins), newest first."""
    query = Kiosk.select(*Kiosk.all_columns(), Kiosk.counter.code.as_alias("counter_code"),
                         Kiosk.counter.name.as_alias("counter_name"), Kiosk.unit.name.as_alias("unit_name"),
                         Kiosk.unit.timezone.as_alias("unit_timezone"))
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.where(Kiosk.unit.is_in(unit_ids))
    return cast("list[KioskListRow]", await query.order_by(Kiosk.id, ascending=False).run())


async def counters_of_units(unit_ids: list[int] | None) -> list[CounterRow]:
    query = Counter.select().where(Counter.active == True)  # noqa: E712
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.where(Counter.unit.is_in(unit_ids))
    return cast("list[CounterRow]", await query.order_by(Counter.code).run())


async def counter_by_code(code: str) -> CounterRow | None:
    return cast("CounterRow | None", await Counter.select().where(Counter.code == (code or "").upper()).first().run())


async def counter_by_id(counter_id: int) -> CounterRow | None:
    return cast("CounterRow | None", await Counter.select().where(Counter.id == counter_id).first().run())


async def answer_known(uuid: str) -> bool:
    return await KioskAnswer.exists().where(KioskAnswer.uuid == uuid).run()


async def visit_served_at(counter_id: int, service_id: int, at: datetime) -> ServedVisitRow | None:
    """The visit the officer was serving at this counter for this service when an answer was given at `at`
    (served before `at`, finished not more than AFTER_FINISH before it, the latest such), if it has no answer
    yet; else None. Bounded by the (counter, local_day) index: the visit's day is at most one day back."""
    visit = await Visit.select(Visit.id, Visit.origin).where(
        (Visit.counter == counter_id) & (Visit.service == service_id)
        & (Visit.local_day >= (at - timedelta(days=1)).date()) & (Visit.served_at <= at)
        & (Visit.finished_at.is_null() | (Visit.finished_at >= at - AFTER_FINISH))
        & (Visit.outcome.is_null() | (Visit.outcome == "completed"))
    ).order_by(Visit.served_at, ascending=False).first().run()
    if visit is None or await SurveyResponse.exists().where(SurveyResponse.visit == visit["id"]).run():
        return None
    return cast(ServedVisitRow, visit)
