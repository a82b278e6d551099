"""Complaint figures: on time with its interval and verdict, Kaplan-Meier with open complaints censored, the
public performance page and the evidence pack; the unit's deadline table and the staff-only photo."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image

from portal.accounts.auth import CurrentUser
from portal.complaints import insight, services
from portal.complaints.images import clean
from portal.complaints.schemas import ComplaintInput
from portal.db.tables_complaints import Complaint
from portal.insight.periods import last_closed_quarter
from portal.timeutil import local_day
from tests.factories import make_service, make_unit, make_user

CONTACT = "0812 9999 0000"


def wit(day: date, hour: int = 10) -> datetime:
    """A local time in Asia/Jayapura (UTC+9) as a UTC instant."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=9)


async def _file(unit, service, when: datetime, category="time", photo=None) -> dict:
    code, _ = await services.file_complaint(ComplaintInput(category, "uji", None, None, CONTACT), unit=unit,
                                            service_id=service["id"], counter_id=None, now=when, photo=photo)
    return await Complaint.select().where(Complaint.code == code).first().run()


@pytest.fixture
async def scene(app):
    unit = await make_unit(name="Dinas Angka Pengaduan", timezone="Asia/Jayapura", closures=["2026-03-04"])
    service = await make_service(unit, name="Layanan Angka")
    head = await make_user("head", [unit])
    actor = CurrentUser(head["id"], head["username"], head["username"], "head", frozenset([unit["id"]]))
    return {"unit": unit, "service": service, "head": head, "actor": actor}


async def test_on_time_share_and_kaplan_meier_with_open_complaints_censored(scene):
    unit, service, actor = scene["unit"], scene["service"], scene["actor"]
    monday = date(2026, 3, 2)
    c1 = await _file(unit, service, wit(monday), "overcharge")
    await services.transition(c1["id"], "classify", actor, {"severity": "light"}, now=wit(monday, 11))
    # light = 2 working days: 03-03 is day 1, 03-04 the unit is closed, 03-05 is day 2
    assert (await Complaint.select(Complaint.deadline).where(Complaint.id == c1["id"]).first().run())["deadline"] \
        == date(2026, 3, 5)
    await services.transition(c1["id"], "answer", actor, {"answer": "ok"}, now=wit(date(2026, 3, 5), 15))
    c2 = await _file(unit, service, wit(monday))
    await services.transition(c2["id"], "classify", actor, {"severity": "normative"}, now=wit(monday, 11))
    await services.transition(c2["id"], "answer", actor, {"answer": "terlambat"}, now=wit(date(2026, 3, 16)))
    await _file(unit, service, wit(monday))  # still open on 03-20: overdue (provisional normative: 03-10)
    await _file(unit, service, wit(date(2026, 3, 20), 8))  # received on the day of the report: not due yet
    c5 = await _file(unit, service, wit(monday), "other")
    await services.transition(c5["id"], "reject", actor, {"reason": "bukan pengaduan"}, now=wit(monday, 12))

    f = await insight.figures([unit], None, date(2026, 3, 1), date(2026, 3, 31), now=wit(date(2026, 3, 20), 9))
    assert f["received"] == 5 and f["open"] == 2 and f["overdue"] == 1 and f["rejected"] == 1
    on_time = f["on_time"]
    assert (on_time["k"], on_time["n"]) == (1, 3)
    assert on_time["ci95"][0] < 1 / 3 < on_time["ci95"][1] and on_time["verdict"] in ("below", "inconclusive")
    km = {k["limit"]: k for k in f["km"]}
    # durations (working days): 2 answered, 9 answered, 12 open, 0 open
    assert km[2]["prob"] == pytest.approx(1 / 3) and km[2]["answered"] == 2 and km[2]["open"] == 2
    assert km[5]["prob"] == pytest.approx(1 / 3)
    assert km[14]["prob"] == pytest.approx(2 / 3)
    assert {c["category"]: c["count"] for c in f["categories"]} == {"overcharge": 1, "time": 3, "other": 1}
    only = await insight.figures([unit], [service["id"] + 10**6], date(2026, 3, 1), date(2026, 3, 31))
    assert only["received"] == 0


async def test_public_performance_and_evidence_show_complaints_without_contact(scene, client):
    unit, service = scene["unit"], scene["service"]
    quarter = last_closed_quarter(local_day(unit["timezone"]))
    row = await _file(unit, service, wit(quarter.start + timedelta(days=3)))
    page = await client.get(f"/performance/units/{unit['slug']}")
    assert page.status_code == 200
    section = page.text[page.text.index('id="complaints"'):]
    assert re.search(r'class="complaints-received">1<', section)
    assert CONTACT not in page.text and row["code"] not in page.text
    assert (await client.get(f"/performance/services/{service['slug']}?lang=en")).text.count("Complaints received")
    assert (await client.login(scene["head"]["username"], scene["head"]["password"])).status_code == 303
    pack = await client.get(f"/units/{unit['slug']}/evidence")
    assert pack.status_code == 200 and 'id="complaints"' in pack.text and CONTACT not in pack.text


async def test_deadline_table_and_photo(scene, client):
    unit, service = scene["unit"], scene["service"]
    manager = await make_user("manager", [unit])
    assert (await client.login(manager["username"], manager["password"])).status_code == 303
    form = await client.get(f"/console/complaints/settings?unit={unit['slug']}")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
    values = {"unit": unit["slug"], "light_days": "3", "normative_days": "7", "plain_days": "14",
              "investigation_days": "60", "contact_days": "90", "_csrf_token": token}
    bad = await client.post("/console/complaints/settings", data={**values, "light_days": "dua"})
    assert bad.status_code == 400 and "bilangan bulat" in bad.text
    assert (await client.post("/console/complaints/settings", data=values)).status_code == 303
    jpeg = io.BytesIO()
    Image.new("RGB", (30, 20), (10, 20, 30)).save(jpeg, format="JPEG")
    row = await _file(unit, service, datetime.now(UTC), photo=clean(jpeg.getvalue()))
    assert row["deadline_days"] == 7  # the unit's own normative limit
    await services.transition(row["id"], "classify", scene["actor"], {"severity": "light"})
    assert (await Complaint.select(Complaint.deadline_days).where(Complaint.id == row["id"]).first().run()) \
        ["deadline_days"] == 3
    photo = await client.get(f"/console/complaints/{row['id']}/photo")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(photo.content)).size == (30, 20)
    new_form = await client.get(f"/complaints/new?service={service['slug']}")
    assert "dihapus 90 hari setelah pengaduan ditutup" in new_form.text


async def test_dashboard_scope_by_counter(scene, client):
    from tests.factories import make_counter

    unit, service = scene["unit"], scene["service"]
    counter = await make_counter(unit, [service])
    code, _ = await services.file_complaint(ComplaintInput("conduct", "di loket", None, None, ""), unit=unit,
                                            service_id=service["id"], counter_id=counter["id"])
    await _file(unit, service, datetime.now(UTC))  # not at this counter
    manager = await make_user("manager", [unit])
    assert (await client.login(manager["username"], manager["password"])).status_code == 303
    at_counter = await client.get(f"/dashboard?unit={unit['slug']}&counter={counter['code']}")
    whole = await client.get(f"/dashboard?unit={unit['slug']}")
    received = re.compile(r'class="complaints-received">(\d+)<')
    assert received.search(at_counter.text).group(1) == "1"
    assert received.search(whole.text).group(1) == "2"
