"""Standards as controlled documents (ISO 9001 7.5): a manager drafts, a head approves with an effective date,
approved versions are immutable, a future version is upcoming until its date; services, counters, maklumat audited."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.catalog.queries import standard_in_force
from portal.catalog.services import effective_instant
from portal.db.tables import AuditLog, Counter, CounterService, Service, StandardVersion, Unit
from portal.timeutil import local_day
from tests.conftest import PortalClient
from tests.integration.queue_support import login, post, world

DRAFT = {
    "requirements": "KTP-el asli\r\nKartu Keluarga\n\n", "procedure": "Ambil antrean\nSerahkan berkas\nTerima akta",
    "time_limit_value": "2", "time_limit_unit": "working_days", "fee": "0", "product": "Akta kelahiran",
    "complaint_channel": "SP4N-LAPOR! lapor.go.id", "legal_basis": "Perpres 96/2018", "facilities": "Ruang tunggu",
    "staff_count": "3", "service_guarantee": "Tepat waktu", "target_time": "0.95", "target_cost": "1",
    "target_accuracy": "0,9", "change_note": "Waktu dipersingkat",
}


async def _versions(service_id: int) -> list[dict]:
    return await StandardVersion.select().where(StandardVersion.service == service_id).order_by(
        StandardVersion.version).run()


async def _audit_actions(entity: str, entity_id: int) -> list[str]:
    rows = await AuditLog.select(AuditLog.action).where(
        (AuditLog.entity == entity) & (AuditLog.entity_id == entity_id)).order_by(AuditLog.id).run()
    return [r["action"] for r in rows]


async def test_draft_approve_upcoming_then_in_force(client):
    w = await world()
    service, unit = w["services"][0], w["unit"]
    old = await standard_in_force(service["id"])
    await login(client, w["manager"])
    page = await client.get(f"/console/services/{service['slug']}/standards")
    assert page.status_code == 200 and "KTP-el asli" in page.text  # the form starts from the version in force
    drafted = await post(client, f"/console/services/{service['slug']}/standards", DRAFT)
    assert drafted.status_code == 303, drafted.text[-800:]
    draft = (await _versions(service["id"]))[-1]
    assert draft["version"] == 2 and draft["status"] == "draft"
    assert json.loads(draft["requirements"]) == ["KTP-el asli", "Kartu Keluarga"]
    assert json.loads(draft["procedure"]) == ["Ambil antrean", "Serahkan berkas", "Terima akta"]
    assert (draft["time_limit_value"], draft["time_limit_unit"], draft["staff_count"]) == (2, "working_days", 3)
    assert draft["target_accuracy"] == 0.9 and draft["target_cost"] == 1.0
    # a draft can be edited, and a manager cannot approve
    edited = await post(client, f"/console/standards/{draft['id']}", {**DRAFT, "time_limit_value": "3"})
    assert edited.status_code == 303
    tomorrow = local_day(unit["timezone"]) + timedelta(days=1)
    refused = await post(client, f"/console/standards/{draft['id']}/approve", {"effective_from": tomorrow.isoformat()})
    assert refused.status_code == 403

    async with PortalClient(transport=client._transport, base_url="https://testserver.local") as head_client:
        await login(head_client, w["head"])
        past = await post(head_client, f"/console/standards/{draft['id']}/approve",
                          {"effective_from": (tomorrow - timedelta(days=3)).isoformat()})
        assert past.status_code == 400
        assert (await post(head_client, f"/console/standards/{draft['id']}/approve",
                           {"effective_from": "soon"})).status_code == 400
        approved = await post(head_client, f"/console/standards/{draft['id']}/approve",
                              {"effective_from": tomorrow.isoformat()})
        assert approved.status_code == 303
        replay = await post(head_client, f"/console/standards/{draft['id']}/approve",
                            {"effective_from": (tomorrow + timedelta(days=5)).isoformat()})
        assert replay.status_code == 409
        listing = await head_client.get(f"/console/services/{service['slug']}/standards")
        assert "state-upcoming" in listing.text and "state-in_force" in listing.text

    row = await StandardVersion.select().where(StandardVersion.id == draft["id"]).first().run()
    starts = effective_instant(unit["timezone"], tomorrow)
    assert row["status"] == "approved" and row["effective_from"] == starts
    assert row["approved_by"] == w["head"]["id"] and row["time_limit_value"] == 3
    # upcoming: the old version stays in force until the local midnight of the effective day, then the new one
    assert (await standard_in_force(service["id"]))["id"] == old["id"]
    assert (await standard_in_force(service["id"], at=starts - timedelta(seconds=1)))["id"] == old["id"]
    assert (await standard_in_force(service["id"], at=starts))["id"] == draft["id"]
    assert (await standard_in_force(service["id"], at=starts + timedelta(days=30)))["id"] == draft["id"]

    # approved is immutable
    changed = await post(client, f"/console/standards/{draft['id']}", {**DRAFT, "fee": "99000"})
    assert changed.status_code == 409
    assert (await StandardVersion.select().where(StandardVersion.id == draft["id"]).first().run()) == row
    assert await _audit_actions("standard_version", draft["id"]) == ["draft", "update", "approve"]


async def test_approved_today_is_in_force_now(client):
    w = await world(timezone="Asia/Jakarta")
    service = w["services"][1]
    await login(client, w["manager"])
    await post(client, f"/console/services/{service['slug']}/standards", {**DRAFT, "fee": "25000"})
    draft = (await _versions(service["id"]))[-1]
    async with PortalClient(transport=client._transport, base_url="https://testserver.local") as head_client:
        await login(head_client, w["head"])
        today = local_day(w["unit"]["timezone"])
        assert (await post(head_client, f"/console/standards/{draft['id']}/approve",
                           {"effective_from": today.isoformat()})).status_code == 303
    in_force = await standard_in_force(service["id"])
    assert in_force["id"] == draft["id"] and in_force["fee"] == 25000
    assert in_force["effective_from"] <= datetime.now(UTC)


async def test_invalid_draft_is_400_and_saves_nothing(client):
    w = await world()
    service = w["services"][0]
    await login(client, w["manager"])
    before = await _versions(service["id"])
    for bad in ({"fee": "-1"}, {"requirements": ""}, {"time_limit_unit": "weeks"}, {"time_limit_value": "0"},
                {"target_time": "1.5"}, {"product": ""}, {"time_limit_value": "999999999999"},
                {"time_limit_value": "366"}, {"fee": "999999999999999"}, {"staff_count": "100000"},
                {"requirements": "\n".join(f"syarat {i}" for i in range(80))}):
        response = await post(client, f"/console/services/{service['slug']}/standards", {**DRAFT, **bad})
        assert response.status_code == 400, bad
    assert await _versions(service["id"]) == before
    assert (await client.get("/console/standards/99999999")).status_code == 404


async def test_one_open_draft_prefilled_from_the_version_in_force_discardable_contiguous_numbers(client):
    w = await world()
    service = w["services"][0]
    slug = service["slug"]
    await login(client, w["manager"])
    first = await post(client, f"/console/services/{slug}/standards", {**DRAFT, "product": "Draf pertama"})
    assert first.status_code == 303
    draft = (await _versions(service["id"]))[-1]
    page = await client.get(f"/console/services/{slug}/standards")
    assert f"/console/standards/{draft['id']}" in page.text and 'name="requirements"' not in page.text
    second = await post(client, f"/console/services/{slug}/standards", {**DRAFT, "product": "Draf kedua"})
    assert second.status_code == 409 and "draf terbuka" in second.text  # one open draft per service
    assert len([v for v in await _versions(service["id"]) if v["status"] == "draft"]) == 1
    discarded = await post(client, f"/console/standards/{draft['id']}/discard")
    assert discarded.status_code == 303
    assert not await StandardVersion.exists().where(StandardVersion.id == draft["id"]).run()
    assert await _audit_actions("standard_version", draft["id"]) == ["draft", "discard"]
    page = await client.get(f"/console/services/{slug}/standards")
    in_force = await standard_in_force(service["id"])
    assert in_force["product"] in page.text and "Draf pertama" not in page.text  # prefilled from the version in force
    # discard again, or discard an approved version: refused, nothing changes
    assert (await post(client, f"/console/standards/{draft['id']}/discard")).status_code == 404
    assert (await post(client, f"/console/standards/{in_force['id']}/discard")).status_code == 409
    # drafts thrown away leave no gap: the next approved version is the next published number
    for _ in range(2):
        await post(client, f"/console/services/{slug}/standards", DRAFT)
        again = (await _versions(service["id"]))[-1]
        await post(client, f"/console/standards/{again['id']}/discard")
    await post(client, f"/console/services/{slug}/standards", DRAFT)
    kept = [v for v in await _versions(service["id"]) if v["status"] == "draft"][0]
    async with PortalClient(transport=client._transport, base_url="https://testserver.local") as head_client:
        await login(head_client, w["head"])
        today = local_day(w["unit"]["timezone"])
        assert (await post(head_client, f"/console/standards/{kept['id']}/approve",
                           {"effective_from": today.isoformat()})).status_code == 303
    published = sorted(v["version"] for v in await _versions(service["id"]) if v["status"] == "approved")
    assert published == list(range(1, len(published) + 1))


async def test_other_units_standards_are_out_of_reach(client):
    w, other = await world(), await world()
    await login(client, other["manager"])
    service = w["services"][0]
    assert (await client.get(f"/console/services/{service['slug']}/standards")).status_code == 403
    assert (await post(client, f"/console/services/{service['slug']}/standards", DRAFT)).status_code == 403
    version = (await _versions(service["id"]))[0]
    assert (await client.get(f"/console/standards/{version['id']}")).status_code == 403


async def test_services_counters_and_maklumat_are_managed_and_audited(client):
    w = await world()
    unit = w["unit"]
    await login(client, w["manager"])
    slug = f"layanan-baru-{unit['id']}"
    created = await post(client, "/console/services", {"unit": unit["id"], "slug": slug, "name": "Layanan Baru"})
    assert created.status_code == 303
    service = await Service.select().where(Service.slug == slug).first().run()
    assert service["unit"] == unit["id"]
    assert (await post(client, "/console/services", {"unit": unit["id"], "slug": slug, "name": "X"})).status_code == 409
    assert (await post(client, "/console/services", {"unit": unit["id"], "slug": "Bad Slug", "name": "X"})).status_code == 400
    updated = await post(client, f"/console/services/{slug}", {"name": "Layanan Baru 2", "description": "d"})
    assert updated.status_code == 303
    assert not (await Service.select().where(Service.id == service["id"]).first().run())["active"]
    assert await _audit_actions("service", service["id"]) == ["create", "update"]

    code = f"K{unit['id']}X"
    made = await post(client, "/console/counters", [("unit", unit["id"]), ("code", code), ("name", "Loket 9"),
                                                   ("service", service["id"]), ("service", w["services"][0]["id"])])
    assert made.status_code == 303
    counter = await Counter.select().where(Counter.code == code).first().run()
    links = await CounterService.select(CounterService.service).where(CounterService.counter == counter["id"]).run()
    assert sorted(r["service"] for r in links) == sorted([service["id"], w["services"][0]["id"]])
    other = await world()
    foreign = await post(client, "/console/counters", [("unit", unit["id"]), ("code", code + "Z"), ("name", "L"),
                                                      ("service", other["services"][0]["id"])])
    assert foreign.status_code == 400
    deactivated = await post(client, f"/console/counters/{code}/edit", {"name": "Loket 9"})
    assert deactivated.status_code == 303
    counter = await Counter.select().where(Counter.code == code).first().run()
    assert not counter["active"]
    assert await CounterService.count().where(CounterService.counter == counter["id"]).run() == 0
    assert await _audit_actions("counter", counter["id"]) == ["create", "update"]

    bad = await post(client, f"/console/units/{unit['slug']}/maklumat",
                     {"maklumat_text": "Kami sanggup...", "maklumat_signer": "", "maklumat_date": ""})
    assert bad.status_code == 400
    saved = await post(client, f"/console/units/{unit['slug']}/maklumat", {
        "maklumat_text": "Dengan ini kami menyatakan sanggup menyelenggarakan pelayanan sesuai standar.",
        "maklumat_signer": "Kepala Dinas", "maklumat_date": "2026-01-02"})
    assert saved.status_code == 303
    row = await Unit.select().where(Unit.id == unit["id"]).first().run()
    assert row["maklumat_signer"] == "Kepala Dinas" and row["maklumat_date"].isoformat() == "2026-01-02"
    assert await _audit_actions("maklumat", unit["id"]) == ["update"]

    # the head reads the audit log of the unit; another unit's head does not see it
    async with PortalClient(transport=client._transport, base_url="https://testserver.local") as head_client:
        await login(head_client, w["head"])
        log = await head_client.get("/console/audit")
        assert log.status_code == 200 and "Kepala Dinas" in log.text and w["manager"]["username"] in log.text
        # a field left empty on both sides is no change: never "— →" with nothing after the arrow
        assert not re.search(r"→\s*</li>", log.text) and "— → —" not in log.text
        await login(head_client, other["head"])
        assert "Kepala Dinas" not in (await head_client.get("/console/audit")).text


async def test_audit_log_is_append_only(app):
    await AuditLog.insert(AuditLog(action="test", entity="test", details="{}")).run()
    with pytest.raises(Exception, match="append-only"):
        await AuditLog.update({AuditLog.action: "changed"}).where(AuditLog.entity == "test").run()
