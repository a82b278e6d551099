"""Tickets and the visit state machine: issue (number per unit per local day), call, recall, transfer, serve, finish,
deliver, outcome.

Every transition is one conditional UPDATE ("… WHERE called_at IS NULL …") in one transaction with its rollup
delta (portal.insight.ledger.change_visit): a replayed or out-of-order form changes nothing and is refused with
a clear reason. Times always come from the server clock. The database refuses the rest (m0130): stage times that
go backwards, and a second open ticket at one counter (CounterBusy, HTTP 409). Only officer-issued tickets are
queued (portal.queue.queries.waiting_condition); a visit the citizen recorded by scanning the counter's QR is
never called. A ticket's survey counts as offered once service starts: from then on the citizen's ticket page
shows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from portal.accounts import audit
from portal.accounts.auth import CurrentUser
from portal.db.engine import is_unique_violation
from portal.db.tables import OUTCOMES, Counter, CounterService, Service, Visit
from portal.errors import Conflict, _t
from portal.insight import ledger
from portal.queue import queries
from portal.queue.queries import CounterRow, ServiceRow, UnitRow, VisitRow
from portal.timeutil import local_day, utcnow
from portal.tokens import new_token

TICKET_RE = re.compile(r"^([A-Z])-(\d{3,})$")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALLOCATION_ATTEMPTS = 8


#: Why a step is refused for the visit's current state: a stable code (the console's ?notice=code) and its
#: English message id. Every TransitionError names one of these, so the notice shown is always the real reason.
TRANSITIONS = {
    "already-called": _t("This ticket has already been called or closed."),
    "start-once": _t("Service can start only once, after the ticket is called."),
    "finish-once": _t("Only a visit being served can be finished, and only once."),
    "deliver-once": _t("The product can be delivered once, after the service is finished."),
    "outcome-recorded": _t("The outcome of this visit is already recorded."),
    "complete-after-finish": _t("A visit is completed only after the service is finished."),
    "reject-after-start": _t("A visit can be rejected for incomplete requirements only once service has started."),
    "no-show": _t("No-show applies to a called ticket whose service has not started."),
    "no-cancel": _t("A finished visit cannot be cancelled."),
    "counter-inactive": _t("This counter is not active."),
    "counter-busy": _t("This counter still has a ticket in service: start and finish it, or record a no-show, "
                       "before calling another."),
    "scan-not-queued": _t("A visit the citizen recorded by scanning the counter's code is not in the queue: it "
                          "cannot be called."),
    "served-not-callable": _t("A visit already served or finished cannot be called."),
    "recall-called": _t("Only a called ticket whose service has not started can be called again."),
    "transfer-unserved": _t("Only a ticket not yet served can be transferred."),
    "transfer-other": _t("Choose another counter of this unit."),
}


class TransitionError(Conflict):
    """A transition that the visit's current state does not allow (409), named by its code in TRANSITIONS."""

    def __init__(self, code: str) -> None:
        super().__init__(TRANSITIONS[code], code=code)


class CounterBusy(TransitionError):
    """The counter still has a ticket called and not finished: the database's unique index refused a second one."""

    def __init__(self) -> None:
        super().__init__("counter-busy")


def stage(visit: VisitRow) -> str:
    """waiting | called | serving | finished | delivered | closed (an outcome ended it before delivery)."""
    if visit["delivered_at"]:
        return "delivered"
    if visit["outcome"] in ("no_show", "cancelled", "rejected_incomplete"):
        return "closed"
    if visit["finished_at"]:
        return "finished"
    if visit["served_at"]:
        return "serving"
    if visit["called_at"]:
        return "called"
    return "waiting"


async def service_letter(unit_id: int, service_id: int) -> str:
    """The ticket prefix of a service: A, B, C… by the order the unit's services were created."""
    rows = await Service.select(Service.id).where(Service.unit == unit_id).order_by(Service.id).run()
    ids = [r["id"] for r in rows]
    index = ids.index(service_id) if service_id in ids else 0
    return LETTERS[index % len(LETTERS)]


async def _next_number(unit_id: int, day, letter: str) -> str:
    rows = await Visit.select(Visit.ticket_number).where(
        (Visit.unit == unit_id) & (Visit.local_day == day) & (Visit.ticket_number.like(f"{letter}-%"))
    ).run()
    numbers = [int(m.group(2)) for r in rows if (m := TICKET_RE.match(r["ticket_number"] or ""))]
    return f"{letter}-{(max(numbers) if numbers else 0) + 1:03d}"


@dataclass(frozen=True)
class Issued:
    visit_id: int
    ticket_number: str
    token: str
    local_day: object


