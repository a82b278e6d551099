"""The staffing plan through its doors: /console/staffing (heads and managers of the unit), the waiting target form,
/api/v1/units/{slug}/staffing (JSON and CSV, staff only) and `portal staffing` (textbook Erlang C cases)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, timedelta

import pytest
import time_machine

from portal.cli import main as cli_main
from portal.db.tables import AuditLog
from portal.db.tables_staffing import StaffingTarget
from survey.staffing import counters_needed
from tests.factories import make_unit, make_user, refresh
from tests.integration.queue_support import login, post
from tests.integration.staffing_support import (
    CALL_AFTER,
    FINISH_AFTER,
    LONG_WAIT,
    NOW,
    staffing_scene,
    week_of,
)


@pytest.fixture(autouse=True)
def travel():
    """The tests run on Wednesday 18 November 2026, 10:00 WITA, whatever the real date."""
    with time_machine.travel(NOW.astimezone(UTC), tick=True):
        yield


@pytest.fixture(scope="module")
async def scene(app):
    """One scene for the module (its rows are only read; the target test uses a unit of its own)."""
    with time_machine.travel(NOW.astimezone(UTC), tick=True):
        built = await staffing_scene()
        await refresh()
        return built


def _pool_with(plan: dict, code: str) -> dict:
    return next(p for p in plan["pools"] if code in p["counters"])


def _cell(pool: dict, day, hour: int) -> dict:
    return next(h for h in pool["hours"] if h["day"] == day.isoformat() and h["hour"] == hour)


async def test_the_api_plans_next_week_from_the_history(client, scene):
    await login(client, scene["users"]["head"])
    r = await client.get(f"/api/v1/units/{scene['unit']['slug']}/staffing")
    assert r.status_code == 200, r.text
    plan = r.json()
    next_monday = scene["this_monday"] + timedelta(days=7)
    assert plan["week"] == week_of(next_monday) and plan["start"] == next_monday.isoformat()
    assert plan["training"]["weeks"] == 10 and plan["target"] == {"wait_minutes": 15.0, "share": 0.8,
                                                                   "source": "default"}
    c1, c2, c3 = (c["code"] for c in scene["counters"])
    assert len(plan["pools"]) == 2
    shared = _pool_with(plan, c1)
    assert sorted(shared["counters"]) == sorted([c1, c2]) and _pool_with(plan, c3)["counters"] == [c3]
    assert shared["handle_minutes"] == pytest.approx(FINISH_AFTER - CALL_AFTER)  # busy from call to finish
    monday_nine = _cell(shared, next_monday, 9)
    # Service A's 8 Mondays-at-nine plus B's nothing at nine: the forecast is near 8, inside its interval.
    assert 6.5 < monday_nine["arrivals"] < 9.5
    assert monday_nine["arrivals_low"] <= 8 <= monday_nine["arrivals_high"]
    expected = counters_needed(monday_nine["arrivals"], monday_nine["handle_minutes"], 15.0, 0.8)
    assert monday_nine["counters_needed"] == expected.counters
    assert monday_nine["service_level"] == pytest.approx(expected.service_level)
    assert monday_nine["counters_available"] == 2 and monday_nine["shortfall_basis"] == "available"
    friday_three = _cell(shared, next_monday + timedelta(days=4), 15)
    assert friday_three["arrivals"] < 0.5 and friday_three["counters_needed"] <= 1
    assert monday_nine["counters_needed"] >= 2 > friday_three["counters_needed"]
    assert {m["model"] for m in plan["models"]} <= {"seasonal_mean", "nb_glm"}
    assert all(m["validation"]["holdout_weeks"] == 2 for m in plan["models"])


async def test_last_week_against_reality_shows_the_short_hour_and_its_waits(client, scene):
    await login(client, scene["users"]["manager"])
    last_week = week_of(scene["last_monday"])
    plan = (await client.get(f"/api/v1/units/{scene['unit']['slug']}/staffing?week={last_week}")).json()
    c1 = scene["counters"][0]["code"]
    cell = _cell(_pool_with(plan, c1), scene["last_monday"], 9)
    assert cell["shortfall_basis"] == "open" and cell["actual"]["counters_open"] == 1
    assert cell["actual"]["arrivals"] == 8 and cell["counters_needed"] >= 2 and cell["shortfall"] >= 1
    assert cell["actual"]["wait_median_minutes"] == pytest.approx(LONG_WAIT, rel=0.05)
    assert cell["actual"]["within_target"] == 0.0
    usual = _cell(_pool_with(plan, c1), scene["last_monday"] + timedelta(days=1), 9)
    assert usual["actual"]["counters_open"] == 2 and usual["actual"]["within_target"] == 1.0

    page = await client.get(f"/console/staffing?unit={scene['unit']['slug']}")
    assert page.status_code == 200
    html = page.text
    assert "Rencana kebutuhan loket" in html and week_of(scene["this_monday"] + timedelta(days=7)) in html
    assert "Dibandingkan kenyataan" in html and last_week in html
    assert "Jam yang kekurangan loket" in html  # the table of last week's short hours
    assert 'class="cell short-' in html and "kurang" in html


async def test_csv_twin_and_english(client, scene):
    await login(client, scene["users"]["head"])
    r = await client.get(f"/api/v1/units/{scene['unit']['slug']}/staffing.csv?lang=en")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:4] == ["week", "day", "hour", "pool"]
    assert len(rows) - 1 == 2 * 5 * 8  # two pools, five working days, eight hours
    page = await client.get(f"/console/staffing?unit={scene['unit']['slug']}&lang=en")
    assert "Staffing plan" in page.text and "Against reality" in page.text


@pytest.mark.parametrize("week", ["2026-53", "2026-W60", "2025-W53", "abc", "2027-W30"])
async def test_a_week_the_plan_cannot_read_is_a_400_in_the_users_language(client, scene, week):
    await login(client, scene["users"]["head"])
    api = await client.get(f"/api/v1/units/{scene['unit']['slug']}/staffing?week={week}")
    assert api.status_code == 400 and "minggu" in api.json()["error"].lower()
    page = await client.get(f"/console/staffing?unit={scene['unit']['slug']}&week={week}&lang=en")
    assert page.status_code == 400 and "week" in page.text.lower()


async def test_only_heads_and_managers_of_the_unit_see_it(client, scene):
    slug = scene["unit"]["slug"]
    anonymous = await client.get(f"/api/v1/units/{slug}/staffing")
    assert anonymous.status_code == 401 and anonymous.json()["status"] == 401
    assert (await client.get(f"/console/staffing?unit={slug}")).status_code in (302, 303)
    await login(client, scene["users"]["officer"])
    assert (await client.get(f"/api/v1/units/{slug}/staffing")).status_code == 403
    client.cookies.clear()
    other = await make_user("head", [await make_unit()])
    await login(client, other)
    assert (await client.get(f"/api/v1/units/{slug}/staffing")).status_code == 403
    assert (await client.get(f"/console/staffing?unit={slug}")).status_code == 403
    assert (await client.get("/api/v1/units/tidak-ada/staffing")).status_code == 404


async def test_the_waiting_target_is_saved_with_its_audit_entry(client):
    unit = await make_unit()
    users = {role: await make_user(role, [unit]) for role in ("manager", "officer")}
    await login(client, users["manager"])
    bad = await post(client, "/console/staffing/target", {"unit": unit["id"], "wait_minutes": "0",
                                                          "share_percent": "90"})
    assert bad.status_code == 400 and "antara 1 dan 480 menit" in bad.text
    assert not await StaffingTarget.exists().where(StaffingTarget.unit == unit["id"]).run()
    r = await post(client, "/console/staffing/target", {"unit": unit["id"], "wait_minutes": "10",
                                                        "share_percent": "90,5", "week": "2026-W48"})
    assert r.status_code == 303 and "saved=1" in r.headers["location"] and "week=2026-W48" in r.headers["location"]
    row = await StaffingTarget.select().where(StaffingTarget.unit == unit["id"]).first().run()
    assert row["wait_minutes"] == 10.0 and row["share"] == pytest.approx(0.905)
    entry = await AuditLog.select().where((AuditLog.entity == "staffing_target") & (AuditLog.unit == unit["id"])) \
        .first().run()
    details = json.loads(entry["details"]) if isinstance(entry["details"], str) else entry["details"]
    assert entry["action"] == "update" and details["changes"]["wait_minutes"]["after"] == 10.0
    plan = (await client.get(f"/api/v1/units/{unit['slug']}/staffing")).json()
    assert plan["target"] == {"wait_minutes": 10.0, "share": pytest.approx(0.905), "source": "unit"}
    page = await client.get(r.headers["location"])
    assert "90,5 % warga menunggu paling lama 10 menit" in page.text and 'role="status"' in page.text
    client.cookies.clear()
    await login(client, users["officer"])
    refused = await post(client, "/console/staffing/target", {"unit": unit["id"], "wait_minutes": "5",
                                                              "share_percent": "50"})
    assert refused.status_code == 403


def test_the_cli_reproduces_textbook_erlang_c_cases(capsys):
    """Call Centre Helper's worked example (200 calls an hour, 3 minutes, 80 % within 20 s: 14 agents) and the
    CallOptix calculator's default case (100 an hour: 8 agents, 88.01 %, 16.73 %), through `portal staffing`."""
    assert cli_main(["staffing", "--arrivals", "200", "--handle", "3", "--wait", "0.3333333333", "--share", "80",
                     "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["counters"] == 14 and round(out["p_wait"], 3) == 0.174 and round(out["service_level"], 3) == 0.888
    assert round(out["occupancy"], 3) == 0.714 and out["meets_target"] is True
    assert cli_main(["staffing", "--arrivals", "100", "--handle", "3", "--wait", "0.3333333333", "--share", "80"]) == 0
    text = capsys.readouterr().out
    assert "Counters needed: 8" in text and "88.01 %" in text and "16.73 %" in text
    # Bronson (Schaum) 23.14: one server, 30 an hour, 1.5 minutes: Wq = 4.5 minutes.
    assert cli_main(["staffing", "--arrivals", "30", "--handle", "1.5", "--wait", "0", "--share", "50",
                     "--counters", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["mean_wait_minutes"] == pytest.approx(4.5)


@pytest.mark.parametrize("argv", [["--arrivals", "x"], ["--share", "100"], ["--share", "0"], ["--handle", "0"],
                                  ["--arrivals", "-3"], ["--counters", "2.5"], ["--wait", "nan"]])
def test_the_cli_refuses_bad_numbers_with_a_message(capsys, argv):
    base = {"--arrivals": "10", "--handle": "5", "--wait": "5", "--share": "80"}
    for flag, value in zip(argv[::2], argv[1::2], strict=True):
        base[flag] = value
    args = ["staffing", *[x for pair in base.items() for x in pair]]
    assert cli_main(args) == 2
    assert capsys.readouterr().err.startswith("error:")


async def test_holidays_are_closed_in_the_plan(client, scene):
    """Christmas week 2026: 24 December (cuti bersama, the unit closes on it by default) and 25 December are
    closed days: no hour is planned on them and the grid says why."""
    await login(client, scene["users"]["head"])
    plan = (await client.get(f"/api/v1/units/{scene['unit']['slug']}/staffing?week=2026-W52")).json()
    reasons = {d["day"]: d["closed_reason"] for d in plan["days"]}
    assert reasons == {"2026-12-21": None, "2026-12-22": None, "2026-12-23": None, "2026-12-24": "holiday",
                       "2026-12-25": "holiday"}
    planned = {h["day"] for pool in plan["pools"] for h in pool["hours"]}
    assert planned == {"2026-12-21", "2026-12-22", "2026-12-23"}
    page = await client.get(f"/console/staffing?unit={scene['unit']['slug']}&week=2026-W52")
    assert page.text.count('class="closed-label">hari libur') == 2 * 2  # two closed days in each pool's grid
