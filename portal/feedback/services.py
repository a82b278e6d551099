"""The feedback capability's writes: citizen scan visits and their stages, survey responses, paper batches.

Each function is one transaction holding the fact, its rollup delta (portal.insight.ledger) and, for staff
actions, its audit entry: all of it commits or none of it does. Route handlers parse and call one of these.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import cast

from portal.accounts import audit
from portal.catalog.queries import ServiceRow, StandardVersionRow, UnitRow
from portal.db.engine import execute, is_unique_violation, on_postgres
from portal.db.tables import SurveyResponse, Visit
from portal.db.tables_feedback import PaperBatch, PaperBatchResponse
from portal.feedback import queries
from portal.insight import ledger
from portal.insight.aggregate import RESPONSE_COLUMNS
from portal.ops import metrics
from portal.queue.queries import VisitRow
from portal.timeutil import local_day, utcnow

CITIZEN_STAGES = ("served", "finished")


async def start_scan_visit(unit: UnitRow, service_id: int, counter_id: int, standard_id: int | None,
                           token: str) -> VisitRow:
    """A citizen-started visit (origin "scan"): arrival now, recorded by the citizen."""
    now = utcnow()
    async with Visit._meta.db.transaction():
        rows = await Visit.insert(Visit(
            unit=unit["id"], service=service_id, counter=counter_id, standard_version=standard_id, origin="scan",
            local_day=local_day(unit["timezone"], now), token=token, arrived_at=now, arrived_source="citizen",
        )).returning(*Visit.all_columns()).run()
        await ledger.visit_changed(None, rows[0])
    return cast(VisitRow, rows[0])


async def citizen_stage(visit: VisitRow, stage: str) -> bool:
    """Record `stage` (served | finished) now, by the citizen, unless already recorded or a later stage already
    is (a "being served" tap after "finished" would put the stages out of order; the database refuses that too,
    m0130); True if written. The citizen's own visit never enters the officer's queue (docs/queue.md), so these
    taps are its only stages after arrival.

    Reaching "finished" opens the survey on the citizen's page, so the visit counts as offered from then on.
    """
    if stage not in CITIZEN_STAGES:
        raise ValueError(stage)
    at, source = getattr(Visit, f"{stage}_at"), getattr(Visit, f"{stage}_source")
    values = {at: utcnow(), source: "citizen"}
    condition = at.is_null() & Visit.delivered_at.is_null()
    if stage == "finished":
        values[Visit.survey_offered] = True
    else:
        condition &= Visit.finished_at.is_null()
    return await ledger.change_visit(visit["id"], values, condition) is not None


#: Unbound answers counted per service, per unit-local day, per address (keyed client hash). See
#: docs/measures.md "Counting rule" for how it was set.
ADDRESS_CAP = 10


def reason_without_lookup(values: dict, nonce: str | None) -> tuple[bool, str] | None:
    """Whether a new response counts and why (issue 10's counting rule, docs/measures.md), where the answer alone
    decides: bound to a visit or ticket; else it needs a valid unused form stamp (`nonce`; a reused one is found
    by the database) and at least the minimum reading time (not `flagged_fast`). None for a stamped answer from a
    known address: it counts ("stamp") unless ADDRESS_CAP counted unbound answers from the same address for the
    same service that day are already stored ("over_cap"), which the storing statement itself decides
    (`insert_capped_response`), inside the storing transaction."""
    if values.get("visit"):
        return True, "bound"
    if not nonce:
        return False, "no_stamp"
    if values.get("flagged_fast"):
        return False, "too_fast"
    if values.get("client_hash"):
        return None
    return True, "stamp"


async def submit_response(values: dict, nonce: str | None, standard: StandardVersionRow | None) -> int | None:
    """Store one survey response with the reason it counts or not, and its rollup delta; None when it was
    already received. An answer bound to a visit that already has one is refused (unique index on
    survey_response.visit); an unbound answer whose one-use stamp was already used is stored, not counted
    ("reused_stamp"), and also reported as already received. `standard` is the version in force now (for an
    answer bound to no visit)."""
    try:
        return await _store_response(values, nonce, standard)
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
        if values.get("visit") or not nonce:
            return None
    try:
        await _store_response({**values, "counted": False, "count_reason": "reused_stamp"}, None, standard,
                              decided=True)
    except Exception as exc:
        if not is_unique_violation(exc):
            raise
    return None


NONCE_SQL = "INSERT INTO feedback_form_nonce (nonce) VALUES ({})"
#: What the capped INSERT may decide (insert_capped_response): reason -> counted.
CAP_OUTCOMES = {"stamp": True, "over_cap": False}


async def _store_response(values: dict, nonce: str | None, standard: StandardVersionRow | None,
                          decided: bool = False) -> int:
    known = None if decided else reason_without_lookup(values, nonce)
    if known is None and not decided and nonce and on_postgres():
        # The counted path of the scale-out mode: nonce, row, delta and case in one statement (one round trip).
        row = await ledger.response_added_in_one_statement(
            (NONCE_SQL, [nonce]), _capped_insert(values), values, CAP_OUTCOMES, standard)
        metrics.answers_stored(row.get("channel", ""), row["counted"], row["count_reason"])  # committed
        return row["id"]
    async with SurveyResponse._meta.db.transaction():
        if nonce:
            await execute(NONCE_SQL, nonce)
        if known is not None:
            values = {**values, "counted": known[0], "count_reason": known[1]}
        if decided or known is not None:
            row = {**values, "id": await insert_response(values)}
        else:
            row = {**values, **await insert_capped_response(values)}
        if row.get("visit"):
            # An answer bound to a visit: the citizen was shown the survey, whatever stage the visit is at.
            await ledger.change_visit(row["visit"], {Visit.survey_offered: True},
                                      Visit.survey_offered == False)  # noqa: E712
            await ledger.responses_added(row["service"], row["unit"], [row])
        else:
            await ledger.responses_added(row["service"], row["unit"], [row], standard=standard)
    metrics.answers_stored(row.get("channel", ""), row["counted"], row["count_reason"])  # committed
    return row["id"]


@functools.lru_cache(maxsize=16)
def _insert_sql(columns: tuple[str, ...], capped: bool = False) -> str:
    names, marks = ", ".join(columns), ", ".join("{}" for _ in columns)
    if not capped:
        return f"INSERT INTO survey_response ({names}) VALUES ({marks}) RETURNING id"
    # The per-address cap decided by the insert itself: one statement (one database round trip) instead of a
    # count and then an insert, in the same transaction either way.
    return (f"INSERT INTO survey_response ({names}, counted, count_reason)"
            f" SELECT {marks}, cap.n < {{}}, CASE WHEN cap.n < {{}} THEN 'stamp' ELSE 'over_cap' END"
            f" FROM ({queries.COUNTED_UNBOUND_SQL}) AS cap RETURNING id, counted, count_reason")


async def insert_response(values: dict) -> int:
    """Insert one survey_response row (the columns given; the others take their defaults); returns its id.
    Plain SQL on the hot path: building a Piccolo Table object costs more than the insert itself."""
    columns = tuple(values)
    rows = await execute(_insert_sql(columns), *(values[c] for c in columns))
    return rows[0]["id"]


def _capped_insert(values: dict) -> tuple[str, list]:
    columns = tuple(values)
    return _insert_sql(columns, capped=True), [*(values[c] for c in columns), ADDRESS_CAP, ADDRESS_CAP,
                                               values["client_hash"], values["service"], values["local_day"], True]


async def insert_capped_response(values: dict) -> dict:
    """Insert one stamped survey_response row from a known address (values without counted/count_reason), counted
    ("stamp") unless that address already has ADDRESS_CAP counted unbound answers for the service that day
    ("over_cap"); returns its id, counted and count_reason. (CAP_OUTCOMES lists what it may decide.)"""
    sql, args = _capped_insert(values)
    rows = await execute(sql, *args)
    return {"id": rows[0]["id"], "counted": bool(rows[0]["counted"]), "count_reason": rows[0]["count_reason"]}


async def submit_given(values: dict, receipt) -> int | None:
    """Store one answer given earlier on a device that queues answers while offline (the counter kiosk), like
    `submit_response`, together with its receipt row (`receipt`: a Table row holding the device's UUID for the
    answer under a unique index; its `response` is set here) in one transaction. None when that UUID, or an
    answer to the same visit, is already stored: a replayed batch stores nothing new. The standard in force
    when the answer was given (values["submitted_at"]) is looked up by the ledger."""
    # The counting rule for a paired kiosk: its one-use answer UUID plays the form stamp's part.
    values = {**values, "counted": True, "count_reason": "bound" if values.get("visit") else "kiosk"}
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
    metrics.answers_stored(values.get("channel", ""), True, values["count_reason"])  # committed
    return row["id"]


async def import_paper(service: ServiceRow, period_from: date, period_to: date, filename: str, actor,
                       rows: list[dict]) -> int:
    """Insert a whole batch of valid paper responses, their rollup deltas and the audit entry in one
    transaction; returns the batch id."""
    now = utcnow()
    async with SurveyResponse._meta.db.transaction():
        batch = await PaperBatch.insert(PaperBatch(
            service=service["id"], unit=service["unit"], period_from=period_from, period_to=period_to,
            filename=filename[:200], rows=len(rows), created_by=actor.id if actor else None,
        )).returning(PaperBatch.id).run()
        batch_id = batch[0]["id"]
        stored = []
        for row in rows:
            values = dict(service=service["id"], unit=service["unit"], channel="paper", verified=False,
                          language="id", submitted_at=now, counted=True, count_reason="paper", **row)
            inserted = await SurveyResponse.insert(SurveyResponse(**values)  # pyright: ignore[reportArgumentType]  # columns
                                                   ).returning(SurveyResponse.id).run()
            stored.append({**values, "id": inserted[0]["id"]})
            await PaperBatchResponse.insert(PaperBatchResponse(batch=batch_id, response=inserted[0]["id"])).run()
        await ledger.responses_added(service["id"], service["unit"], stored)
        await audit.record(actor, "import", "paper_batch", batch_id, unit_id=service["unit"],
                           after={"service": service["slug"], "rows": len(rows), "filename": filename[:200],
                                  "period_from": period_from, "period_to": period_to})
    metrics.answers_stored("paper", True, "paper", len(rows))  # committed
    return batch_id


async def review_burst(actor, service: ServiceRow, day: date, client_hash: str, counted: bool, note: str) -> int:
    """A manager marks every unbound answer of one address for one service on one unit-local day as counted or
    not (issue 10's burst review): the rows, their rollup delta and the audit entry in one transaction.
    Returns how many responses changed (0: nothing to change, nothing written)."""
    reason = "manager_in" if counted else "manager_out"
    async with SurveyResponse._meta.db.transaction():
        rows = await (SurveyResponse.select(*RESPONSE_COLUMNS)
                      .where((SurveyResponse.service == service["id"]) & (SurveyResponse.local_day == day)
                             & (SurveyResponse.client_hash == client_hash) & queries.unbound())
                      .run())
        changed = [r for r in rows if bool(r["counted"]) != counted]
        if not changed:
            return 0
        ids = [r["id"] for r in changed]
        for start in range(0, len(ids), 500):
            await SurveyResponse.update({SurveyResponse.counted: counted, SurveyResponse.count_reason: reason}) \
                .where(SurveyResponse.id.is_in(ids[start:start + 500])).run()
        after = [{**r, "counted": counted, "count_reason": reason} for r in changed]
        await ledger.responses_changed(service["id"], service["unit"], changed, after)
        await audit.record(actor, "burst_review", "survey_response", None, unit_id=service["unit"],
                           before={"counted": [r["counted"] for r in changed].count(True), "responses": len(changed)},
                           after={"counted": len(changed) if counted else 0, "responses": len(changed)},
                           note=f"{service['slug']} {day.isoformat()} {client_hash[:12]}: "
                                f"{'counted' if counted else 'not counted'}" + (f"; {note}" if note else ""))
    return len(changed)
