"""Nonconformities and corrective actions (ISO 9001:2015 clause 10.2): opened from results, planned, verified.

Opened automatically and idempotently (one per unit, service, source and period) for a closed period when:
the verdict of the headline time figure (portal.insight.time_headline: for a multi-day service the estimate that
counts open cases) is "below" target (one-sided exact binomial test, survey.compliance.verdict) and survives the
Benjamini-Hochberg step-up at q = 5 % across the time tests of all the unit's services in that review
(survey.compliance.benjamini_hochberg; docs/measures.md, "Multiplicity"), any payment above
the official fee is reported (officer or citizen), or the IKM falls in category C or D (PermenPANRB 14/2017).
Managers of the unit record root cause, action, owner and due date (status action_planned); heads of the unit
verify effectiveness and close (a verification note is required). Every change goes to the append-only
AuditLog (entity "nonconformity") and to the item's own history.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypedDict, cast

from portal.accounts import audit
from portal.db.engine import is_unique_violation
from portal.db.tables import Service, Unit
from portal.db.tables_insight import NC_SOURCES, Nonconformity, NonconformityEvent
from portal.errors import Invalid
from portal.insight import report, time_headline
from portal.insight.periods import Period
from portal.insight.results import service_part
from portal.timeutil import local_day, utcnow
from survey.compliance import ALPHA, benjamini_hochberg
from survey.ikm import round_half_up

OPEN_STATUSES = ("open", "action_planned")


class ActionError(Invalid, ValueError):
    """A change refused (portal.errors; the message is an English msgid)."""


class NonconformityRow(TypedDict):
    """A nonconformity as read for pages, the evidence pack and the audit (items(), item())."""

    id: int
    unit: int
    service: int | None
    source: str  # one of NC_SOURCES
    period: str
    period_from: date
    period_to: date
    figure: str
    details: dict[str, Any]  # decoded JSON
    opened_at: datetime
    status: str  # one of NC_STATUSES
    root_cause: str
    action: str
    owner: str
    due_date: date | None
    verification_note: str
    closed_by: int | None
    closed_at: datetime | None
    service_name: str | None
    service_slug: str | None
    unit_name: str
    unit_slug: str
    unit_timezone: str
    closed_by_name: str | None


class EventRow(TypedDict):
    """One entry of a nonconformity's history (history())."""

    id: int
    nonconformity: int
    at: datetime
    actor: int | None
    actor_name: str
    action: str
    status: str
    changes: str  # JSON text; pages show the action and the status only


class Actor(TypedDict):
    """Who changes an item: a signed-in user's id and name."""

    id: int
    username: str


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def _audit(actor: Actor | None, action: str, item: NonconformityRow, changes: dict[str, Any],
                 note: str = "") -> None:
    await audit.record(None, action, "nonconformity", item["id"], unit_id=item["unit"], note=note,
                       changed={k: v if isinstance(v, dict) and set(v) <= {"before", "after"} else {"after": v}
                                for k, v in changes.items()},
                       actor_id=actor["id"] if actor else None, actor_name=actor["username"] if actor else "system")
    await NonconformityEvent.insert(NonconformityEvent(
        nonconformity=item["id"], actor=actor["id"] if actor else None,
        actor_name=actor["username"] if actor else "system", action=action, status=item["status"],
        changes=json.dumps(changes, default=str),
    )).run()


