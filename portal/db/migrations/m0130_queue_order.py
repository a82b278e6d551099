"""The queue's impossible states become impossible in the database (issue 23).

1. A visit's stage times never go backwards: arrived <= called <= served <= finished <= delivered wherever both
   are set, and a repeated announcement (the new `recalled_at`) never comes before the call. PostgreSQL: one CHECK
   constraint per pair, `visit_order_<earlier>_<later>`; SQLite: BEFORE INSERT / BEFORE UPDATE OF triggers of the
   same names (+ `_insert` / `_update`) raising ABORT. Times are compared as instants (julianday() on SQLite,
   where they are stored as ISO text with their offset).
2. One ticket in service per counter: a unique index over (counter, local_day) of the visits called and neither
   finished nor closed by an outcome (`ux_visit_counter_open`, partial, on both engines).
3. Two new visit columns: `transferred_to` (the counter a ticket was transferred to: it then waits for that
   counter only) and `recalled_at` (the last time the officer repeated the call on the board).

Existing rows must already satisfy 1 and 2: otherwise the migration stops before changing anything and names the
visits to correct (docs/queue.md, "Upgrading a database with ghost visits"), like m0110.
"""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import execute, is_postgres, run_all

#: The stage times of a visit in the order they happen (tables.VISIT_STAGES as it was written).
STAGES = ("arrived", "called", "served", "finished", "delivered")

#: (earlier, later): when both are set, earlier <= later.
PAIRS: tuple[tuple[str, str], ...] = (
    *((a, b) for i, a in enumerate(STAGES) for b in STAGES[i + 1:]),
    ("called", "recalled"),
)

OPEN_CONDITION = "called_at IS NOT NULL AND finished_at IS NULL AND outcome IS NULL"
LISTED = 20  # offending visits named per rule (the count is always given)


class QueueOrderViolations(RuntimeError):
    """Existing visits break the stage order or hold two open tickets at one counter: nothing was changed."""


def constraint_name(earlier: str, later: str) -> str:
    return f"visit_order_{earlier}_{later}"


def _broken(earlier: str, later: str, postgres: bool, row: str = "") -> str:
    """The condition of a row breaking the pair (`row`: "NEW." inside a trigger)."""
    a, b = f"{row}{earlier}_at", f"{row}{later}_at"
    if postgres:
        return f"{a} IS NOT NULL AND {b} IS NOT NULL AND {b} < {a}"
    return f"{a} IS NOT NULL AND {b} IS NOT NULL AND julianday({b}) < julianday({a})"


async def _violations(engine: Engine) -> list[str]:
    postgres = is_postgres(engine)
    found = []
    for earlier, later in PAIRS:
        if later == "recalled":
            continue  # a new column: empty
        rows = await execute(
            engine, f"SELECT id, ticket_number, origin, {earlier}_at AS a, {later}_at AS b FROM visit "
            f"WHERE {_broken(earlier, later, postgres)} ORDER BY id")
        if rows:
            listed = "; ".join(f"visit {r['id']} ({r['ticket_number'] or r['origin']}): {later}_at {r['b']} before "
                               f"{earlier}_at {r['a']}" for r in rows[:LISTED])
            more = f" and {len(rows) - LISTED} more" if len(rows) > LISTED else ""
            found.append(f"{len(rows)} visit(s) with {later}_at before {earlier}_at: {listed}{more}")
    rows = await execute(
        engine, "SELECT counter, local_day, COUNT(*) AS n FROM visit "
        f"WHERE counter IS NOT NULL AND {OPEN_CONDITION} GROUP BY counter, local_day HAVING COUNT(*) > 1 "
        "ORDER BY local_day, counter")
    for r in rows[:LISTED]:
        found.append(f"counter {r['counter']} on {str(r['local_day'])[:10]}: {r['n']} tickets called and neither "
                     "finished nor closed (one at a time: finish them or record an outcome)")
    if len(rows) > LISTED:
        found.append(f"... and {len(rows) - LISTED} more counter-days with several open tickets")
    return found


def _postgres() -> list[str]:
    checks = ", ".join(
        f'ADD CONSTRAINT "{constraint_name(a, b)}" CHECK ({a}_at IS NULL OR {b}_at IS NULL OR {a}_at <= {b}_at)'
        for a, b in PAIRS)
    return [
        'ALTER TABLE "visit" ADD COLUMN "transferred_to" INTEGER REFERENCES "counter" ("id") ON DELETE CASCADE '
        'ON UPDATE CASCADE DEFAULT null, ADD COLUMN "recalled_at" TIMESTAMPTZ DEFAULT null',
        f'ALTER TABLE "visit" {checks}',
        f"CREATE UNIQUE INDEX ux_visit_counter_open ON visit (counter, local_day) WHERE {OPEN_CONDITION}",
    ]


def _sqlite() -> list[str]:
    statements = [
        'ALTER TABLE "visit" ADD COLUMN "transferred_to" INTEGER REFERENCES "counter" ("id") ON DELETE CASCADE '
        'ON UPDATE CASCADE DEFAULT null',
        'ALTER TABLE "visit" ADD COLUMN "recalled_at" TIMESTAMPTZ DEFAULT null',
        f"CREATE UNIQUE INDEX ux_visit_counter_open ON visit (counter, local_day) WHERE {OPEN_CONDITION}",
    ]
    for a, b in PAIRS:
        name = constraint_name(a, b)
        message = f"CHECK constraint failed: {name}: visit.{b}_at must not be before visit.{a}_at"
        broken = _broken(a, b, False, row="NEW.")
        for event, when in (("insert", "INSERT"), ("update", f'UPDATE OF "{a}_at", "{b}_at"')):
            statements.append(f'CREATE TRIGGER "{name}_{event}" BEFORE {when} ON "visit" WHEN {broken} '
                              f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
    return statements


async def forwards(engine: Engine) -> None:
    found = await _violations(engine)
    if found:
        raise QueueOrderViolations(
            "m0130_queue_order: correct these visits (docs/queue.md, \"Upgrading a database with ghost visits\"), "
            "then run `portal migrate` again:\n  " + "\n  ".join(found))
    async with engine.transaction():
        await run_all(engine, _postgres() if is_postgres(engine) else _sqlite())
