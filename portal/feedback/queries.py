"""Reads and writes of the feedback capability: counters and their services, citizen visits, survey responses,
paper import batches. Every write of a visit or response marks its (service, local day) rollup dirty."""

from __future__ import annotations

from datetime import UTC, date, datetime

from portal.catalog.queries import standard_in_force
from portal.db.engine import is_unique_violation
from portal.db.tables import Counter, CounterService, Service, SurveyResponse, Unit, Visit
from portal.db.tables_feedback import FormNonce, PaperBatch, PaperBatchResponse
from portal.insight.rollups import touch
from portal.timeutil import local_day

CITIZEN_STAGES = ("served", "finished")


async def counter_by_code(code: str) -> dict | None:
    """An active counter by its public code (case-insensitive), or None."""
    if not code or len(code) > 16:
        return None
    return await Counter.select().where((Counter.code == code.upper()) & (Counter.active == True)).first().run()  # noqa: E712


async def unit_by_id(unit_id: int) -> dict | None:
    return await Unit.select().where(Unit.id == unit_id).first().run()


async def counters_of_unit(unit_id: int) -> list[dict]:
    return await (Counter.select().where((Counter.unit == unit_id) & (Counter.active == True))  # noqa: E712
                  .order_by(Counter.code).run())


async def services_of_counter(counter_id: int) -> list[dict]:
    """The active services a counter serves, each with its standard in force (key "standard", may be None)."""
    links = await CounterService.select(CounterService.service).where(CounterService.counter == counter_id).run()
    ids = [row["service"] for row in links]
    if not ids:
        return []
    services = await (Service.select().where(Service.id.is_in(ids) & (Service.active == True))  # noqa: E712
                      .order_by(Service.name).run())
    for service in services:
        service["standard"] = _decode(await standard_in_force(service["id"]))
    return services


def _decode(standard: dict | None) -> dict | None:
    """Piccolo returns JSON columns as text: decode the lists of a standard version."""
    import json

    if standard is None:
        return None
    for key in ("requirements", "procedure"):
        if isinstance(standard.get(key), str):
            standard[key] = json.loads(standard[key] or "[]")
    return standard


async def standard_version(version_id: int | None) -> dict | None:
    from portal.db.tables import StandardVersion

    if version_id is None:
        return None
    return _decode(await StandardVersion.select().where(StandardVersion.id == version_id).first().run())


async def service_by_id(service_id: int) -> dict | None:
    return await Service.select().where(Service.id == service_id).first().run()


async def visit_by_token(token: str) -> dict | None:
    return await Visit.select().where(Visit.token == token).first().run()


async def create_scan_visit(unit: dict, service_id: int, counter_id: int, standard_id: int | None, token: str) -> dict:
    """A citizen-started visit (origin "scan"): arrival now, recorded by the citizen."""
    now = datetime.now(UTC)
    day = local_day(unit["timezone"], now)
    rows = await Visit.insert(Visit(
        unit=unit["id"], service=service_id, counter=counter_id, standard_version=standard_id, origin="scan",
        local_day=day, token=token, arrived_at=now, arrived_source="citizen",
    )).returning(*Visit.all_columns()).run()
    await touch(service_id, day)
    return rows[0]


async def mark_stage(visit: dict, stage: str) -> bool:
    """Record `stage` (served | finished) now, by the citizen, unless it is already recorded; True if written."""
    if stage not in CITIZEN_STAGES:
        raise ValueError(stage)
    at, source = getattr(Visit, f"{stage}_at"), getattr(Visit, f"{stage}_source")
    async with Visit._meta.db.transaction():
        current = await Visit.select(at).where(Visit.id == visit["id"]).first().run()
        if current is None or current[f"{stage}_at"] is not None:
            return False
        await Visit.update({at: datetime.now(UTC), source: "citizen"}).where(Visit.id == visit["id"]).run()
    await touch(visit["service"], visit["local_day"])
    return True


async def mark_survey_offered(visit: dict) -> None:
    if visit.get("survey_offered"):
        return
    await Visit.update({Visit.survey_offered: True}).where(Visit.id == visit["id"]).run()
    await touch(visit["service"], visit["local_day"])


async def response_exists_for_visit(visit_id: int) -> bool:
    return await SurveyResponse.exists().where(SurveyResponse.visit == visit_id).run()


