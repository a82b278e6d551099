"""Complaint follow-up (issue 26): the exchange between the unit and the citizen on a complaint (the unit asks for
more information, the citizen replies on the tracking page: one reply per question, by a unique `reply_to`) and the
citizen's rating of the answer (once per complaint, by a unique `complaint`)."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import run_all


async def forwards(engine: Engine) -> None:
    await run_all(engine, [
        """CREATE TABLE IF NOT EXISTS complaint_message (
            id {pk},
            complaint INTEGER NOT NULL REFERENCES complaint (id),
            from_citizen BOOLEAN NOT NULL DEFAULT false,
            body TEXT NOT NULL DEFAULT '',
            reply_to INTEGER UNIQUE REFERENCES complaint_message (id),
            actor INTEGER REFERENCES portal_user (id),
            created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
        )""",
        "CREATE INDEX IF NOT EXISTS ix_complaint_message_complaint ON complaint_message (complaint, id)",
        """CREATE TABLE IF NOT EXISTS complaint_rating (
            id {pk},
            complaint INTEGER NOT NULL UNIQUE REFERENCES complaint (id),
            resolved BOOLEAN NOT NULL DEFAULT false,
            score {smallint} NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
        )""",
    ])
