"""The complaint register and its commands: overdue first, forwarding keeps the code, rejection with a reason,
a linked nonconformity, the answer written once (database trigger), the CSV export without contact data unless
an admin asks, and the contact purge after the retention period."""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.accounts.auth import CurrentUser
from portal.complaints import codes, services
from portal.complaints.schemas import ComplaintInput
from portal.db.tables import AuditLog
from portal.db.tables_complaints import Complaint
from portal.db.tables_insight import Nonconformity
from tests.factories import make_service, make_unit, make_user
from tests.integration.test_insight_support import run_cli

CONTACT = "pelapor.rahasia@example.org"


async def _file(unit, service, days_ago=0, contact=CONTACT, category="time"):
    now = datetime.now(UTC) - timedelta(days=days_ago)
    data = ComplaintInput(category, f"Keluhan {days_ago} hari lalu", None, None, contact)
    code, created = await services.file_complaint(data, unit=unit, service_id=service["id"], counter_id=None, now=now)
    assert created
    return await Complaint.select().where(Complaint.code == code).first().run()


@pytest.fixture
async def scene(app):
    unit = await make_unit(name="Dinas Register Uji", timezone="Asia/Jayapura")
    service = await make_service(unit, name="Layanan Register")
    manager = await make_user("manager", [unit])
    actor = CurrentUser(manager["id"], manager["username"], manager["username"], "manager", frozenset([unit["id"]]))
    return {"unit": unit, "service": service, "manager": manager, "actor": actor}


async def _login(client, user):
    assert (await client.login(user["username"], user["password"])).status_code == 303


async def test_overdue_complaints_come_first(client, scene):
    recent = await _file(scene["unit"], scene["service"], days_ago=0)
    old = await _file(scene["unit"], scene["service"], days_ago=40)
    older = await _file(scene["unit"], scene["service"], days_ago=60)
    answered = await _file(scene["unit"], scene["service"], days_ago=50)
    await services.transition(answered["id"], "classify", scene["actor"], {"severity": "light"})
    await services.transition(answered["id"], "answer", scene["actor"], {"answer": "Sudah ditangani."})
    await _login(client, scene["manager"])
    page = await client.get(f"/console/complaints?unit={scene['unit']['slug']}")
    assert page.status_code == 200
    order = re.findall(r'data-code="([0-9A-Z]{11})"', page.text)
    assert order == [older["code"], old["code"], recent["code"], answered["code"]]
    assert page.text.count('class="overdue"') == 2
    only = await client.get(f"/console/complaints?unit={scene['unit']['slug']}&overdue=1")
    assert re.findall(r'data-code="([0-9A-Z]{11})"', only.text) == [older["code"], old["code"]]
    assert (await client.get("/console/complaints?status=nonsense")).status_code == 400


async def test_forward_keeps_the_code_reject_needs_a_reason_and_a_nonconformity_is_linked(client, scene):
    other = await make_unit(name="Dinas Tujuan")
    row = await _file(scene["unit"], scene["service"])
    with pytest.raises(services.ComplaintError):
        await services.transition(row["id"], "reject", scene["actor"], {"reason": " "})
    nc = await services.open_nonconformity(row["id"], scene["actor"])
    assert (await Nonconformity.select(Nonconformity.source).where(Nonconformity.id == nc).first().run())["source"] \
        == "complaint"
    assert await services.open_nonconformity(row["id"], scene["actor"]) == nc  # linked once
    from portal.insight import wording
    assert wording.label(wording.SOURCES, "complaint", "id") == "Pengaduan"  # the register names its source
    await services.transition(row["id"], "forward", scene["actor"], {"unit": other["slug"], "note": "bukan wewenang"})
    moved = await Complaint.select().where(Complaint.id == row["id"]).first().run()
    assert moved["code"] == row["code"] and moved["unit"] == other["id"] and moved["first_unit"] == scene["unit"]["id"]
    assert moved["status"] == "forwarded"
    await _login(client, scene["manager"])
    assert (await client.get(f"/console/complaints/{row['id']}")).status_code == 403  # no longer its unit
    api = await client.get(f"/api/v1/complaints/{row['code']}")
    assert api.json()["forwarded"] is True and api.json()["status"] == "forwarded"


async def test_the_answer_is_written_once_even_below_the_service(scene):
    row = await _file(scene["unit"], scene["service"])
    await services.transition(row["id"], "classify", scene["actor"], {"severity": "normative"})
    await services.transition(row["id"], "answer", scene["actor"], {"answer": "Jawaban resmi."})
    with pytest.raises(Exception, match="written once"):
        await Complaint.update({Complaint.answer: "Jawaban diganti."}).where(Complaint.id == row["id"]).run()
    assert (await Complaint.select(Complaint.answer).where(Complaint.id == row["id"]).first().run())["answer"] \
        == "Jawaban resmi."
    with pytest.raises(services.ComplaintError):
        await services.transition(row["id"], "answer", scene["actor"], {"answer": "Lagi."})


async def test_export_leaves_contact_out_unless_an_admin_asks(scene, tmp_path, capsys, settings):
    row = await _file(scene["unit"], scene["service"], contact=CONTACT)
    today = datetime.now(UTC).date()
    out = tmp_path / "register.csv"
    args = ["export-complaints", "--unit", scene["unit"]["slug"], "--from", str(today - timedelta(days=2)),
            "--to", str(today + timedelta(days=2)), str(out)]
    assert (await run_cli(settings, args, capsys))[0] == 0
    text = out.read_text()
    assert codes.display(row["code"]) in text and CONTACT not in text and "contact" not in text.splitlines()[0]
    assert (await run_cli(settings, [*args, "--with-contact"], capsys))[0] == 2  # needs --admin
    assert (await run_cli(settings, [*args, "--with-contact", "--admin", scene["manager"]["username"]], capsys))[0] == 2  # not an admin
    admin = await make_user("admin", [])
    assert (await run_cli(settings, [*args, "--with-contact", "--admin", admin["username"]], capsys))[0] == 0
    rows = list(csv.DictReader(out.open()))
    assert any(r["contact"] == CONTACT for r in rows)
    assert await AuditLog.exists().where((AuditLog.action == "complaints_contacts_exported")
                                         & (AuditLog.actor == admin["id"])).run()


async def test_purge_erases_contacts_after_the_retention(scene, capsys, settings):
    row = await _file(scene["unit"], scene["service"], contact=CONTACT)
    await services.transition(row["id"], "reject", scene["actor"], {"reason": "Bukan pengaduan layanan."})
    await services.purge_expired_contacts()  # due now: nothing of ours (closed a moment ago)
    kept = await Complaint.select(Complaint.contact).where(Complaint.id == row["id"]).first().run()
    assert kept["contact"] == CONTACT
    assert await services.purge_expired_contacts(now=datetime.now(UTC) + timedelta(days=181)) >= 1
    erased = await Complaint.select(Complaint.contact, Complaint.contact_erased_at).where(
        Complaint.id == row["id"]).first().run()
    assert erased["contact"] == "" and erased["contact_erased_at"] is not None
    code, out = await run_cli(settings, ["purge-contacts"], capsys)
    assert code == 0 and "erased the contact data of" in out
