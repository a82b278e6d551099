# ruff: noqa: F811  (pytest fixtures imported from test_feedback_support)
"""Issue 10's counting rule through HTTP: every response is stored with the reason it counts or not; only
counted responses move the published figures; the dashboard shows the rest by reason; the export says which
rows count and `portal ikm` on it equals the published IKM."""

from __future__ import annotations

import csv
import json
import time

from portal.feedback import antiabuse
from portal.feedback.services import ADDRESS_CAP
from portal.timeutil import local_day
from tests.factories import make_user
from tests.integration.test_feedback_support import (  # noqa: F401
    ANSWERS,
    phone,
    place,
    responses_of,
    survey_form,
    survey_path,
)
from tests.integration.test_insight_support import run_cli


def _aged(app) -> str:
    """A fresh stamp served a minute ago: a citizen who took time to read the questions."""
    return antiabuse.new_stamp(app.state.settings.secret_key, now=time.time() - 60)


async def _fresh(phone, place, app, answers=None) -> dict:
    fields = {**await survey_form(phone, survey_path(place)), **(answers or {f"u{i}": "4" for i in range(1, 10)})}
    fields["stamp"] = _aged(app)
    return fields


def _results_url(place) -> str:
    today = local_day(place["unit"]["timezone"])
    return f"/api/v1/services/{place['service']['slug']}/results?from={today}&to={today}"


async def test_three_identical_fresh_forms_from_one_address_all_count(phone, place, app):
    for _ in range(3):
        r = await phone.post(survey_path(place), data=await _fresh(phone, place, app))
        assert r.status_code == 200 and "Sudah diterima" not in r.text
    stored = await responses_of(place["service"])
    assert [(x["counted"], x["count_reason"]) for x in stored] == [(True, "stamp")] * 3
    body = (await phone.get(_results_url(place))).json()
    assert body["satisfaction"]["n"] == 3 and body["satisfaction"]["ikm"] == 100.0


async def test_unstamped_reused_and_too_fast_posts_are_stored_but_change_no_figure(phone, place, app):
    fields = await _fresh(phone, place, app)
    assert (await phone.post(survey_path(place), data=fields)).status_code == 200  # one genuine answer
    before = (await phone.get(_results_url(place))).json()
    for _ in range(15):  # the same stamp again and again
        assert (await phone.post(survey_path(place), data={**fields, "u1": "1"})).status_code == 200
    for _ in range(15):  # no stamp at all
        unstamped = {k: v for k, v in fields.items() if k != "stamp"}
        assert (await phone.post(survey_path(place), data={**unstamped, "u1": "1"})).status_code == 200
    quick = {**await survey_form(phone, survey_path(place), aged=False), **ANSWERS, "u1": "1"}  # back at once
    assert (await phone.post(survey_path(place), data=quick)).status_code == 200
    stored = await responses_of(place["service"])
    assert len(stored) == 32  # nothing a citizen sends is lost
    reasons = [x["count_reason"] for x in stored if not x["counted"]]
    assert (reasons.count("reused_stamp"), reasons.count("no_stamp"), reasons.count("too_fast")) == (15, 15, 1)
    after = (await phone.get(_results_url(place))).json()

    def counted(sat: dict) -> dict:  # the answers stored but not counted are published by reason (issue 22)
        return {k: v for k, v in sat.items() if k != "response"}

    assert counted(after["satisfaction"]) == counted(before["satisfaction"])
    added = {"reused_stamp": 15, "no_stamp": 15, "too_fast": 1}
    assert after["satisfaction"]["response"]["not_counted"] == {
        k: v + added.get(k, 0) for k, v in before["satisfaction"]["response"]["not_counted"].items()}

    head = await make_user("head", [place["unit"]])
    assert (await phone.login(head["username"], head["password"])).status_code == 303
    today = local_day(place["unit"]["timezone"])
    page = await phone.get(f"/dashboard?unit={place['unit']['slug']}&from={today}&to={today}&lang=en")
    assert page.status_code == 200, page.text[-1500:]
    html = page.text
    assert "Not counted: 31" in html
    assert "form stamp already used 15" in html and "no valid form stamp 15" in html


async def test_per_address_daily_cap(phone, place, app):
    for _ in range(ADDRESS_CAP + 2):
        assert (await phone.post(survey_path(place), data=await _fresh(phone, place, app))).status_code == 200
    stored = await responses_of(place["service"])
    assert sum(x["counted"] for x in stored) == ADDRESS_CAP
    assert [x["count_reason"] for x in stored if not x["counted"]] == ["over_cap", "over_cap"]
    assert (await phone.get(_results_url(place))).json()["satisfaction"]["n"] == ADDRESS_CAP


