"""The write side as structure (issue 25): a change and its audit entry commit together or not at all; a unique
index's refusal answers 409 naming the field, in the user's language, on both engines; a refused form names every
wrong field at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.accounts import audit
from portal.db.tables import AuditLog, Counter, StandardVersion, Unit, User
from portal.timeutil import local_day
from tests.factories import make_user, uid
from tests.integration.queue_support import login, post, world
from tests.integration.test_standards_versions import DRAFT


class AuditDown(RuntimeError):
    """The audit log's insert fails (a full disk, a lost connection)."""


async def test_approval_whose_audit_entry_fails_leaves_neither(client, monkeypatch):
    """ISO 9001 7.5: a controlled document is never changed without its record. The audit insert fails after
    the approval's UPDATE ran in the same transaction: the version stays a draft, no entry is written, the
    request answers 500 and a retry once the log works approves it with its entry."""
    w = await world()
    service, unit = w["services"][0], w["unit"]
    await login(client, w["manager"])
    response = await post(client, f"/console/services/{service['slug']}/standards", DRAFT)
    assert response.status_code == 303, response.text[-500:]
    version_id = int(response.headers["location"].rsplit("/", 1)[1])
    await login(client, w["head"])
    day = (local_day(unit["timezone"]) + timedelta(days=1)).isoformat()

    real_record = audit.record

    async def failing(*args, **kwargs):
        if args[1] == "approve":
            raise AuditDown("audit log unavailable")
        return await real_record(*args, **kwargs)

    monkeypatch.setattr(audit, "record", failing)
    failed = await post(client, f"/console/standards/{version_id}/approve", {"effective_from": day})
    assert failed.status_code == 500
    row = await StandardVersion.select().where(StandardVersion.id == version_id).first().run()
    assert row["status"] == "draft" and row["effective_from"] is None and row["approved_by"] is None
    assert await AuditLog.count().where((AuditLog.entity == "standard_version") & (AuditLog.entity_id == version_id)
                                        & (AuditLog.action == "approve")).run() == 0

    monkeypatch.setattr(audit, "record", real_record)
    again = await post(client, f"/console/standards/{version_id}/approve", {"effective_from": day})
    assert again.status_code == 303
    row = await StandardVersion.select().where(StandardVersion.id == version_id).first().run()
    assert row["status"] == "approved"
    assert await AuditLog.count().where((AuditLog.entity == "standard_version") & (AuditLog.entity_id == version_id)
                                        & (AuditLog.action == "approve")).run() == 1


@pytest.mark.parametrize("step", ["counter_update", "maklumat", "user_update", "user_password"])
async def test_other_writes_roll_back_with_their_audit_entry(client, monkeypatch, step):
    """The same for the counters, the maklumat and the users: the change and its entry, or neither."""
    w = await world()
    admin = await make_user("admin", [])
    counter, unit = w["counter"], w["unit"]
    target = await make_user("officer", [unit])
    requests = {
        "counter_update": (w["manager"], f"/console/counters/{counter['code']}/edit",
                           [("name", "Loket Baru"), ("active", "on"), ("service", w["services"][0]["id"])]),
        "maklumat": (w["manager"], f"/console/units/{unit['slug']}/maklumat",
                     {"maklumat_text": "Kami berjanji", "maklumat_signer": "Kepala", "maklumat_date": "2026-01-05"}),
        "user_update": (admin, f"/console/users/{target['id']}", [("role", "manager"), ("unit", unit["id"]),
                                                                   ("active", "on"), ("display_name", "Baru")]),
        "user_password": (admin, f"/console/users/{target['id']}/password", {"password": "a-new-long-password"}),
    }
    actor, path, data = requests[step]
    await login(client, actor)
    before_counter = await Counter.select().where(Counter.id == counter["id"]).first().run()
    before_user = await User.select().where(User.id == target["id"]).first().run()
    before_entries = await AuditLog.count().run()

    async def failing(*args, **kwargs):
        raise AuditDown("audit log unavailable")

    monkeypatch.setattr(audit, "record", failing)
    assert (await post(client, path, data)).status_code == 500
    assert await Counter.select().where(Counter.id == counter["id"]).first().run() == before_counter
    assert await User.select().where(User.id == target["id"]).first().run() == before_user
    assert (await Unit.select(Unit.maklumat_text).where(Unit.id == unit["id"]).first().run())["maklumat_text"] \
        == unit["maklumat_text"]
    assert await AuditLog.count().run() == before_entries


async def test_a_taken_counter_code_is_409_naming_the_code_field(client):
    """No read-then-check: the unique index refuses the second counter, and the answer names the field, in
    Indonesian by default and in English on request; nothing is stored (on SQLite and on PostgreSQL)."""
    w = await world()
    await login(client, w["manager"])
    taken = w["counter"]["code"]
    count = await Counter.count().run()
    entries = await AuditLog.count().run()
    form = [("unit", w["unit"]["id"]), ("code", taken.lower()), ("name", "Loket kembar")]
    response = await post(client, "/console/counters", form)
    assert response.status_code == 409
    assert 'id="code-error"' in response.text and "Kode ini sudah dipakai." in response.text
    assert 'aria-invalid="true" aria-describedby="code-error"' in response.text
    english = await post(client, "/console/counters?lang=en", form)
    assert english.status_code == 409 and "This code is taken." in english.text
    assert await Counter.count().run() == count and await AuditLog.count().run() == entries


async def test_a_taken_username_and_service_slug_are_409_naming_the_field(client):
    w = await world()
    admin = await make_user("admin", [])
    await login(client, admin)
    response = await post(client, "/console/users", [("username", w["officer"]["username"]), ("role", "officer"),
                                                     ("unit", w["unit"]["id"]), ("password", "a-long-password-1")])
    assert response.status_code == 409 and 'id="username-error"' in response.text
    response = await post(client, "/console/services", {"unit": w["unit"]["id"], "slug": w["services"][0]["slug"],
                                                        "name": "Kembar"})
    assert response.status_code == 409 and 'id="slug-error"' in response.text


async def test_a_refused_form_names_every_wrong_field_at_once(client):
    w = await world()
    await login(client, w["manager"])
    response = await post(client, "/console/counters", [("unit", w["unit"]["id"]), ("code", "x"), ("name", " "),
                                                        ("service", "999999999")])
    assert response.status_code == 400
    for field in ("code", "name", "service"):
        assert f'id="{field}-error"' in response.text, field
    draft = {**DRAFT, "fee": "-5", "product": "", "target_time": "7"}
    response = await post(client, f"/console/services/{w['services'][0]['slug']}/standards", draft)
    assert response.status_code == 400
    for field in ("fee", "product", "target_time"):
        assert f'id="{field}-error"' in response.text, field
    assert "Perpres 96/2018" in response.text  # what was typed is kept


async def test_the_catch_all_maps_an_unhandled_unique_violation_to_409_naming_the_column():
    """A unique violation no service expected is a 409 naming the column, read from either engine's message."""
    from portal.db.engine import is_unique_violation, unique_field

    code = uid("U")[:12].upper()
    unit = (await world())["unit"]
    await Counter.insert(Counter(unit=unit["id"], code=code, name="a")).run()
    with pytest.raises(Exception) as caught:  # noqa: PT011 (either engine's own class)
        await Counter.insert(Counter(unit=unit["id"], code=code, name="b")).run()
    assert is_unique_violation(caught.value) and unique_field(caught.value) == "code"
