# ruff: noqa: F811  (pytest fixtures imported from test_feedback_support)
"""The issue's "done when", as a new user would do it on the demo city: scan a demo counter, see the time limit and
fee, answer the survey once (a repeat stores nothing more), and find the answer in the results API."""

from __future__ import annotations

import re
import time
from datetime import timedelta

from portal.db.tables import Counter, SurveyResponse, Unit
from portal.feedback.antiabuse import new_stamp
from portal.timeutil import local_day
from tests.integration.test_feedback_support import ANSWERS, form_fields, phone  # noqa: F401


async def test_demo_counter_scan_survey_and_results(demo, phone):
    counter = await Counter.select().where(Counter.code == "DKP-01").first().run()
    unit = await Unit.select().where(Unit.id == counter["unit"]).first().run()
    page = await phone.get("/c/DKP-01")
    if page.status_code == 303:
        page = await phone.get(page.headers["location"])
    else:  # several services: follow the first choice, as a citizen taps it
        link = re.search(r'href="(/c/DKP-01/s/[^"]+)"', page.text).group(1)
        page = await phone.get(link)
    assert page.status_code == 200
    assert re.search(r"\d+ (menit|jam|hari kerja|hari kalender)", page.text)  # time limit
    assert "Gratis" in page.text or "Rp " in page.text  # fee
    slug = re.search(r'href="/c/DKP-01/s/([^"/]+)/survey"', page.text).group(1)
    survey = await phone.get(f"/c/DKP-01/s/{slug}/survey")
    today = local_day(unit["timezone"])
    params = {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}
    before_api = (await phone.get(f"/api/v1/services/{slug}/results", params=params)).json()
    before = await SurveyResponse.count().where(SurveyResponse.counter == counter["id"]).run()
    fields = {**form_fields(survey.text), **ANSWERS, "comment": "demo scan"}
    # a citizen who took a minute to read the questions (faster answers are stored but not counted, issue 10)
    fields["stamp"] = new_stamp(phone._transport.app.state.settings.secret_key, now=time.time() - 60)
    assert (await phone.post(f"/c/DKP-01/s/{slug}/survey", data=fields)).status_code == 200
    assert await SurveyResponse.count().where(SurveyResponse.counter == counter["id"]).run() == before + 1
    again = await phone.post(f"/c/DKP-01/s/{slug}/survey", data=fields)
    assert again.status_code == 200 and "Sudah diterima" in again.text
    assert await SurveyResponse.count().where(SurveyResponse.counter == counter["id"]).run() == before + 2  # kept
    # ... but not counted
    after_api = (await phone.get(f"/api/v1/services/{slug}/results", params=params)).json()
    assert after_api["satisfaction"]["n"] == before_api["satisfaction"]["n"] + 1
