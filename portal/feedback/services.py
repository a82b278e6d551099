"""The feedback capability's writes: citizen scan visits and their stages, survey responses, paper batches.

Each function is one transaction holding the fact, its rollup delta (portal.insight.ledger) and, for staff
actions, its audit entry: all of it commits or none of it does. Route handlers parse and call one of these.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from portal.accounts import audit
from portal.db.engine import is_unique_violation
from portal.db.tables import SurveyResponse, Visit
from portal.db.tables_feedback import FormNonce, PaperBatch, PaperBatchResponse
from portal.insight import ledger
from portal.timeutil import local_day

CITIZEN_STAGES = ("served", "finished")


async def start_scan_visit(unit: dict, service_id: int, counter_id: int, standard_id: int | None,
                           token: str) -> dict:
    """A citizen-started visit (origin "scan"): arrival now, recorded by the citizen."""
    now = datetime.now(UTC)
    async with Visit._meta.db.transaction():
        rows = await Visit.insert(Visit(
            unit=unit["id"], service=service_id, counter=counter_id, standard_version=standard_id, origin="scan",
            local_day=local_day(unit["timezone"], now), token=token, arrived_at=now, arrived_source="citizen",
        )).returning(*Visit.all_columns()).run()
        await ledger.visit_changed(None, rows[0])
    return rows[0]


async def citizen_stage(visit: dict, stage: str) -> bool:
    """Record `stage` (served | finished) now, by the citizen, unless already recorded; True if written.

    Reaching "finished" opens the survey on the citizen's page, so the visit counts as offered from then on.
    """
    if stage not in CITIZEN_STAGES:
        raise ValueError(stage)
    at, source = getattr(Visit, f"{stage}_at"), getattr(Visit, f"{stage}_source")
    values = {at: datetime.now(UTC), source: "citizen"}
    if stage == "finished":
        values[Visit.survey_offered] = True
    return await ledger.change_visit(visit["id"], values, at.is_null()) is not None


async def submit_response(values: dict, nonce: str | None, standard: dict | None) -> int | None:
    """Store one survey response with its rollup delta; None when it was already received (same visit, or the
    same one-use form nonce). The database decides, through the unique indexes on survey_response.visit and
    feedback_form_nonce.nonce. `standard` is the version in force now (for an answer bound to no visit)."""
    try:
        async with SurveyResponse._meta.db.transaction():
            if nonce:
                await FormNonce.raw("INSERT INTO feedback_form_nonce (nonce) VALUES ({})", nonce).run()
            row = {**values, "id": await insert_response(values)}
            if values.get("visit"):
                # An answer bound to a visit: the citizen was shown the survey, whatever stage the visit is at.
                await ledger.change_visit(values["visit"], {Visit.survey_offered: True},
                                          Visit.survey_offered == False)  # noqa: E712
                await ledger.responses_added(values["service"], values["unit"], [row])
            else:
                await ledger.responses_added(values["service"], values["unit"], [row], standard=standard)
    except Exception as exc:
        if is_unique_violation(exc):
            return None
        raise
    return row["id"]


def _insert_sql(columns: tuple[str, ...]) -> str:
    return (f"INSERT INTO survey_response ({', '.join(columns)}) VALUES ({', '.join('{}' for _ in columns)})"
            " RETURNING id")


async def insert_response(values: dict) -> int:
    """Insert one survey_response row (the columns given; the others take their defaults); returns its id.
    Plain SQL on the hot path: building a Piccolo Table object costs more than the insert itself."""
    columns = tuple(values)
    rows = await SurveyResponse.raw(_insert_sql(columns), *(values[c] for c in columns)).run()
    return rows[0]["id"]


async def submit_given(values: dict, receipt) -> int | None:
    """Store one answer given earlier on a device that queues answers while offline (the counter kiosk), like
    `submit_response`, together with its receipt row (`receipt`: a Table row holding the device's UUID for the
    answer under a unique index; its `response` is set here) in one transaction. None when that UUID, or an
    answer to the same visit, is already stored: a replayed batch stores nothing new. The standard in force
    when the answer was given (values["submitted_at"]) is looked up by the ledger."""
    try:
        async with SurveyResponse._meta.db.transaction():
            row = {**values, "id": await insert_response(values)}
            receipt.response = row["id"]
            await type(receipt).insert(receipt).run()
            if values.get("visit"):
                await ledger.change_visit(values["visit"], {Visit.survey_offered: True},
                                          Visit.survey_offered == False)  # noqa: E712
            await ledger.responses_added(values["service"], values["unit"], [row])
    except Exception as exc:
        if is_unique_violation(exc):
            return None
        raise
    return row["id"]


async def import_paper(service: dict, period_from: date, period_to: date, filename: str, actor,
                       rows: list[dict]) -> int:
    """Insert a whole batch of valid paper responses, their rollup deltas and the audit entry in one
    transaction; returns the batch id."""
    now = datetime.now(UTC)
    async with SurveyResponse._meta.db.transaction():
        batch = await PaperBatch.insert(PaperBatch(
            service=service["id"], unit=service["unit"], period_from=period_from, period_to=period_to,
            filename=filename[:200], rows=len(rows), created_by=actor.id if actor else None,
        )).returning(PaperBatch.id).run()
        batch_id = batch[0]["id"]
        stored = []
        for row in rows:
            values = dict(service=service["id"], unit=service["unit"], channel="paper", verified=False,
                          language="id", submitted_at=now, **row)
            inserted = await SurveyResponse.insert(SurveyResponse(**values)).returning(SurveyResponse.id).run()
            stored.append({**values, "id": inserted[0]["id"]})
            await PaperBatchResponse.insert(PaperBatchResponse(batch=batch_id, response=inserted[0]["id"])).run()
        await ledger.responses_added(service["id"], service["unit"], stored)
        await audit.record(actor, "import", "paper_batch", batch_id, unit_id=service["unit"],
                           after={"service": service["slug"], "rows": len(rows), "filename": filename[:200],
                                  "period_from": period_from, "period_to": period_to})
    return batch_id
