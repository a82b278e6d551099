"""The version in force is the approved one with the latest effective_from <= now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.catalog.queries import standard_in_force
from portal.db.tables import StandardVersion
from tests.factories import make_service, make_unit


async def test_version_in_force_ignores_drafts_and_future_versions(app):
    unit = await make_unit()
    service = await make_service(unit, fee=10000)
    now = datetime.now(UTC)
    await StandardVersion(service=service["id"], version=2, status="approved", time_limit_value=20,
                          time_limit_unit="minutes", effective_from=now + timedelta(days=3)).save().run()
    await StandardVersion(service=service["id"], version=3, status="draft", time_limit_value=10,
                          time_limit_unit="minutes").save().run()
    current = await standard_in_force(service["id"])
    assert current["version"] == 1
    upcoming = await standard_in_force(service["id"], now + timedelta(days=4))
    assert upcoming["version"] == 2
