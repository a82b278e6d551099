"""The per-address cap's look-up (portal.feedback.queries.COUNTED_UNBOUND_SQL, inside every counted answer's
INSERT) is served by the address's own index on both engines, never by the service's day index, which walks every
answer of the service that day: with it PostgreSQL's cached generic plan made each counted answer cost more than the
one before (bench/RESULTS-submit.md). PostgreSQL's plan is the generic one, the one a pooled connection keeps."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest

from portal.db.engine import execute, on_postgres
from portal.db.tables import SurveyResponse
from portal.feedback.queries import COUNTED_UNBOUND_SQL

ARGS = ("0123456789abcdef0123456789abcdef", 1, date(2026, 12, 7), True)


class _Rollback(Exception):
    """Raised to roll back the transaction a plan was read in (and the index it dropped)."""


async def _plan(without_client_index: bool = False) -> str:
    """The cap look-up's query plan, as text; optionally with ix_response_client_day dropped (rolled back after)."""
    lines: list[str] = []
    with contextlib.suppress(_Rollback):
        async with SurveyResponse._meta.db.transaction():
            if without_client_index:
                await execute("DROP INDEX ix_response_client_day")
            if on_postgres():
                await execute("SET LOCAL plan_cache_mode = force_generic_plan")
                await execute("PREPARE cap_plan (text, integer, date, boolean) AS "
                              + COUNTED_UNBOUND_SQL.format("$1", "$2", "$3", "$4"))
                try:
                    rows = await execute(f"EXPLAIN EXECUTE cap_plan ('{ARGS[0]}', {ARGS[1]}, '{ARGS[2]}', true)")
                finally:
                    await execute("DEALLOCATE cap_plan")
                lines = [row["QUERY PLAN"] for row in rows]
            else:
                # A comment of its own: sqlite3's statement cache would give back an EXPLAIN prepared before the
                # index was dropped, and SQLite does not prepare an EXPLAIN again when the schema changes.
                rows = await execute(f"EXPLAIN QUERY PLAN /* {without_client_index} */ {COUNTED_UNBOUND_SQL}", *ARGS)
                lines = [row["detail"] for row in rows]
            raise _Rollback
    return "\n".join(lines)


@pytest.mark.usefixtures("app")
async def test_the_cap_look_up_uses_the_address_index():
    plan = await _plan()
    assert "ix_response_client_day" in plan, plan
    assert "ix_response_service_day" not in plan, plan
    # The address and the day both narrow the index search (SQLite: the USING INDEX line; PostgreSQL: Index Cond).
    search = [line for line in plan.splitlines() if "USING INDEX" in line or "Index Cond" in line]
    assert search and "client_hash" in search[0] and "local_day" in search[0], plan


@pytest.mark.usefixtures("app")
async def test_the_service_day_index_is_kept_out_of_the_choice_even_when_it_is_the_only_one_left():
    plan = await _plan(without_client_index=True)
    assert "ix_response_service_day" not in plan, plan
    assert "ix_response_client_day" in await _plan(), "the dropped index came back with the rollback"
