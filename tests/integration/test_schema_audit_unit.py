"""Audit entries carry their unit as a column (m0105, issue 16): the audit page filters by it in SQL and pages
through the rest, so a small unit's head sees every entry of their unit however busy the other units are."""

from __future__ import annotations

import json
import re

from portal.accounts import audit
from portal.db.tables import AuditLog
from tests.factories import make_unit, make_user
from tests.integration.queue_support import login


async def _other_unit_flood(unit: dict, n: int) -> None:
    rows = [AuditLog(actor_name="flood", action="update", entity="test_flood", entity_id=i, unit=unit["id"],
                     details=json.dumps({"unit_id": unit["id"], "changes": {}})) for i in range(n)]
    for start in range(0, n, 250):
        await AuditLog.insert(*rows[start:start + 250]).run()


async def test_small_units_head_sees_their_entries_behind_1000_newer_ones(client):
    small, busy = await make_unit(), await make_unit()
    head = await make_user("head", [small])
    await audit.record(None, "update", "maklumat", small["id"], unit_id=small["id"], note="small-unit-entry")
    await _other_unit_flood(busy, 1000)

    await login(client, head)
    page = await client.get("/console/audit")
    assert page.status_code == 200
    assert "small-unit-entry" in page.text
    assert "flood" not in page.text  # another unit's entries stay out


async def test_pages_by_unit_in_sql(client):
    unit, other = await make_unit(), await make_unit()
    for i in range(audit.PAGE_SIZE + 5):
        await audit.record(None, "update", "test_page", i, unit_id=unit["id"], note=f"entry-{i:03d}")
        if i % 10 == 0:
            await audit.record(None, "update", "test_page", i, unit_id=other["id"], note=f"other-{i:03d}")
    first, older = await audit.entries({unit["id"]})
    assert len(first) == audit.PAGE_SIZE and older is not None
    assert all(e["unit"] == unit["id"] for e in first)
    assert first[0]["details"]["note"] == f"entry-{audit.PAGE_SIZE + 4:03d}"
    second, last = await audit.entries({unit["id"]}, older)
    assert [e["details"]["note"] for e in second] == [f"entry-{i:03d}" for i in range(4, -1, -1)] and last is None

    head = await make_user("head", [unit])
    await login(client, head)
    page = await client.get("/console/audit")
    link = re.search(r'href="\?before=(\d+)"', page.text)
    assert link and int(link.group(1)) == older
    older_page = await client.get(f"/console/audit?before={older}")
    assert older_page.status_code == 200 and "entry-000" in older_page.text and "entry-104" not in older_page.text
    assert (await client.get("/console/audit?before=99999999999999999999999")).status_code in (200, 400)


async def test_an_action_on_several_units_is_recorded_for_each(client):
    first, second = await make_unit(), await make_unit()
    await audit.record(None, "create", "test_user", 1, unit_id=None, unit_ids=[first["id"], second["id"], first["id"]])
    for unit in (first, second):
        rows, _ = await audit.entries({unit["id"]})
        assert [(r["action"], r["entity"], r["details"]["unit_id"]) for r in rows] == [("create", "test_user", unit["id"])]
    for ids in ({first["id"]}, {second["id"]}):
        assert len((await audit.entries(ids))[0]) == 1


async def test_entry_without_unit_is_for_admins_only(client):
    await audit.record(None, "create", "test_user", 2, unit_id=None, note="no-unit-entry")
    rows, _ = await audit.entries(None)
    assert any(r["details"].get("note") == "no-unit-entry" and r["unit"] is None for r in rows)
    assert (await audit.entries(set()))[0] == []
