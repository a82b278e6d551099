"""Races that once gave 500 or overwrote an account, each fired as concurrent HTTP requests (CI runs this file on
SQLite and on PostgreSQL, where two transactions really interleave): the first saves of a unit's complaint settings
all succeed and leave one row; creating a username taken a moment ago is a 409 on the username field and never
touches the other account; two drafts of one standard give one draft and a 409; the same counter code or service
address name created twice gives one row and a 409 naming the field."""

from __future__ import annotations

import asyncio

from portal.accounts.queries import user_by_name
from portal.db.tables import AuditLog, Counter, Service, StandardVersion
from portal.db.tables_complaints import ComplaintSetting
from tests.factories import make_service, make_unit, make_user, uid
from tests.integration.queue_support import csrf_token, login
from tests.integration.test_standards_versions import DRAFT

FORM = {"content-type": "application/x-www-form-urlencoded"}


async def _posts(client, path: str, forms: list[dict]) -> list[int]:
    """POST every form at once (one event loop, the requests interleave at every database call)."""
    from urllib.parse import urlencode

    token = await csrf_token(client)
    responses = await asyncio.gather(*(
        client.post(path, content=urlencode({**form, "_csrf_token": token}, doseq=True).encode(), headers=FORM)
        for form in forms))
    return [r.status_code for r in responses]


async def test_concurrent_first_saves_of_complaint_settings_all_succeed(client):
    unit = await make_unit()
    await login(client, await make_user("manager", [unit]))
    forms = [{"unit": unit["slug"], "light_days": str(1 + i), "normative_days": "5", "plain_days": "14",
              "investigation_days": "60", "contact_days": "90"} for i in range(10)]
    statuses = await _posts(client, "/console/complaints/settings", forms)
    assert statuses == [303] * 10
    rows = await ComplaintSetting.select().where(ComplaintSetting.unit == unit["id"]).run()
    assert len(rows) == 1 and 1 <= rows[0]["light_days"] <= 10  # the last save wins
    entries = await AuditLog.count().where((AuditLog.action == "complaint_settings") & (AuditLog.unit == unit["id"])).run()
    assert entries == 10  # each save is in the log


async def test_creating_a_username_taken_a_moment_ago_is_409_and_never_updates(client):
    unit = await make_unit()
    await login(client, await make_user("admin", []))
    name = uid("kembar")
    forms = [{"username": name, "role": role, "unit": str(unit["id"]), "password": f"sandi-panjang-{i}",
              "display_name": f"Orang {i}"} for i, role in enumerate(["officer", "manager", "head", "officer"])]
    statuses = await _posts(client, "/console/users", forms)
    assert sorted(statuses) == [303, 409, 409, 409], statuses
    winner = forms[statuses.index(303)]
    stored = await user_by_name(name)
    assert stored is not None and stored["role"] == winner["role"] and stored["display_name"] == winner["display_name"]
    creations = await AuditLog.count().where((AuditLog.action == "create") & (AuditLog.entity == "user")
                                             & (AuditLog.entity_id == stored["id"])).run()
    assert creations == 1
    # Later, one at a time: still a 409 with the field named, and the account keeps its password and role.
    token = await csrf_token(client)
    again = await client.post("/console/users", data={**forms[0], "role": "admin", "_csrf_token": token,
                                                      "password": "ambil-alih-akun"})
    assert again.status_code == 409 and 'aria-invalid="true"' in again.text
    assert "Nama pengguna ini sudah dipakai" in again.text or "taken" in again.text
    after = await user_by_name(name)
    assert after is not None and after["password_hash"] == stored["password_hash"] and after["role"] == winner["role"]


async def test_two_drafts_of_one_standard_give_one_draft_and_a_409(client):
    unit = await make_unit()
    service = await make_service(unit)
    await login(client, await make_user("manager", [unit]))
    forms = [{**DRAFT, "product": f"Draf {i}"} for i in range(4)]
    statuses = await _posts(client, f"/console/services/{service['slug']}/standards", forms)
    assert sorted(statuses) == [303, 409, 409, 409], statuses
    drafts = await StandardVersion.select().where((StandardVersion.service == service["id"])
                                                  & (StandardVersion.status == "draft")).run()
    assert len(drafts) == 1 and drafts[0]["product"] == forms[statuses.index(303)]["product"]


async def test_the_same_counter_code_or_service_address_twice_is_one_row_and_a_409(client):
    unit = await make_unit()
    await login(client, await make_user("manager", [unit]))
    code = uid("L").replace("-", "").upper()[:12]
    statuses = await _posts(client, "/console/counters", [{"unit": str(unit["id"]), "code": code,
                                                           "name": f"Loket {i}"} for i in range(3)])
    assert sorted(statuses) == [303, 409, 409], statuses
    assert await Counter.count().where(Counter.code == code).run() == 1
    slug = uid("layanan-kembar")
    statuses = await _posts(client, "/console/services", [{"unit": str(unit["id"]), "slug": slug,
                                                           "name": f"Layanan {i}"} for i in range(3)])
    assert sorted(statuses) == [303, 409, 409], statuses
    assert await Service.count().where(Service.slug == slug).run() == 1
