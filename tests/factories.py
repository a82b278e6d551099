"""Factories for integration tests: rows with unique slugs so tests sharing one database never collide."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from portal.accounts.passwords import hash_password_sync
from portal.accounts.services import create_or_reset_user as create_user
from portal.db.tables import Counter, CounterService, Government, Service, StandardVersion, Unit

PASSWORD = "test-password-123"


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def make_government() -> int:
    rows = await Government.insert(Government(slug=uid("kota"), name="Kota Uji")).returning(Government.id).run()
    return rows[0]["id"]


async def make_unit(timezone: str = "Asia/Makassar", **fields) -> dict:
    government = fields.pop("government", None) or await make_government()
    unit = Unit(government=government, slug=fields.pop("slug", uid("unit")), name=fields.pop("name", "Dinas Uji"),
                timezone=timezone, **fields)
    await unit.save().run()
    return await Unit.select().where(Unit.id == unit.id).first().run()


# A factory standard is in force from a fixed day well before any test's data (not from 'now - N days', which
# moves with the calendar): tests pick their own days, before or after the real date.
STANDARD_SINCE = datetime(2020, 1, 1, tzinfo=UTC)


async def make_service(unit: dict, *, fee: int = 0, time_limit: tuple[int, str] = (30, "minutes"),
                       approved: bool = True, effective_from: datetime | None = None, **fields) -> dict:
    service = Service(unit=unit["id"], slug=fields.pop("slug", uid("layanan")), name=fields.pop("name", "Layanan Uji"),
                      **fields)
    await service.save().run()
    await StandardVersion(
        service=service.id, version=1, status="approved" if approved else "draft",
        requirements=["KTP-el asli", "Kartu Keluarga"], procedure=["Ambil antrean", "Serahkan berkas", "Terima produk"],
        time_limit_value=time_limit[0], time_limit_unit=time_limit[1], fee=fee, product="Dokumen uji",
        complaint_channel="SP4N-LAPOR! (lapor.go.id), SMS 1708",
        effective_from=(effective_from or STANDARD_SINCE) if approved else None,
    ).save().run()
    return await Service.select().where(Service.id == service.id).first().run()


async def make_counter(unit: dict, services: list[dict], **fields) -> dict:
    counter = Counter(unit=unit["id"], code=fields.pop("code", uuid.uuid4().hex[:10].upper()),
                      name=fields.pop("name", "Loket Uji"), **fields)
    await counter.save().run()
    for service in services:
        await CounterService(counter=counter.id, service=service["id"]).save().run()
    return await Counter.select().where(Counter.id == counter.id).first().run()


async def make_user(role: str, units: list[dict], username: str | None = None) -> dict:
    name = username or uid(role)
    user_id = await create_user(name, hash_password_sync(PASSWORD), role, [u["slug"] for u in units])
    return {"id": user_id, "username": name, "password": PASSWORD, "role": role}


async def refresh() -> dict:
    """One pass of the background refresher (the tests run without the background task): pending rollup deltas
    folded, dirty days recomputed, published figures recomputed."""
    from portal.insight.refresher import run_once

    return await run_once()
