"""Issue 17 item 1: open multi-day cases are not hidden. An open case past its deadline is a breach now, an
open case within its deadline is censored; the results API (JSON, CSV), the dashboard and the public page
report the Kaplan-Meier estimate with completed / open / open-and-late counts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import numpy as np

from portal.db.tables import Service, Unit
from portal.insight import timecases
from portal.timeutil import local_day
from survey.survival import km_within
from tests.factories import make_service, make_unit, make_user, refresh
from tests.integration.test_insight_support import add_visit, at

OCT = date(2026, 10, 5)  # a Monday, long before "now" in these tests (deadline 5 working days)


async def _scene():
    unit = await make_unit(timezone="Asia/Makassar")
    svc = await make_service(unit, time_limit=(5, "working_days"))
    for i, days in enumerate([2, 2, 2, 2, 14]):  # four on time, one delivered late
        arrived = at(unit, OCT, 9, i)
        await add_visit(unit, svc, arrived, minutes=30, delivered_at=arrived + timedelta(days=days))
    for i in range(3):  # finished at the counter in October, never delivered: open and long past the deadline
        await add_visit(unit, svc, at(unit, OCT, 10, i), outcome=None, minutes=30)
    today = local_day(unit["timezone"])
    for i in range(2):  # arrived today, still open: within the deadline, censored
        await add_visit(unit, svc, at(unit, today, 0, i), outcome=None, minutes=None, served_after=None)
    await refresh()
    return unit, svc, today


async def test_open_case_past_deadline_is_a_breach_and_within_is_censored(client, app):
    unit, svc, today = await _scene()
    r = await client.get(f"/api/v1/services/{svc['slug']}/results?from=2026-10-01&to={today.isoformat()}")
    assert r.status_code == 200, r.text
    tm = r.json()["time"]
    # completed: 2, 2, 2, 2, 14 working-day-ish (events); open late: 3; open within: 2 (censored at 0)
    assert (tm["basis"], tm["completed"], tm["open"], tm["open_late"]) == ("kaplan_meier", 5, 5, 3)
    # At day 2 the risk set is 5 completed + 3 late (the two censored at 0 left before): 4 of 8 finish by
    # the limit, the next event is after it, so P(done within 5 working days) = 0.5 exactly.
    assert tm["estimate"] == 0.5
    assert tm["estimate_ci95"][0] < 0.5 < tm["estimate_ci95"][1]
    assert tm["provisional"] is False
    # the completed-only figure is still there, and reads 4 of 5
    assert (tm["n"], tm["within"]) == (5, 4)

    # October alone: no censored case, the late ones are breaches; independent KM with the late cases as
    # not-done-by-the-limit agrees
    oct_ = (await client.get(f"/api/v1/services/{svc['slug']}/results?from=2026-10-01&to=2026-10-31")).json()["time"]
    assert (oct_["completed"], oct_["open"], oct_["open_late"]) == (5, 3, 3)
    durations = [2, 2, 2, 2, 10, 40, 40, 40]
    expected = km_within(np.array(durations, dtype=float), [True] * 5 + [False] * 3, 5)
    assert oct_["estimate"] == expected.prob == 0.5

    # today alone: two open cases within their deadline, nothing completed: censored, none late, provisional
    now_ = (await client.get(f"/api/v1/services/{svc['slug']}/results?from={today}&to={today}")).json()["time"]
    assert (now_["completed"], now_["open"], now_["open_late"], now_["provisional"]) == (0, 2, 0, True)

    csv_text = (await client.get(f"/api/v1/services/{svc['slug']}/results.csv?from=2026-10-01&to=2026-10-31")).text
    row = next(csv.DictReader(io.StringIO(csv_text)))
    assert (row["time_basis"], row["time_open"], row["time_open_late"], float(row["time_estimate"])) == \
        ("kaplan_meier", "3", "3", 0.5)
    assert row["time_provisional"] == "false"

    unit_body = (await client.get(f"/api/v1/units/{unit['slug']}/results?from=2026-10-01&to=2026-10-31")).json()
    assert (unit_body["time"]["open"], unit_body["time"]["open_late"], unit_body["time"]["estimate"]) == (3, 3, 0.5)


async def test_same_day_service_has_no_open_case_fields(client, app):
    unit = await make_unit()
    svc = await make_service(unit, time_limit=(30, "minutes"))
    await add_visit(unit, svc, at(unit, OCT, 9), minutes=20)
    tm = (await client.get(f"/api/v1/services/{svc['slug']}/results?from=2026-10-01&to=2026-10-31")).json()["time"]
    assert tm["basis"] == "completed" and tm["open"] is None and tm["estimate"] is None
    assert (tm["n"], tm["within"]) == (1, 1)


async def test_dashboard_and_public_page_show_open_and_late(client, app):
    unit, svc, _today = await _scene()
    head = await make_user("head", [unit])
    assert (await client.login(head["username"], head["password"])).status_code == 303
    html = (await client.get(f"/dashboard?unit={unit['slug']}&period=2026-10&lang=en")).text
    assert "Open and past the deadline" in html and "counted as late" in html
    assert "50.0" in html
    public = (await client.get(f"/performance/services/{svc['slug']}?period=2026-10&lang=en")).text
    assert "Kaplan–Meier estimate within the limit" in public


def test_estimate_judges_deadline_at_read_time():
    unit = {"timezone": "Asia/Jakarta", "closures": "[]", "cuti_bersama": True}
    day = date(2026, 11, 2)  # Monday
    hist = {"1": 3}
    early = timecases.estimate(hist, [(day, 2)], 5, "working_days", unit, datetime(2026, 11, 4, 5, tzinfo=UTC))
    late = timecases.estimate(hist, [(day, 2)], 5, "working_days", unit, datetime(2026, 11, 20, 5, tzinfo=UTC))
    assert (early["open"], early["open_late"]) == (2, 0)
    assert (late["open"], late["open_late"]) == (2, 2)
    # 3 of 5 done at day 1; the open cases are censored after it (at 2 or past the limit): 0.6 either way
    assert early["estimate"] == late["estimate"] == 0.6
    assert early["provisional"] is False


async def test_demo_building_permit_latest_month_reports_open_cases(client, demo):
    svc = await Service.select().where(Service.slug == "persetujuan-bangunan-gedung").first().run()
    unit = await Unit.select().where(Unit.id == svc["unit"]).first().run()
    # Cases that arrived 7 to 37 days ago (the demo is laid out up to today; a "latest full month" read early in a
    # month): the recent ones still open against a typical 20 working days, whatever the day of the month. What the
    # estimate is worth against the follow-up reached is tested on constructed data (the horizon rule).
    today = local_day(unit["timezone"])
    start, end = today - timedelta(days=37), today - timedelta(days=7)
    body = (await client.get(f"/api/v1/services/{svc['slug']}/results?from={start}&to={end}")).json()
    tm = body["time"]
    assert tm["basis"] == "kaplan_meier"
    assert tm["open"] > 0 and tm["open_late"] >= 0
    assert tm["estimate"] is not None and 0 < tm["estimate"] <= 1.0
