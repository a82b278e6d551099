"""User management by admins at /console/users: create, change role and units, reset password, deactivate; audited."""

from __future__ import annotations

import json

from portal.accounts.queries import unit_ids_of, user_by_name
from portal.db.tables import AuditLog
from tests.conftest import PortalClient
from tests.factories import make_unit, make_user, uid
from tests.integration.queue_support import login, post


async def _audit(entity: str, entity_id: int) -> list[dict]:
    rows = await AuditLog.select().where((AuditLog.entity == entity) & (AuditLog.entity_id == entity_id)).order_by(
        AuditLog.id).run()
    for row in rows:
        row["details"] = json.loads(row["details"]) if isinstance(row["details"], str) else row["details"]
    return rows


async def test_admin_manages_users_and_every_change_is_audited(client):
    unit_a, unit_b = await make_unit(), await make_unit()
    admin = await make_user("admin", [])
    await login(client, admin)
    assert (await client.get("/console/users")).status_code == 200
    name = uid("petugas")
    created = await post(client, "/console/users", [("username", name), ("role", "officer"), ("unit", unit_a["id"]),
                                                   ("password", "a-long-password-1"), ("display_name", "Petugas")])
    assert created.status_code == 303, created.text[-500:]
    row = await user_by_name(name)
    assert row["role"] == "officer" and await unit_ids_of(row["id"]) == [unit_a["id"]]

    changed = await post(client, f"/console/users/{row['id']}", [
        ("role", "manager"), ("unit", unit_a["id"]), ("unit", unit_b["id"]), ("display_name", "Pengelola"),
        ("active", "on")])
    assert changed.status_code == 303
    assert (await user_by_name(name))["role"] == "manager"
    assert await unit_ids_of(row["id"]) == sorted([unit_a["id"], unit_b["id"]])

    async with PortalClient(transport=client._transport, base_url="https://testserver.local") as other:
        await login(other, {"username": name, "password": "a-long-password-1"})
        assert (await other.get("/console")).status_code == 200
        assert (await post(client, f"/console/users/{row['id']}/password",
                           {"password": "another-long-pass"})).status_code == 303
        # the old session ends when the password changes
        assert (await other.get("/console")).status_code in (302, 303)
        assert (await other.login(name, "a-long-password-1")).status_code == 401
        await login(other, {"username": name, "password": "another-long-pass"})
        assert (await post(client, f"/console/users/{row['id']}/deactivate")).status_code == 303
        assert (await other.get("/console")).status_code in (302, 303)
    assert not (await user_by_name(name))["active"]

    entries = await _audit("user", row["id"])
    # one entry per unit the action touches (issue 16): each unit's head sees it in their own audit log
    a, b = unit_a["id"], unit_b["id"]
    assert [(e["action"], e["unit"]) for e in entries] == [
        ("create", a), ("update", a), ("update", b), ("reset_password", a), ("reset_password", b),
        ("deactivate", a), ("deactivate", b)]
    assert all(e["details"]["unit_id"] == e["unit"] for e in entries)
    assert all(e["actor"] == admin["id"] and e["actor_name"] == admin["username"] for e in entries)
    assert entries[1]["details"]["changes"]["role"] == {"before": "officer", "after": "manager"}
    assert entries[5]["details"]["changes"]["active"] == {"before": True, "after": False}
    assert "password" not in json.dumps(entries[0]["details"]["changes"])  # no hash in the log


async def test_bad_user_forms_are_400_and_change_nothing(client):
    unit = await make_unit()
    admin = await make_user("admin", [])
    await login(client, admin)
    taken = await make_user("officer", [unit])
    count_before = await AuditLog.count().run()
    cases = [
        [("username", uid("x")), ("role", "officer"), ("password", "a-long-password-1")],  # no unit
        [("username", uid("x")), ("role", "boss"), ("unit", unit["id"]), ("password", "a-long-password-1")],
        [("username", uid("x")), ("role", "officer"), ("unit", unit["id"]), ("password", "short")],
    ]
    for data in cases:
        response = await post(client, "/console/users", data)
        assert response.status_code == 400, data
    clash = await post(client, "/console/users", [("username", taken["username"]), ("role", "admin"),
                                                  ("password", "a-long-pass-1")])
    assert clash.status_code == 409 and 'aria-invalid="true"' in clash.text  # the username field, marked
    assert (await user_by_name(taken["username"]))["role"] == "officer"  # "create" never updates
    assert (await post(client, "/console/users", [("username", uid("x")), ("role", "officer"),
                                                  ("unit", "999999"), ("password", "a-long-password-1")])).status_code == 400
    assert await AuditLog.count().run() == count_before
    assert (await post(client, "/console/users/99999999/password", {"password": "a-long-password-1"})).status_code == 404
    assert (await post(client, f"/console/users/{admin['id']}/deactivate")).status_code == 400


async def test_only_admins_manage_users(client):
    unit = await make_unit()
    head = await make_user("head", [unit])
    await login(client, head)
    assert (await client.get("/console/users")).status_code == 403
    assert (await post(client, "/console/users", [("username", uid("x")), ("role", "admin"),
                                                  ("password", "a-long-password-1")])).status_code == 403
    assert (await post(client, f"/console/users/{head['id']}", [("role", "admin")])).status_code == 403
    assert (await user_by_name(head["username"]))["role"] == "head"