async def issue(*, unit: UnitRow, service_id: int, counter_id: int, officer_id: int, standard_version_id: int | None,
                secret_key: str, now: datetime | None = None) -> Issued:
    """A new visit with the next ticket number of the unit's local day; retried when a concurrent issue wins."""
    now = now or utcnow()
    day = local_day(unit["timezone"], now)
    letter = await service_letter(unit["id"], service_id)
    for attempt in range(ALLOCATION_ATTEMPTS):
        token = new_token(secret_key)
        try:
            async with Visit._meta.db.transaction():
                number = await _next_number(unit["id"], day, letter)
                rows = await Visit.insert(Visit(
                    unit=unit["id"], service=service_id, counter=counter_id, standard_version=standard_version_id,
                    origin="ticket", ticket_number=number, local_day=day, token=token, arrived_at=now,
                    arrived_source="officer", officer=officer_id,
                )).returning(*Visit.all_columns()).run()
                await ledger.visit_changed(None, rows[0])
            return Issued(rows[0]["id"], number, token, day)
        except Exception as exc:
            if not is_unique_violation(exc) or attempt == ALLOCATION_ATTEMPTS - 1:
                raise
    raise RuntimeError("unreachable")  # pragma: no cover


async def _conditional_update(visit_id: int, values: dict, condition) -> bool:
    return await ledger.change_visit(visit_id, values, condition) is not None


async def _open_at(visit_id: int, values: dict, condition) -> bool:
    """A change that opens a ticket at a counter (a call): refused as CounterBusy when the counter has one open."""
    try:
        return await _conditional_update(visit_id, values, condition)
    except Exception as exc:
        if is_unique_violation(exc):
            raise CounterBusy() from None
        raise


#: A ticket that can be called: officer-issued, not yet called, served, finished or closed.
CALLABLE = ((Visit.origin == "ticket") & Visit.called_at.is_null() & Visit.served_at.is_null()
            & Visit.finished_at.is_null() & Visit.delivered_at.is_null() & Visit.outcome.is_null())


async def call(visit: VisitRow, counter_id: int, officer_id: int, now: datetime | None = None) -> datetime:
    """Call a waiting ticket to a counter (its counter from now on); refused for a visit the citizen recorded
    (never queued), one already called, served, finished or closed, and when the counter has one open."""
    now = now or utcnow()
    ok = await _open_at(
        visit["id"],
        {Visit.called_at: now, Visit.called_source: "officer", Visit.counter: counter_id, Visit.officer: officer_id,
         Visit.transferred_to: None, Visit.recalled_at: None},
        CALLABLE,
    )
    if not ok:
        if visit["origin"] != "ticket":
            raise TransitionError("scan-not-queued")
        if visit["finished_at"] or visit["served_at"]:
            raise TransitionError("served-not-callable")
        raise TransitionError("already-called")
    return now


async def call_next(unit_id: int, counter_id: int, day, officer_id: int) -> VisitRow | None:
    """Call the first ticket of the counter's queue (queries.waiting_for_counter's order: arrival); None when
    nobody waits. CounterBusy when the counter still has a ticket open."""
    services = await CounterService.select(CounterService.service).where(CounterService.counter == counter_id).run()
    service_ids = [r["service"] for r in services]
    condition = queries.counter_queue_condition(unit_id, counter_id, service_ids, day)
    for _ in range(ALLOCATION_ATTEMPTS):
        query = Visit.select().where(condition)
        for column in queries.CALL_ORDER:
            query = query.order_by(column)
        candidate = cast("VisitRow | None", await query.first().run())
        if candidate is None:
            return None
        try:
            await call(candidate, counter_id, officer_id)
        except CounterBusy:
            raise
        except TransitionError:
            continue  # another counter called it first: take the next one
        return cast("VisitRow | None", await Visit.select().where(Visit.id == candidate["id"]).first().run())
    return None


async def recall(visit: VisitRow, officer_id: int, now: datetime | None = None) -> datetime:
    """Repeat the call on the board: a called ticket whose service has not started (its call time is kept, so
    the wait it measures is unchanged)."""
    now = now or utcnow()
    ok = await _conditional_update(
        visit["id"], {Visit.recalled_at: now, Visit.officer: officer_id},
        Visit.called_at.is_not_null() & Visit.served_at.is_null() & Visit.finished_at.is_null()
        & Visit.outcome.is_null(),
    )
    if not ok:
        raise TransitionError("recall-called")
    return now