async def test_export_marks_counted_rows_and_portal_ikm_equals_published(phone, place, app, settings, capsys,
                                                                         tmp_path):
    for answers in ({f"u{i}": "4" for i in range(1, 10)}, {f"u{i}": "3" for i in range(1, 10)}):
        assert (await phone.post(survey_path(place), data=await _fresh(phone, place, app, answers))).status_code == 200
    unstamped = {k: v for k, v in (await _fresh(phone, place, app)).items() if k != "stamp"}
    for _ in range(5):
        await phone.post(survey_path(place), data={**unstamped, **{f"u{i}": "1" for i in range(1, 10)}})
    today = local_day(place["unit"]["timezone"])
    out_file = tmp_path / "answers.csv"
    code, out = await run_cli(settings, ["export-responses", "--service", place["service"]["slug"], "--from",
                                         str(today), "--to", str(today), str(out_file)], capsys)
    assert code == 0, out
    rows = list(csv.DictReader(out_file.read_text().splitlines()))
    assert len(rows) == 7 and sorted(r["counted"] for r in rows) == ["no"] * 5 + ["yes"] * 2
    code, out = await run_cli(settings, ["ikm", "--json", str(out_file)], capsys)
    assert code == 0
    cli = json.loads(out)
    sat = (await phone.get(_results_url(place))).json()["satisfaction"]
    assert (sat["n"], sat["ikm"], sat["ci95"]) == (cli["n"], cli["ikm"], cli["ci95"]) == (2, 87.5, sat["ci95"])


async def test_manager_reviews_a_burst_audited_and_figures_follow(phone, place, app, client):
    """A burst of stamped, unhurried answers beyond the cap: the manager marks the whole burst not counted,
    then counted again; each decision is audited, and the published IKM follows through the rollups (a rebuild
    from raw rows gives the same)."""
    from portal.db.tables import AuditLog
    from portal.insight import rollups

    for _ in range(ADDRESS_CAP + 3):
        await phone.post(survey_path(place), data=await _fresh(phone, place, app, {f"u{i}": "1" for i in range(1, 10)}))
    assert (await phone.get(_results_url(place))).json()["satisfaction"]["n"] == ADDRESS_CAP
    manager = await make_user("manager", [place["unit"]])
    assert (await client.login(manager["username"], manager["password"])).status_code == 303
    page = await client.get("/console/bursts?lang=en")
    assert page.status_code == 200 and place["service"]["name"] in page.text
    [client_hash] = {r["client_hash"] for r in await responses_of(place["service"])}
    assert client_hash[:12] in page.text and str(ADDRESS_CAP + 3) in page.text
    token = await client.csrf("/console/bursts")
    form = {"_csrf_token": token, "service": place["service"]["slug"], "day": str(local_day(place["unit"]["timezone"])),
            "client": client_hash}
    r = await client.post("/console/bursts", data={**form, "decision": "not_counted", "note": "skrip dari satu alamat"})
    assert r.status_code == 303, r.text[-800:]
    assert (await phone.get(_results_url(place))).json()["satisfaction"]["n"] == 0
    stored = await responses_of(place["service"])
    assert sorted(x["count_reason"] for x in stored if not x["counted"]) == \
        ["manager_out"] * ADDRESS_CAP + ["over_cap"] * 3  # the ones already not counted keep their reason
    r = await client.post("/console/bursts", data={**form, "decision": "counted"})
    assert r.status_code == 303
    body = (await phone.get(_results_url(place))).json()
    assert body["satisfaction"]["n"] == ADDRESS_CAP + 3
    again = await client.post("/console/bursts", data={**form, "decision": "counted"})
    assert again.status_code == 400  # nothing to change
    bad = await client.post("/console/bursts", data={**form, "day": "2026-02-30", "decision": "counted"})
    assert bad.status_code == 400 and "Choose a burst from the list" in bad.text
    entries = await AuditLog.select().where(AuditLog.action == "burst_review").run()
    assert len([e for e in entries if client_hash[:12] in e["details"]]) == 2
    await rollups.rebuild([place["service"]["id"]])
    assert (await phone.get(_results_url(place))).json() == body

    officer = await make_user("officer", [place["unit"]])
    client.cookies.clear()
    await client.login(officer["username"], officer["password"])
    assert (await client.get("/console/bursts")).status_code == 403


async def test_address_cap_lookup_uses_its_index_not_the_unique_visit_index(app, settings):
    """The per-address count runs on every counted unbound submit: on SQLite it must be served by
    ix_response_client_day. Written naively (`visit IS NULL`), SQLite's planner chose survey_response's UNIQUE
    index on visit and walked every unbound answer ever stored, so a submit grew with the table."""
    if not settings.is_sqlite:
        return  # PostgreSQL's planner has statistics; the plan checked here is SQLite's
    from portal.db.tables import SurveyResponse
    from portal.feedback import queries

    plan = await SurveyResponse.raw("EXPLAIN QUERY PLAN " + queries.COUNTED_UNBOUND_SQL, "x", 1, "2026-12-03",
                                    True).run()
    details = " ".join(str(row.get("detail")) for row in plan)
    assert "ix_response_client_day" in details, details
    assert "autoindex" not in details, details
