"""Issue 17 item 1: open multi-day cases are not hidden. An open case past its deadline is a breach now, an
open case within its deadline is censored; the results API (JSON, CSV), the dashboard and the public page
report the Kaplan-Meier estimate with completed / open / open-and-late counts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import numpy as np

from portal.db.tables import Service, Unit, Visit
from portal.formatting import percent_nbsp
from portal.insight import timecases
from portal.timeutil import local_day, local_midnight_utc
from survey.clock import durations
from survey.survival import km_reading, km_within
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
    assert tm["estimate"] == tm["rate"] == 0.5  # the headline is the estimate (issue 22)
    assert tm["estimate_ci95"][0] < 0.5 < tm["estimate_ci95"][1]
    # two cases of today are still inside their deadline: provisional, and it says until when; but even if both
    # finish in time the share (6 of 10) is below the 95 % target: that much is already certain
    assert tm["provisional"] is True and tm["final_after"] > today.isoformat()
    assert (tm["horizon_days"], tm["horizon_limited"]) == (5, False)
    assert tm["verdict"] == "below"
    # the completed-only figure is beside it, labelled, and reads 4 of 5; n counts every case
    assert (tm["n"], tm["within"], tm["completed_rate"]) == (10, 4, 0.8)

    # October alone: no censored case, the late ones are breaches; independent KM with the late cases as
    # not-done-by-the-limit agrees
    oct_ = (await client.get(f"/api/v1/services/{svc['slug']}/results?from=2026-10-01&to=2026-10-31")).json()["time"]
    assert (oct_["completed"], oct_["open"], oct_["open_late"]) == (5, 3, 3)
    durations = [2, 2, 2, 2, 10, 40, 40, 40]
    expected = km_within(np.array(durations, dtype=float), [True] * 5 + [False] * 3, 5)
    assert oct_["estimate"] == oct_["rate"] == expected.prob == 0.5
    # final: no case is open inside its deadline, so the estimate is the share of October's cases done in time
    assert (oct_["provisional"], oct_["final_after"], oct_["n"], oct_["within"]) == (False, None, 8, 4)
    assert oct_["verdict"] == "below"

    # today alone: two open cases within their deadline, nothing completed: censored, none late, provisional
    now_ = (await client.get(f"/api/v1/services/{svc['slug']}/results?from={today}&to={today}")).json()["time"]
    assert (now_["completed"], now_["open"], now_["open_late"], now_["provisional"]) == (0, 2, 0, True)
    # nobody has been followed for a whole working day yet: read at a horizon of 0, never at the limit
    assert (now_["horizon_days"], now_["horizon_limited"], now_["verdict"]) == (0, True, "provisional")

    csv_text = (await client.get(f"/api/v1/services/{svc['slug']}/results.csv?from=2026-10-01&to=2026-10-31")).text
    row = next(csv.DictReader(io.StringIO(csv_text)))
    assert (row["time_basis"], row["time_open"], row["time_open_late"], float(row["time_estimate"])) == \
        ("kaplan_meier", "3", "3", 0.5)
    assert row["time_provisional"] == "false"

    unit_body = (await client.get(f"/api/v1/units/{unit['slug']}/results?from=2026-10-01&to=2026-10-31")).json()
    assert (unit_body["time"]["open"], unit_body["time"]["open_late"], unit_body["time"]["estimate"]) == (3, 3, 0.5)
    assert unit_body["time"]["rate"] == 0.5


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
    assert "Open and past the deadline" in html and "counts as late" in html  # plain words (issue 26)
    assert "50.0" in html
    public = (await client.get(f"/performance/services/{svc['slug']}?period=2026-10&lang=en")).text
    fact = public.split('id="fact-time"')[1].split("</div>")[0]
    # the estimate stands first; the completed-only share (4 of 5) beside it, labelled
    assert fact.index("50.0\u00a0%") < fact.index("Completed cases only") < fact.index("80.0\u00a0%")


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
    # early: the open cases have 2 working days of follow-up, the limit is 5: read at 2, provisional until
    # their deadline (the 5th working day after 2 November); late: past it, final, read at the limit
    assert (early["horizon"], early["limited"], early["provisional"]) == (2, True, True)
    assert early["final_after"] == date(2026, 11, 9)
    assert (late["horizon"], late["limited"], late["provisional"], late["final_after"]) == (5, False, False, None)


async def test_demo_building_permit_latest_month_headlines_the_estimate(client, demo):
    """Issue 22's done criterion: for the demo's latest full month (and for cases that arrived 7 to 37 days ago,
    whose recent ones are still open whatever the day of the month) the building permit's `time.rate` is its
    Kaplan-Meier estimate (recomputed here from the raw visits), read at the horizon its follow-up reaches and
    stated; the dashboard's on-time tile shows that estimate and, while it is provisional, does not say the
    target is met; the units' results carry a time estimate for every unit with multi-day services."""
    svc = await Service.select().where(Service.slug == "persetujuan-bangunan-gedung").first().run()
    unit = await Unit.select().where(Unit.id == svc["unit"]).first().run()
    today = local_day(unit["timezone"])
    last_full_end = today.replace(day=1) - timedelta(days=1)
    head = await make_user("head", [unit])
    assert (await client.login(head["username"], head["password"])).status_code == 303
    provisional_seen = False
    for start, end in ((last_full_end.replace(day=1), last_full_end), (today - timedelta(days=37),
                                                                       today - timedelta(days=7))):
        tm = (await client.get(f"/api/v1/services/{svc['slug']}/results?from={start}&to={end}")).json()["time"]
        assert tm["basis"] == "kaplan_meier" and tm["limit"] == 28
        assert tm["rate"] is not None and tm["rate"] == tm["estimate"]

        visits = await (Visit.select(Visit.arrived_at, Visit.local_day, Visit.delivered_at, Visit.outcome)
                        .where((Visit.service == svc["id"]) & (Visit.local_day >= start) & (Visit.local_day <= end))
                        .run())
        done = [v for v in visits if v["outcome"] == "completed"]
        waiting = [v for v in visits if v["outcome"] is None and v["delivered_at"] is None]
        now = datetime.now(UTC)
        events = durations([v["arrived_at"] for v in done], [v["delivered_at"] for v in done], "working_days",
                           unit["timezone"])
        so_far = durations([local_midnight_utc(unit["timezone"], v["local_day"]) for v in waiting],
                           [now] * len(waiting), "working_days", unit["timezone"])
        reading = km_reading(np.concatenate([events, so_far]), [True] * len(done) + [False] * len(waiting), 28)
        assert (tm["completed"], tm["open"]) == (len(done), len(waiting))
        assert abs(tm["rate"] - reading.prob) < 1e-12
        assert (tm["horizon_days"], tm["horizon_limited"]) == (reading.horizon, reading.limited)

        html = (await client.get(f"/dashboard?unit={unit['slug']}&service={svc['slug']}&from={start}"
                                 f"&to={end}&lang=en")).text
        tile = html.split('id="tile-time"')[1].split("</article>")[0]
        assert percent_nbsp(tm["rate"], 1, "en") in tile
        horizon = f"within {reading.horizon:g} working days" if not reading.limited else \
            f"within {reading.horizon:g} working days (limit 28 working days, not reached yet)"
        assert horizon in tile
        if tm["provisional"]:
            provisional_seen = True
            assert "meets the target" not in tile and "provisional" in tile

        for slug in ("dpmptsp-kupang", "disdukcapil-kupang", "dinkes-kupang", "kecamatan-kelapa-lima"):
            unit_time = (await client.get(f"/api/v1/units/{slug}/results?from={start}&to={end}")).json()["time"]
            assert unit_time["basis"] == "kaplan_meier" and unit_time["rate"] is not None, slug
    assert provisional_seen  # the recent cases against a 28-working-day limit are still open
