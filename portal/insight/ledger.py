"""The write path's rollup bookkeeping: every fact adds its part to the rollups in the writer's own transaction.

A fact (a survey response, a visit created or moved to a new stage, a paper batch) changes the additive
aggregates of its (service, counter, local day) by exactly its part (portal.insight.aggregate.visit_part and
response_part, the same definitions a full rebuild sums). The writer calls one function here inside its
transaction; it appends one `rollup_delta` row per (counter, day) touched and updates the overcharge case list,
so the fact and its consequences commit together or not at all. The background refresher
(portal.insight.refresher) folds pending deltas into `rollup_day` within seconds. Cost per write: one small
insert, whatever the number of rows that day already holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any, TypeVar

from piccolo.table import Table

from portal.db.engine import execute
from portal.db.tables import Unit, Visit
from portal.db.tables_insight import COUNT_FIELDS, OverchargeCase
from portal.insight import aggregate
from survey.clock import durations

HISTOGRAMS = ("profiles", "wait_hist", "handle_hist", "km_hist", "time_version_n", "time_version_within",
              *aggregate.HOURLY)
Key = tuple[int, date]
K = TypeVar("K")  # combine also sums under other keys (rollups: (service, unit, counter, day), "row")


def locked(query, table: type[Table]):
    """`SELECT ... FOR UPDATE` on PostgreSQL; SQLite's IMMEDIATE transaction already holds the write lock."""
    return query.lock_rows() if table._meta.db.engine_type == "postgres" else query


def combine(into: dict[K, dict[str, Any]], key: K, part: dict[str, Any], sign: int = 1) -> None:
    """Add `sign` x `part` into the aggregate of `key`."""
    target = into.setdefault(key, aggregate.empty())
    for field in COUNT_FIELDS:
        target[field] += sign * int(part.get(field) or 0)
    for name in HISTOGRAMS:
        cells = target[name]
        for cell, count in (part.get(name) or {}).items():
            cell = int(cell)
            cells[cell] = cells.get(cell, 0) + sign * int(count)


def is_zero(agg: dict[str, Any]) -> bool:
    return not any(agg[f] for f in COUNT_FIELDS) and not any(v for h in HISTOGRAMS for v in agg[h].values())


_COUNTS, _HISTOGRAMS = frozenset(COUNT_FIELDS), frozenset(HISTOGRAMS)


def to_payload(agg: dict[str, Any]) -> str:
    """Nonzero counts and histogram cells as compact JSON (every submit writes one: one pass over the aggregate,
    which aggregate.empty() lays out as the counts in COUNT_FIELDS order, then HISTOGRAMS in order)."""
    counts: dict[str, Any] = {}
    histograms: dict[str, Any] = {}
    for name, value in agg.items():
        if name in _COUNTS:
            if value:
                counts[name] = value
        elif name in _HISTOGRAMS and value:
            cells = {str(k): v for k, v in value.items() if v}
            if cells:
                histograms[name] = cells
    if list(counts) != [f for f in COUNT_FIELDS if f in counts]:  # laid out otherwise: the fields' own order
        counts = {f: counts[f] for f in COUNT_FIELDS if f in counts}
    if list(histograms) != [h for h in HISTOGRAMS if h in histograms]:
        histograms = {h: histograms[h] for h in HISTOGRAMS if h in histograms}
    return json.dumps({**counts, **histograms}, separators=(",", ":"))


def add_payload(into: dict[K, dict[str, Any]], key: K, text: str) -> None:
    """combine(into, key, from_payload(text)), adding only the fields the payload holds (a survey answer's delta
    sets about twenty of the 71 counts and 11 histograms): the refresher folds one per stored fact."""
    target = into.setdefault(key, aggregate.empty())
    for name, value in json.loads(text or "{}").items():
        if name in _HISTOGRAMS:
            cells = target[name]
            for cell, count in (value or {}).items():
                cell = int(cell)
                cells[cell] = cells.get(cell, 0) + int(count)
        elif name in _COUNTS:
            target[name] += int(value or 0)


def from_payload(text: str) -> dict[str, Any]:
    data = json.loads(text or "{}")
    agg = aggregate.empty()
    for field in COUNT_FIELDS:
        agg[field] = int(data.get(field, 0))
    for name in HISTOGRAMS:
        agg[name] = {int(k): int(v) for k, v in (data.get(name) or {}).items()}
    return agg


async def record(service_id: int, unit_id: int, parts: dict[Key, dict[str, Any]]) -> None:
    """Append the nonzero deltas (one row per counter and day); call inside the fact's transaction."""
    for (counter, day), agg in sorted(parts.items()):
        if not is_zero(agg):  # plain SQL: this runs on every submit (a Piccolo Table object costs more)
            await execute("INSERT INTO rollup_delta (service, unit, counter, day, payload) VALUES ({}, {}, {}, {}, {})",
                          service_id, unit_id, counter, day, to_payload(agg))


