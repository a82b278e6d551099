"""Money, time limits and staff counts as BIGINT on PostgreSQL (INTEGER overflows at 2^31: Rp 3,000,000,000 is a
real retribution). SQLite's INTEGER is already 64-bit, so nothing changes there."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import is_postgres, run_all

COLUMNS = [
    ("standard_version", "fee"),
    ("standard_version", "time_limit_value"),
    ("standard_version", "staff_count"),
    ("visit", "fee_charged"),
    ("survey_response", "amount_paid"),
    ("overcharge_case", "amount"),
    ("overcharge_case", "fee"),
]


async def forwards(engine: Engine) -> None:
    if not is_postgres(engine):
        return
    # Some of these were BIGINT already (m0001 and m0032 spelt fee, amount_paid, amount and fee so); altering a
    # BIGINT column to BIGINT changes nothing, so no probe is needed.
    for table, column in COLUMNS:
        await run_all(engine, ['ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE BIGINT'], table=table, column=column)
