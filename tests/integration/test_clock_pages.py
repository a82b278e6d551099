"""Issue 21: a page's default period follows its unit's local day, read through the one clock (a WITA unit at
23:30 UTC is already on the next day), and the page says which days it covers."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

import time_machine

from portal.db.tables import Visit
from portal.feedback.services import submit_response
from portal.insight import ledger
from tests.factories import make_service, make_unit, make_user, refresh
from tests.integration.test_insight_support import at

# 23:30 UTC on 31 March 2027 is 07:30 WITA on 1 April: a new day, a new month and a new quarter in Kupang.
MOMENT = datetime(2027, 3, 31, 23, 30, tzinfo=UTC)
WITA_TODAY = date(2027, 4, 1)


async def _disagreement(unit, service, day: date) -> int:
    arrived = at(unit, day, 7)  # 07:00 WITA = 23:00 UTC of the day before
    async with Visit._meta.db.transaction():
        rows = await Visit.insert(Visit(
            unit=unit["id"], service=service["id"], local_day=day, token=secrets.token_urlsafe(24),
            arrived_at=arrived, arrived_source="officer", served_at=arrived + timedelta(minutes=3),
            finished_at=arrived + timedelta(minutes=20), outcome="completed", survey_offered=True,
            correction_needed=False,
        )).returning(*Visit.all_columns()).run()
        await ledger.visit_changed(None, rows[0])
    visit = rows[0]["id"]
    assert await submit_response({"u1": 4, "service": service["id"], "unit": unit["id"], "counter": None,
                                  "visit": visit, "local_day": day, "channel": "qr_counter",
                                  "submitted_at": arrived + timedelta(minutes=25), "product_correct": "no"},
                                 None, standard=None) is not None
    return visit


async def test_default_periods_follow_the_units_local_day(client, app):
    unit = await make_unit(timezone="Asia/Makassar")
    service = await make_service(unit)
    today_visit = await _disagreement(unit, service, WITA_TODAY)
    old_visit = await _disagreement(unit, service, WITA_TODAY - timedelta(days=90))  # one day before the window
    await refresh()
    manager = await make_user("manager", [unit])
    with time_machine.travel(MOMENT, tick=True):
        assert (await client.login(manager["username"], manager["password"])).status_code == 303
        page = await client.get("/console/disagreements?lang=en")
        assert page.status_code == 200
        # The last 90 local days end on Kupang's today (1 April), not on the UTC date (31 March).
        assert "from 2 January 2027 to 1 April 2027" in page.text
        assert f"V{today_visit}<" in page.text and f"V{old_visit}<" not in page.text
        bursts = await client.get("/console/bursts?lang=en")
        assert "from 3 March 2027 to 1 April 2027" in bursts.text
        dashboard = await client.get(f"/dashboard?unit={unit['slug']}&lang=en")
        assert dashboard.status_code == 200
        assert "Period 2027-Q2" in dashboard.text  # the current quarter in WITA; in UTC it is still Q1
    # The picker reads any period the reader chooses, and a bad one is a 400 that says why.
    with time_machine.travel(MOMENT, tick=True):
        chosen = await client.get("/console/disagreements?lang=en&from=2027-01-01&to=2027-01-05")
        assert chosen.status_code == 200 and f"V{old_visit}<" in chosen.text and f"V{today_visit}<" not in chosen.text
        bad = await client.get("/console/disagreements?lang=en&period=2027-Q9")
        assert bad.status_code == 400 and "2027-Q9" in bad.text