# --- visits -----------------------------------------------------------------------------------------------


async def _visit_context(service_id: int, unit_id: int) -> tuple[aggregate.Standards, dict]:
    standards = await aggregate.load_standards(service_id)
    unit = await (Unit.select(Unit.timezone, Unit.closures, Unit.cuti_bersama).where(Unit.id == unit_id)
                  .first().run())
    assert unit is not None  # a service's unit exists (foreign key)
    return standards, unit


def _visit_part(v: dict, standards: aggregate.Standards, unit: dict, bound: dict | None = None):
    """The same calendar as aggregate.compute: the unit's zone, closures and cuti bersama rule."""
    std = standards.for_visit(v)
    end = aggregate.timed_end(v, std)
    duration = None
    if end is not None:
        assert std is not None  # timed_end returns None without it
        duration = float(durations([aggregate._aware(v["arrived_at"])], [end], std["time_limit_unit"],
                                   unit["timezone"], aggregate.closures_of(unit),
                                   cuti_bersama=aggregate.cuti_bersama_of(unit))[0])
    return aggregate.visit_part(v, std, duration, bound, unit["timezone"])


def _key(row: dict) -> Key:
    return (row.get("counter") or 0, aggregate._day(row["local_day"]))


async def _swap_case(service_id: int, unit_id: int, old_case: dict | None, new_case: dict | None) -> None:
    """Replace a visit's overcharge case in the list (one per visit: officer record or bound answer)."""
    if old_case == new_case:
        return
    if old_case is not None:
        await OverchargeCase.delete().where((OverchargeCase.source == old_case["source"])
                                            & (OverchargeCase.ref_id == old_case["ref_id"])).run()
    if new_case is not None:
        await OverchargeCase.insert(OverchargeCase(service=service_id, unit=unit_id, **new_case)).run()


async def visit_changed(before: dict | None, after: dict) -> None:
    """Record what a visit's change (creation when `before` is None) does to the rollups and to the list of
    overcharge cases. Both rows are whole visit rows; call inside the transaction that changed it. The
    response bound to the visit (if any) is part of the visit's cost and accuracy verdicts."""
    standards, unit = await _visit_context(after["service"], after["unit"])
    bound = None
    if before is not None:
        bound = (await aggregate.bound_responses([after["id"]])).get(after["id"])
    parts: dict[Key, dict[str, Any]] = {}
    old_case = None
    if before is not None:
        old, old_case = _visit_part(before, standards, unit, bound)
        combine(parts, _key(before), old, -1)
    new, new_case = _visit_part(after, standards, unit, bound)
    combine(parts, _key(after), new, 1)
    await record(after["service"], after["unit"], parts)
    await _swap_case(after["service"], after["unit"], old_case, new_case)


async def change_visit(visit_id: int, values: dict, condition=None) -> tuple[dict, dict] | None:
    """Apply `values` to a visit when `condition` holds, with its rollup delta, in one transaction.

    Returns (before, after), or None when the visit does not exist or the condition does not hold (nothing
    written): the conditional update is what makes a replayed or out-of-order action change nothing.
    """
    async with Visit._meta.db.transaction():
        before = await locked(Visit.select().where(Visit.id == visit_id), Visit).first().run()
        if before is None:
            return None
        where = Visit.id == visit_id
        if condition is not None:
            where &= condition
        rows = await Visit.update(values).where(where).returning(*Visit.all_columns()).run()
        if not rows:
            return None
        await visit_changed(before, rows[0])
    return before, rows[0]


# --- responses --------------------------------------------------------------------------------------------


async def responses_added(service_id: int, unit_id: int, responses: list[dict],
                          standard: Mapping[str, Any] | None = None) -> None:
    """Record new survey responses (whole rows with their ids); call inside the transaction that inserted them.

    A response bound to a visit changes that visit's single cost and accuracy verdicts: the visit's part with
    the response replaces its part without it (the visit row is locked first). An answer bound to no visit is
    judged against `standard` when the caller knows it (the version in force now), else the version in force at
    submission, read only when some such response reports an amount paid.
    """
    unbound = [r for r in responses if not r.get("visit")]
    if standard is None and any(r.get("amount_paid") is not None for r in unbound):
        standards = await aggregate.load_standards(service_id)
    else:
        standards = None

    def standard_of(r: dict) -> Mapping[str, Any] | None:
        if r.get("visit") or r.get("amount_paid") is None:
            return None
        if standards is None:
            return standard
        return aggregate.response_standard(standards, r, None)

    parts: dict[Key, dict[str, Any]] = {}
    cases = []
    for r in responses:
        part, case = aggregate.response_part(r, standard_of(r))
        if len(responses) == 1:
            parts[_key(r)] = part  # one citizen's answer (every survey submit): its part is the whole delta
        else:
            combine(parts, _key(r), part)
        if case:
            cases.append(OverchargeCase(service=service_id, unit=unit_id, **case))
    await record(service_id, unit_id, parts)
    if cases:
        await OverchargeCase.insert(*cases).run()
    by_visit = {r["visit"]: r for r in responses if r.get("visit")}
    if not by_visit:
        return
    visits = await locked(Visit.select().where(Visit.id.is_in(sorted(by_visit))), Visit).run()
    context: dict[int, tuple] = {}
    for v in visits:
        if v["service"] not in context:
            context[v["service"]] = await _visit_context(v["service"], v["unit"])
        standards_v, unit = context[v["service"]]
        r = by_visit[v["id"]]
        bound = {"id": r["id"], "visit": v["id"], "amount_paid": r.get("amount_paid"),
                 "product_correct": r.get("product_correct")}
        visit_parts: dict[Key, dict[str, Any]] = {}
        old, old_case = _visit_part(v, standards_v, unit, None)
        new, new_case = _visit_part(v, standards_v, unit, bound)
        combine(visit_parts, _key(v), old, -1)
        combine(visit_parts, _key(v), new, 1)
        await record(v["service"], v["unit"], visit_parts)
        await _swap_case(v["service"], v["unit"], old_case, new_case)