async def transfer(visit: VisitRow, target: CounterRow, actor: CurrentUser) -> None:
    """Send a waiting or called ticket, not yet served, to another counter of its unit: it waits again for that
    counter only, keeping its number and its place by arrival (arrived_at is unchanged, so the target counter calls
    it in arrival order). Its call is undone (the wait then runs to the call at the target counter). The change,
    its rollup delta and the audit entry commit together."""
    if target["unit"] != visit["unit"] or target["id"] == visit.get("transferred_to"):
        raise TransitionError("transfer-other")
    if not target["active"]:
        raise TransitionError("counter-inactive")
    async with Visit._meta.db.transaction():
        changed = await ledger.change_visit(
            visit["id"],
            {Visit.counter: target["id"], Visit.transferred_to: target["id"], Visit.called_at: None,
             Visit.called_source: None, Visit.recalled_at: None},
            (Visit.origin == "ticket") & Visit.served_at.is_null() & Visit.finished_at.is_null()
            & Visit.outcome.is_null(),
        )
        if changed is None:
            raise TransitionError("transfer-unserved")
        before, _after = changed
        from_code = (await Counter.select(Counter.code).where(Counter.id == before["counter"]).first().run()
                     if before["counter"] else None)
        await audit.record(actor, "transfer", "visit", visit["id"], unit_id=visit["unit"],
                           before={"counter": from_code["code"] if from_code else None,
                                   "called_at": before["called_at"]},
                           after={"counter": target["code"], "called_at": None},
                           note=visit["ticket_number"] or "")


async def start(visit: VisitRow, officer_id: int, now: datetime | None = None) -> None:
    ok = await _conditional_update(
        visit["id"], {Visit.served_at: now or utcnow(), Visit.served_source: "officer", Visit.officer: officer_id,
                      Visit.survey_offered: True},
        Visit.called_at.is_not_null() & Visit.served_at.is_null() & Visit.outcome.is_null(),
    )
    if not ok:
        raise TransitionError("start-once")


async def finish(visit: VisitRow, officer_id: int, now: datetime | None = None) -> None:
    ok = await _conditional_update(
        visit["id"], {Visit.finished_at: now or utcnow(), Visit.finished_source: "officer", Visit.officer: officer_id},
        Visit.served_at.is_not_null() & Visit.finished_at.is_null() & Visit.outcome.is_null(),
    )
    if not ok:
        raise TransitionError("finish-once")


async def deliver(visit: VisitRow, officer_id: int, now: datetime | None = None) -> None:
    ok = await _conditional_update(
        visit["id"], {Visit.delivered_at: now or utcnow(), Visit.delivered_source: "officer"},
        Visit.finished_at.is_not_null() & Visit.delivered_at.is_null()
        & (Visit.outcome.is_null() | (Visit.outcome == "completed")),
    )
    if not ok:
        raise TransitionError("deliver-once")


async def record_outcome(visit: VisitRow, outcome: str, fee_charged: int | None, correction_needed: bool,
                         officer_id: int) -> None:
    """completed needs a finished service; rejected_incomplete a started one; no_show a called, unserved ticket;
    cancelled anything not yet finished. An outcome is recorded once."""
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    if fee_charged is not None and fee_charged < 0:
        raise ValueError("fee")
    values = {Visit.outcome: outcome, Visit.fee_charged: fee_charged, Visit.correction_needed: correction_needed,
              Visit.officer: officer_id}
    condition = Visit.outcome.is_null()
    if outcome == "completed":
        condition &= Visit.finished_at.is_not_null()
        code = "complete-after-finish"
    elif outcome == "rejected_incomplete":
        condition &= Visit.served_at.is_not_null()
        if not visit["finished_at"]:
            values[Visit.finished_at] = utcnow()
            values[Visit.finished_source] = "officer"
        code = "reject-after-start"
    elif outcome == "no_show":
        condition &= Visit.called_at.is_not_null() & Visit.served_at.is_null()
        code = "no-show"
    else:
        condition &= Visit.finished_at.is_null()
        code = "no-cancel"
    if not await _conditional_update(visit["id"], values, condition):
        if visit["outcome"]:
            raise TransitionError("outcome-recorded")
        raise TransitionError(code)


async def counter_services(counter_id: int) -> list[ServiceRow]:
    links = await CounterService.select(CounterService.service).where(CounterService.counter == counter_id).run()
    ids = [r["service"] for r in links]
    if not ids:
        return []
    return cast("list[ServiceRow]", await Service.select().where(
        Service.id.is_in(ids) & (Service.active == True)).order_by(Service.id).run())  # noqa: E712


async def counter_by_code(code: str) -> CounterRow | None:
    return cast("CounterRow | None", await Counter.select().where(Counter.code == code).first().run())
