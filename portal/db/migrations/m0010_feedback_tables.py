"""Feedback side tables: paper import batches (and their responses) and used survey-form nonces."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.tables_feedback import FormNonce, PaperBatch, PaperBatchResponse


async def forwards(engine: Engine) -> None:
    for table in (PaperBatch, PaperBatchResponse, FormNonce):
        await table.create_table(if_not_exists=True).run()
    await engine.run_ddl("CREATE INDEX IF NOT EXISTS ix_paper_batch_unit ON feedback_paper_batch (unit, created_at)")
    await engine.run_ddl("CREATE INDEX IF NOT EXISTS ix_paper_batch_response_batch "
                         "ON feedback_paper_batch_response (batch)")