async def response_added_in_one_statement(first: tuple[str, list], insert: tuple[str, list], row: dict,
                                          outcomes: Mapping[str, bool], standard: Mapping[str, Any] | None) -> dict:
    """PostgreSQL only: one answer bound to no visit, stored with `first` (a statement that must succeed with it:
    the form's one-use nonce), its rollup delta and its citizen overcharge case in ONE statement (data-modifying
    common table expressions, atomic like a transaction), so one database round trip where BEGIN, three
    statements and COMMIT take five: the scale-out mode's survey POST (bench/RESULTS-submit.md).

    `insert` is a survey_response INSERT (SQL with `{}` markers, and its values) that decides itself whether the
    answer counts and returns `id, counted, count_reason`; `outcomes` maps each reason it may return to counted.
    The delta of every outcome is computed here by `aggregate.response_part`, exactly as `responses_added` does,
    and the statement keeps the one whose reason the INSERT returned; the overcharge case is written only when the
    answer counted. Returns the stored row (`row` with id, counted and count_reason). Any failure (a used nonce:
    a unique violation) leaves nothing written, as a failed transaction does."""
    key = _key(row)
    if standard is None and row.get("amount_paid") is not None:  # as responses_added: the version then in force
        standard = aggregate.response_standard(await aggregate.load_standards(row["service"]), row, None)
    delta_sql, delta_args = [], []
    case = None
    for reason, counted in outcomes.items():
        part, outcome_case = aggregate.response_part({**row, "id": 0, "counted": counted, "count_reason": reason},
                                                     standard)
        assert not is_zero(part)  # every outcome is a response added (counted) or a reason kept (not counted)
        delta_sql.append("WHEN {} THEN {}")
        delta_args += [reason, to_payload(part)]
        if counted and outcome_case:
            case = outcome_case
    sql = (f"WITH first AS ({first[0]}), response AS ({insert[0]}),"
           " delta AS (INSERT INTO rollup_delta (service, unit, counter, day, payload)"
           f" SELECT {{}}, {{}}, {{}}, {{}}, CASE response.count_reason {' '.join(delta_sql)} END FROM response)")
    args = [*first[1], *insert[1], row["service"], row["unit"], key[0], key[1], *delta_args]
    if case is not None:
        sql += (", overcharge AS (INSERT INTO overcharge_case (service, unit, counter, day, source, ref_id, amount,"
                " fee) SELECT {}, {}, {}, {}, {}, response.id, {}, {} FROM response WHERE response.counted)")
        args += [row["service"], row["unit"], case["counter"], case["day"], case["source"], case["amount"],
                 case["fee"]]
    stored = (await execute(sql + " SELECT id, counted, count_reason FROM response", *args))[0]
    return {**row, "id": stored["id"], "counted": bool(stored["counted"]), "count_reason": stored["count_reason"]}


async def responses_changed(service_id: int, unit_id: int, before: list[dict], after: list[dict]) -> None:
    """Record a change of unbound responses (a manager's burst review changing whether they count): each row's
    part after minus its part before, and its citizen overcharge case replaced. Rows bound to a visit are not
    changed this way (they always count). Call inside the transaction that changed them."""
    standards = await aggregate.load_standards(service_id)
    parts: dict[Key, dict[str, Any]] = {}
    for old_row, new_row in zip(before, after, strict=True):
        old, old_case = aggregate.response_part(old_row, aggregate.response_standard(standards, old_row, None))
        new, new_case = aggregate.response_part(new_row, aggregate.response_standard(standards, new_row, None))
        combine(parts, _key(old_row), old, -1)
        combine(parts, _key(new_row), new, 1)
        await _swap_case(service_id, unit_id, old_case, new_case)
    await record(service_id, unit_id, parts)