def findings(agg: dict, targets: dict, time: dict | None = None) -> list[tuple[str, str, dict]]:
    """(source, figure, details) of each nonconformity the aggregate of one service shows. `time` is the
    service's headline time figure (portal.insight.time_headline: for a multi-day service the estimate that
    counts open cases; a provisional figure is "below" only when even its best case is); without it, the
    completed share of `agg`."""
    out = []
    fig = report.block(agg, targets.get("target_time") or report.DEFAULT_TARGET_TIME)
    if time is None:
        time = time_headline.headline([time_headline.same_day(agg["time_within"], agg["time_n"], targets)],
                                      targets.get("target_time") or report.DEFAULT_TARGET_TIME)
    if time["verdict"] == "below":
        basis = ", Kaplan-Meier counting open cases" if time["basis"] == "kaplan_meier" else ""
        out.append(("time_below_target",
                    f"{time['within']}/{time['n']} within limit ({round_half_up(time['rate'] * 100, 1)} %{basis}), "
                    f"target {round_half_up(time['target'] * 100, 1)} %, p = {time['p_value']:.4f}",
                    {"k": time["within"], "n": time["n"], "rate": time["rate"], "ci95": time["ci95"],
                     "target": time["target"], "p_value": time["p_value"], "basis": time["basis"],
                     "open": time["open"], "open_late": time["open_late"], "provisional": time["provisional"],
                     "horizon_days": time["horizon_days"]}))
    over = agg["cost_visit_over"] + agg["cost_resp_over"]
    if over > 0:
        n = agg["cost_visit_n"] + agg["cost_resp_n"]
        out.append(("overcharge", f"{over}/{n} payments above the official fee "
                                  f"({agg['cost_visit_over']} visits, {agg['cost_resp_over']} "
                                  f"answers bound to no visit)",
                    {"k": over, "n": n, "officer": agg["cost_visit_over"], "citizen": agg["cost_resp_over"]}))
    sat = fig["satisfaction"]
    if sat["category"] in ("C", "D"):
        out.append(("ikm_category", f"IKM {round_half_up(sat['ikm'], 2):.2f} ({sat['category']}), n = {sat['n']}",
                    {"ikm": sat["ikm"], "category": sat["category"], "ci95": sat["ci95"], "n": sat["n"]}))
    return out


async def open_item(unit_id: int, service_id: int, source: str, period: Period, figure: str,
                    details: dict) -> int | None:
    """Open a nonconformity unless one exists for (unit, service, source, period); returns the new id or None."""
    if source not in NC_SOURCES:
        raise ValueError(source)
    cond = ((Nonconformity.unit == unit_id) & (Nonconformity.service == service_id)
            & (Nonconformity.source == source) & (Nonconformity.period_from == period.start)
            & (Nonconformity.period_to == period.end))
    async with Nonconformity._meta.db.transaction():
        if await Nonconformity.exists().where(cond).run():
            return None
        try:
            rows = await Nonconformity.insert(Nonconformity(
                unit=unit_id, service=service_id, source=source, period=period.label, period_from=period.start,
                period_to=period.end, figure=figure, details=json.dumps(details, default=str), status="open",
            )).returning(Nonconformity.id).run()
        except Exception as exc:  # opened concurrently by another review
            if is_unique_violation(exc):
                return None
            raise
        opened = await item(rows[0]["id"])
        assert opened is not None  # inserted just above
        await _audit(None, "nonconformity_opened", opened, {"source": source, "period": period.label,
                                                            "figure": figure})
    return opened["id"]


async def review_unit(unit: dict, period: Period, today: date | None = None) -> list[int]:
    """Open the nonconformities a closed period's results show for each service of the unit (idempotent).

    A period still running (its last day is today or later in the unit's timezone) is not reviewed.
    """
    today = today or local_day(unit["timezone"])
    if period.end >= today:
        return []
    services = await Service.select(Service.id).where(Service.unit == unit["id"]).run()
    ids = [s["id"] for s in services]
    targets = await report._targets(ids)
    found = []
    for sid in ids:
        # the headline time figure, as the results API and the dashboard give it (issue 22)
        part = await service_part(sid, unit, period.start, period.end)
        time = time_headline.headline([part["stratum"]], part["target_time"])
        found.append((sid, time["p_value"], findings(part["agg"], targets.get(sid, {}), time)))
    # the family: every service whose time was tested in this review (one p-value each)
    tested = [(sid, p) for sid, p, _ in found if p is not None]
    reject, adjusted = benjamini_hochberg([p for _, p in tested], ALPHA)
    kept = {sid: float(adj) for (sid, _), r, adj in zip(tested, reject, adjusted, strict=True) if r}
    opened = []
    for sid, _p, items_found in found:
        for source, figure, details in items_found:
            if source == "time_below_target":
                if sid not in kept:
                    continue
                figure += f", Benjamini-Hochberg adjusted p = {kept[sid]:.4f} (m = {len(tested)})"
                details = {**details, "p_adjusted": kept[sid], "multiplicity": "benjamini-hochberg",
                           "q": ALPHA, "m": len(tested)}
            new = await open_item(unit["id"], sid, source, period, figure, details)
            if new is not None:
                opened.append(new)
    return opened


