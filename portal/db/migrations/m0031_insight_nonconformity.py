"""Insight: nonconformities and corrective actions (ISO 9001 clause 10.2) with their history."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.tables_insight import Nonconformity, NonconformityEvent


async def forwards(engine: Engine) -> None:
    await Nonconformity.create_table(if_not_exists=True).run()
    await NonconformityEvent.create_table(if_not_exists=True).run()
    # One nonconformity per (unit, service, source, period): automatic opening is idempotent.
    await engine.run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS ux_nonconformity_key "
                         "ON nonconformity (unit, service, source, period_from, period_to)")
    await engine.run_ddl("CREATE INDEX IF NOT EXISTS ix_nonconformity_unit_status ON nonconformity (unit, status)")
    await engine.run_ddl("CREATE INDEX IF NOT EXISTS ix_nonconformity_event ON nonconformity_event (nonconformity)")