async def save_response(values: dict, nonce: str | None) -> int | None:
    """Insert one survey response; None when it was already received (same visit, or same form nonce).

    The database decides: the unique index on survey_response.visit and on feedback_form_nonce.nonce.
    """
    try:
        async with SurveyResponse._meta.db.transaction():
            if nonce:
                await FormNonce.insert(FormNonce(nonce=nonce)).run()
            rows = await SurveyResponse.insert(SurveyResponse(**values)).returning(SurveyResponse.id).run()
    except Exception as exc:
        if is_unique_violation(exc):
            return None
        raise
    await touch(values["service"], values["local_day"])
    return rows[0]["id"]


async def recent_duplicate(client_hash: str, service_id: int, values: dict, since: datetime) -> bool:
    """The same client sent the same answers for this service since `since` (a resubmitted unbound form)."""
    query = SurveyResponse.exists().where(
        (SurveyResponse.client_hash == client_hash) & (SurveyResponse.service == service_id)
        & (SurveyResponse.submitted_at >= since) & (SurveyResponse.comment == values["comment"])
    )
    for i in range(1, 10):
        column = getattr(SurveyResponse, f"u{i}")
        value = values[f"u{i}"]
        query = query.where(column.is_null() if value is None else column == value)
    return await query.run()


# --- paper forms -------------------------------------------------------------------------------------------


async def import_paper(service: dict, period_from: date, period_to: date, filename: str, user_id: int | None,
                       rows: list[dict]) -> int:
    """Insert a whole batch of valid paper responses in one transaction; returns the batch id."""
    now = datetime.now(UTC)
    async with SurveyResponse._meta.db.transaction():
        batch = await PaperBatch.insert(PaperBatch(
            service=service["id"], unit=service["unit"], period_from=period_from, period_to=period_to,
            filename=filename[:200], rows=len(rows), created_by=user_id,
        )).returning(PaperBatch.id).run()
        batch_id = batch[0]["id"]
        for row in rows:
            inserted = await SurveyResponse.insert(SurveyResponse(
                service=service["id"], unit=service["unit"], channel="paper", verified=False, language="id",
                submitted_at=now, **row,
            )).returning(SurveyResponse.id).run()
            await PaperBatchResponse.insert(PaperBatchResponse(batch=batch_id, response=inserted[0]["id"])).run()
    for day in sorted({row["local_day"] for row in rows}):
        await touch(service["id"], day)
    return batch_id


async def paper_batches(unit_ids: list[int] | None) -> list[dict]:
    """Import batches, newest first, of these units (None = every unit), with service and unit names."""
    query = PaperBatch.select(
        *PaperBatch.all_columns(), PaperBatch.service.name.as_alias("service_name"),
        PaperBatch.service.slug.as_alias("service_slug"), PaperBatch.unit.name.as_alias("unit_name"),
        PaperBatch.created_by.username.as_alias("created_by_name"), PaperBatch.unit.timezone.as_alias("unit_timezone"),
    ).order_by(PaperBatch.created_at, ascending=False).limit(200)
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.where(PaperBatch.unit.is_in(unit_ids))
    return await query.run()


async def paper_batch(batch_id: int) -> dict | None:
    return await PaperBatch.select(
        *PaperBatch.all_columns(), PaperBatch.service.name.as_alias("service_name"),
        PaperBatch.unit.name.as_alias("unit_name"), PaperBatch.created_by.username.as_alias("created_by_name"),
        PaperBatch.unit.timezone.as_alias("unit_timezone"),
    ).where(PaperBatch.id == batch_id).first().run()


async def paper_batch_days(batch_id: int) -> list[dict]:
    """Responses of a batch counted per local day."""
    ids = [r["response"] for r in await PaperBatchResponse.select(PaperBatchResponse.response)
           .where(PaperBatchResponse.batch == batch_id).run()]
    if not ids:
        return []
    rows = await SurveyResponse.select(SurveyResponse.local_day).where(SurveyResponse.id.is_in(ids)).run()
    counts: dict[date, int] = {}
    for row in rows:
        counts[row["local_day"]] = counts.get(row["local_day"], 0) + 1
    return [{"day": day, "n": n} for day, n in sorted(counts.items())]


async def services_of_units(unit_ids: list[int] | None) -> list[dict]:
    """Services (with unit name) a back-office user may import paper forms for."""
    query = Service.select(*Service.all_columns(), Service.unit.name.as_alias("unit_name")).order_by(Service.name)
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.where(Service.unit.is_in(unit_ids))
    return await query.run()


async def service_by_slug(slug: str) -> dict | None:
    return await Service.select().where(Service.slug == slug).first().run()