async def review_all(period_for_unit) -> list[int]:
    """Review every unit; `period_for_unit(unit)` gives the period (e.g. its last closed quarter)."""
    opened = []
    for unit in await Unit.select().order_by(Unit.id).run():
        opened += await review_unit(unit, period_for_unit(unit))
    return opened


def _select():
    """Every column of a nonconformity with its service, unit and closer's names; JSON decoded."""
    return Nonconformity.select(
        *Nonconformity.all_columns(), Nonconformity.service.name.as_alias("service_name"),
        Nonconformity.service.slug.as_alias("service_slug"), Nonconformity.unit.name.as_alias("unit_name"),
        Nonconformity.unit.slug.as_alias("unit_slug"), Nonconformity.unit.timezone.as_alias("unit_timezone"),
        Nonconformity.closed_by.username.as_alias("closed_by_name"),
    ).output(load_json=True)


async def items(unit_ids: list[int] | None, statuses: tuple[str, ...] | None = None) -> list[NonconformityRow]:
    """Nonconformities of these units (None = all), newest first, with service and unit names (`details`
    decoded: the one place nonconformity rows are read)."""
    query = _select()
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.where(Nonconformity.unit.is_in(list(unit_ids)))
    if statuses:
        query = query.where(Nonconformity.status.is_in(list(statuses)))
    rows = await query.order_by(Nonconformity.opened_at, ascending=False).order_by(
        Nonconformity.id, ascending=False).run()
    return cast("list[NonconformityRow]", rows)


async def item(item_id: int) -> NonconformityRow | None:
    rows = await _select().where(Nonconformity.id == item_id).run()
    return cast(NonconformityRow, rows[0]) if rows else None


async def history(item_id: int) -> list[EventRow]:
    rows = await (NonconformityEvent.select().where(NonconformityEvent.nonconformity == item_id)
                  .order_by(NonconformityEvent.id).run())
    return cast("list[EventRow]", rows)


async def _not_closed(item_id: int) -> NonconformityRow:
    """The item, which must exist (LookupError) and still be open (ActionError)."""
    found = await item(item_id)
    if found is None:
        raise LookupError(item_id)
    if found["status"] == "closed":
        raise ActionError("This item is closed.")
    return found


async def plan(item_id: int, actor: Actor, root_cause: str, action: str, owner: str,
               due_date: date) -> NonconformityRow:
    """Record the root cause and the corrective action (manager); the item becomes action_planned."""
    if not root_cause.strip() or not action.strip() or not owner.strip():
        raise ActionError("Root cause, action and owner are required.")
    async with Nonconformity._meta.db.transaction():
        before = await _not_closed(item_id)
        values = {"root_cause": root_cause.strip(), "action": action.strip(), "owner": owner.strip(),
                  "due_date": due_date, "status": "action_planned"}
        await Nonconformity.update({getattr(Nonconformity, k): v for k, v in values.items()}).where(
            Nonconformity.id == item_id).run()
        after = await item(item_id)
        assert after is not None  # updated just above
        old, new = cast("Mapping[str, object]", before), cast("Mapping[str, object]", after)
        changes = {k: {"before": _plain(old[k]), "after": _plain(new[k])} for k in values
                   if _plain(old[k]) != _plain(new[k])}
        await _audit(actor, "nonconformity_action_planned", after, changes)
    return after


async def close(item_id: int, actor: Actor, verification_note: str) -> NonconformityRow:
    """Verify effectiveness and close (head); a verification note is required."""
    note = verification_note.strip()
    if not note:
        raise ActionError("A verification note is required to close.")
    async with Nonconformity._meta.db.transaction():
        before = await _not_closed(item_id)
        if before["status"] != "action_planned":
            raise ActionError("Record the root cause and action before closing.")
        now = utcnow()
        await Nonconformity.update({Nonconformity.status: "closed", Nonconformity.verification_note: note,
                                    Nonconformity.closed_by: actor["id"], Nonconformity.closed_at: now}).where(
            Nonconformity.id == item_id).run()
        after = await item(item_id)
        assert after is not None  # updated just above
        await _audit(actor, "nonconformity_closed", after,
                     {"status": {"before": before["status"], "after": "closed"},
                      "verification_note": {"before": before["verification_note"], "after": note}})
    return after
