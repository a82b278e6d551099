"""Corrective actions (ISO 9001 10.2) through HTTP and the CLI: opened automatically, planned, verified, audited."""

from __future__ import annotations

import json
import re

import pytest

from portal.db.tables import AuditLog
from portal.db.tables_insight import Nonconformity
from tests.factories import make_unit, make_user
from tests.integration.test_insight_support import build_scene, record_review, run_cli


@pytest.fixture
async def scene(app):
    return await build_scene()


async def _login(client, role, units):
    client.cookies.clear()
    user = await make_user(role, units)
    assert (await client.login(user["username"], user["password"])).status_code == 303
    return user


async def _items(unit_id):
    return await Nonconformity.select().where(Nonconformity.unit == unit_id).order_by(Nonconformity.id).run()


async def test_review_opens_items_once_and_the_dashboard_lists_them(client, scene):
    await _login(client, "head", [scene["unit"]])
    r = await client.get(f"/dashboard?unit={scene['unit']['slug']}&period=2026-Q1")
    assert r.status_code == 200
    assert await _items(scene["unit"]["id"]) == [], "a GET never writes: the dashboard opens nothing"
    assert (await record_review(client, scene["unit"]["slug"], "2026-Q1")).status_code == 303
    items = await _items(scene["unit"]["id"])
    sources = sorted(i["source"] for i in items)
    assert "overcharge" in sources and "time_below_target" in sources
    assert all(i["period"] == "2026-Q1" and i["status"] == "open" for i in items)
    assert (await record_review(client, scene["unit"]["slug"], "2026-Q1")).status_code == 303
    again = await client.get(f"/dashboard?unit={scene['unit']['slug']}&period=2026-Q1")
    assert again.status_code == 200 and len(await _items(scene["unit"]["id"])) == len(items)
    assert "Perlu tindakan" in again.text and "Berikutnya: manajer unit mencatat akar masalah" in again.text
    listing = await client.get("/console/actions")
    assert listing.status_code == 200
    assert all(f"/console/actions/{i['id']}" in listing.text for i in items)
    opened = await AuditLog.select().where((AuditLog.entity == "nonconformity")
                                           & (AuditLog.entity_id == items[0]["id"])).run()
    assert opened and opened[0]["action"] == "nonconformity_opened"


async def test_manager_plans_head_closes_with_a_note(client, scene, settings, capsys):
    code, out = await run_cli(settings, ["review", "--period", "2026-Q1", "--unit", scene["unit"]["slug"]], capsys)
    assert code == 0 and "nonconformities opened" in out
    items = await _items(scene["unit"]["id"])
    over = next(i for i in items if i["source"] == "overcharge")
    code, out = await run_cli(settings, ["review", "--period", "2026-Q1", "--unit", scene["unit"]["slug"]], capsys)
    assert code == 0 and "0 nonconformities opened" in out  # idempotent
    path = f"/console/actions/{over['id']}"

    await _login(client, "manager", [scene["unit"]])
    token = await client.csrf(path)
    bad = await client.post(f"{path}/plan", data={"root_cause": "", "action": "x", "owner": "y",
                                                  "due_date": "2026-12-01", "_csrf_token": token})
    assert bad.status_code == 400
    r = await client.post(f"{path}/plan", data={
        "root_cause": "Loket menerima uang tunai tanpa kuitansi", "action": "Pembayaran non-tunai saja",
        "owner": "Kepala Seksi Pelayanan", "due_date": "2026-12-15", "_csrf_token": token})
    assert r.status_code == 303, r.text[-1000:]
    assert (await client.post(f"{path}/close", data={"verification_note": "ok", "_csrf_token": token})).status_code == 403

    await _login(client, "head", [scene["unit"]])
    token = await client.csrf(path)
    no_note = await client.post(f"{path}/close", data={"verification_note": "  ", "_csrf_token": token})
    assert no_note.status_code == 400
    assert "catatan verifikasi" in no_note.text.lower()
    still = await Nonconformity.select().where(Nonconformity.id == over["id"]).first().run()
    assert still["status"] == "action_planned"
    done = await client.post(f"{path}/close", data={"verification_note": "Tidak ada laporan baru selama 2 bulan",
                                                    "_csrf_token": token})
    assert done.status_code == 303
    closed = await Nonconformity.select().where(Nonconformity.id == over["id"]).first().run()
    assert closed["status"] == "closed" and closed["closed_by"] is not None and closed["closed_at"] is not None
    audit = await AuditLog.select().where((AuditLog.entity == "nonconformity")
                                          & (AuditLog.entity_id == over["id"])).order_by(AuditLog.id).run()
    assert [a["action"] for a in audit] == ["nonconformity_opened", "nonconformity_action_planned",
                                            "nonconformity_closed"]
    details = json.loads(audit[1]["details"]) if isinstance(audit[1]["details"], str) else audit[1]["details"]
    assert details["changes"]["owner"]["after"] == "Kepala Seksi Pelayanan"
    page = await client.get(path)
    assert "Tidak ada laporan baru" in page.text and re.search(r"History|Riwayat", page.text)


async def test_scope_and_roles(client, scene, settings, capsys):
    await run_cli(settings, ["review", "--period", "2026-Q1", "--unit", scene["unit"]["slug"]], capsys)
    item = (await _items(scene["unit"]["id"]))[0]
    await _login(client, "officer", [scene["unit"]])
    assert (await client.get("/console/actions")).status_code == 403
    assert (await client.get(f"/console/actions/{item['id']}")).status_code == 403
    other = await make_unit()
    await _login(client, "head", [other])
    assert (await client.get(f"/console/actions/{item['id']}")).status_code == 403
    assert f"/console/actions/{item['id']}\"" not in (await client.get("/console/actions?status=all")).text
    token = await client.csrf("/console/actions")
    r = await client.post(f"/console/actions/{item['id']}/close", data={"verification_note": "x", "_csrf_token": token})
    assert r.status_code == 403
    await _login(client, "head", [scene["unit"]])
    assert (await client.get("/console/actions/999999999")).status_code == 404
    assert (await client.get("/console/actions?status=weird")).status_code == 400


async def test_review_command_rejects_bad_period(settings, capsys, app):
    code, _ = await run_cli(settings, ["review", "--period", "2026-Q7"], capsys)
    assert code == 2
    assert "Unknown period" in capsys.readouterr().err or code == 2
