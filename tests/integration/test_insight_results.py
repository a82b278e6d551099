"""The results API (JSON and CSV) through HTTP, compared with survey/ computed by hand on the same rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from portal.db.tables import SurveyResponse
from portal.db.tables_insight import OverchargeCase, RollupDay
from portal.insight import rollups
from portal.timeutil import local_day
from survey.compliance import proportion
from survey.ikm import ikm_from_answers
from tests.integration.test_insight_support import DAY, add_response, add_visit, at, build_scene

SAME_DAY = {"basis": "completed", "completed": None, "open": None, "open_late": None, "estimate": None,
            "estimate_ci95": None, "provisional": None, "horizon_days": None, "horizon_limited": False,
            "final_after": None}  # no open-case fields for a limit in minutes


@pytest.fixture
async def scene(app):
    return await build_scene()


async def test_service_results_equal_survey_by_hand(client, scene):
    service = scene["service"]
    r = await client.get(f"/api/v1/services/{service['slug']}/results?from=2026-03-01&to=2026-03-31")
    assert r.status_code == 200, r.text
    body = r.json()
    expected = ikm_from_answers(np.array([[a or 0 for a in row] for row in scene["answers"]]))
    assert body["service"] == service["slug"]
    assert body["period"] == {"from": "2026-03-01", "to": "2026-03-31"}
    sat = body["satisfaction"]
    assert sat["n"] == 40
    assert sat["ikm"] == expected.ikm
    assert sat["category"] == expected.category
    assert sat["ci95"] == list(expected.ci95)
    assert sat["nrr"] == list(expected.nrr)

    within = sum(m <= 30 for m in scene["minutes"])
    time_p = proportion(within, 10, 0.95)
    assert body["time"] == {"n": 10, "within": within, "rate": time_p.rate, "ci95": list(time_p.ci95), **SAME_DAY,
                            "completed_rate": time_p.rate, "completed_ci95": list(time_p.ci95),
                            "limit": 30, "limit_unit": "minutes", "target": 0.95, "verdict": time_p.verdict,
                            "p_value": time_p.p_value, "extra_needed": time_p.extra_needed,
                            "versions": [{"version": 1, "limit": 30, "limit_unit": "minutes", "n": 10,
                                          "within": within, "rate": time_p.rate, "ci95": list(time_p.ci95)}],
                            "combined_versions": False}

    # cost: the visits are the headline (one verdict each); answers bound to no visit are their own line
    fees = [x for x in ([5000, 5000, 10000, None, 5000][i % 5] for i in range(10)) if x is not None]
    paid = [x for x in ([None, 5000, 7000, 0][i % 4] for i in range(40)) if x is not None]
    visits_p = proportion(sum(x > 5000 for x in fees), len(fees))
    unbound_p = proportion(sum(x > 5000 for x in paid), len(paid))
    assert body["cost"] == {"n": len(fees), "overcharged": visits_p.k, "rate": visits_p.rate,
                            "ci95": list(visits_p.ci95), "unrecorded_payments": 0,
                            "unbound": {"n": len(paid), "overcharged": unbound_p.k, "rate": unbound_p.rate,
                                        "ci95": list(unbound_p.ci95)}}

    corrections = [[False, True, None, False, False][i % 5] for i in range(10)]
    products = [[None, "yes", "no", "not_yet", "yes"][i % 5] for i in range(40)]
    acc_p = proportion(sum(c is False for c in corrections), sum(c is not None for c in corrections), 0.95)
    unbound_acc = proportion(sum(p == "yes" for p in products), sum(p in ("yes", "no") for p in products))
    assert body["accuracy"] == {"n": acc_p.n, "first_time_right": acc_p.k, "rate": acc_p.rate,
                                "ci95": list(acc_p.ci95), "disagreements": 0, "target": 0.95,
                                "verdict": acc_p.verdict, "p_value": acc_p.p_value, "extra_needed": acc_p.extra_needed,
                                "unbound": {"n": unbound_acc.n, "first_time_right": unbound_acc.k,
                                            "rate": unbound_acc.rate, "ci95": list(unbound_acc.ci95)}}
    # how the visits ended: ten completed, one no-show (the scene's eleventh visit)
    out = body["outcomes"]
    assert (out["visits"], out["ended"], out["completed"], out["no_show"], out["rejected"], out["open"]) == \
        (11, 11, 10, 1, 0, 0)
    assert out["no_show_rate"] == 1 / 11 and out["no_show_ci95"] == list(proportion(1, 11).ci95)


async def test_empty_service_gives_nulls(client, scene):
    r = await client.get(f"/api/v1/services/{scene['other']['slug']}/results?from=2026-03-01&to=2026-03-31")
    body = r.json()
    sat = body["satisfaction"]
    assert {k: sat[k] for k in ("n", "ikm", "category", "ci95", "nrr", "certain")} == \
        {"n": 0, "ikm": None, "category": None, "ci95": None, "nrr": [None] * 9, "certain": None}
    assert body["time"]["basis"] == "kaplan_meier"  # the other service's limit is in working days
    assert {k: body["time"][k] for k in ("n", "within", "rate", "ci95", "completed", "open", "open_late",
                                         "estimate")} == {"n": 0, "within": 0, "rate": None, "ci95": None,
                                                          "completed": 0, "open": 0, "open_late": 0,
                                                          "estimate": None}


async def test_unit_results_have_one_entry_per_service(client, scene):
    unit = scene["unit"]
    r = await client.get(f"/api/v1/units/{unit['slug']}/results?from=2026-03-01&to=2026-03-31")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["unit"] == unit["slug"]
    assert sorted(s["service"] for s in body["services"]) == sorted([scene["service"]["slug"],
                                                                      scene["other"]["slug"]])
    only = next(s for s in body["services"] if s["service"] == scene["service"]["slug"])
    assert body["satisfaction"] == only["satisfaction"]  # the other service has no data
    assert {k: body["time"][k] for k in ("n", "within", "rate", "ci95")} == \
        {k: only["time"][k] for k in ("n", "within", "rate", "ci95")}
    assert (body["time"]["basis"], body["time"]["open"]) == ("kaplan_meier", 0)  # the other one is multi-day


async def test_csv_twins_are_aggregates(client, scene):
    unit = scene["unit"]
    secret = "komentar-rahasia-" + unit["slug"]
    await add_response(unit, scene["service"], DAY, [4] * 9, comment=secret)
    r = await client.get(f"/api/v1/units/{unit['slug']}/results.csv?from=2026-03-01&to=2026-03-31")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert secret not in r.text
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 2
    js = (await client.get(f"/api/v1/services/{scene['service']['slug']}/results?from=2026-03-01&to=2026-03-31")).json()
    row = next(x for x in rows if x["service"] == scene["service"]["slug"])
    assert float(row["ikm"]) == js["satisfaction"]["ikm"]
    assert int(row["satisfaction_n"]) == 41
    one = await client.get(f"/api/v1/services/{scene['service']['slug']}/results.csv?from=2026-03-01&to=2026-03-31")
    assert one.status_code == 200 and one.text.count("\n") == 2


@pytest.mark.parametrize("query", ["from=2026-13-01&to=2026-03-31", "from=2026-03-31&to=2026-03-01",
                                   "from=yesterday", "to=2026-02-30"])
async def test_bad_dates_are_400_json(client, scene, query):
    for path in (f"/api/v1/services/{scene['service']['slug']}/results",
                 f"/api/v1/units/{scene['unit']['slug']}/results.csv"):
        r = await client.get(f"{path}?{query}")
        assert r.status_code == 400, (path, query, r.text)
        assert r.json()["error"]
        assert "tanggal" in r.json()["error"].lower() or "bukan" in r.json()["error"].lower()


async def test_unknown_slug_is_404(client):
    assert (await client.get("/api/v1/services/no-such-service-x/results")).status_code == 404
    assert (await client.get("/api/v1/units/no-such-unit-x/results")).status_code == 404
    assert (await client.get("/api/v1/units/no-such-unit-x/results.csv")).status_code == 404


async def test_default_period_is_last_90_days_in_unit_time(client, scene):
    unit = scene["unit"]
    today = local_day(unit["timezone"])
    await add_response(unit, scene["service"], today, [3] * 9)
    await add_response(unit, scene["service"], today - timedelta(days=90), [1] * 9)
    body = (await client.get(f"/api/v1/services/{scene['service']['slug']}/results")).json()
    assert body["period"] == {"from": (today - timedelta(days=89)).isoformat(), "to": today.isoformat()}
    assert body["satisfaction"]["n"] == 1 and body["satisfaction"]["ikm"] == 75.0


async def test_openapi_documents_results(client):
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/units/{unit_slug}/results" in schema["paths"]
    assert "/api/v1/units/{unit_slug}/results.csv" in schema["paths"]
    assert "UnitResults" in str(schema["components"]["schemas"])


async def test_rebuild_equals_incremental(client, scene):
    service = scene["service"]
    # Read once (incremental refresh), then change a response and add rows: touched days are recomputed.
    await client.get(f"/api/v1/services/{service['slug']}/results?from=2026-03-01&to=2026-03-31")
    first = await SurveyResponse.select(SurveyResponse.id).where(SurveyResponse.service == service["id"]).first().run()
    await SurveyResponse.update({SurveyResponse.u1: 1}).where(SurveyResponse.id == first["id"]).run()
    await rollups.touch(service["id"], DAY)
    await add_visit(scene["unit"], service, at(scene["unit"], DAY + timedelta(days=1), 14), minutes=90,
                    fee_charged=20000, correction_needed=True)
    incremental_body = (await client.get(
        f"/api/v1/services/{service['slug']}/results?from=2026-03-01&to=2026-04-30")).json()

    def snapshot(rows):
        return sorted(({k: v for k, v in r.items() if k not in ("id", "computed_at")} for r in rows),
                      key=lambda r: (r["counter"], str(r["day"])))

    async def cases():
        rows = await OverchargeCase.select().where(OverchargeCase.service == service["id"]).run()
        return sorted((r["source"], r["ref_id"], r["amount"], r["fee"], str(r["day"]), r["counter"]) for r in rows)

    incremental = snapshot(await RollupDay.select().where(RollupDay.service == service["id"]).run())
    incremental_cases = await cases()
    await rollups.rebuild([service["id"]])
    rebuilt = snapshot(await RollupDay.select().where(RollupDay.service == service["id"]).run())
    assert incremental == rebuilt
    assert incremental_cases == await cases()
    assert ("officer", 20000) in {(c[0], c[2]) for c in incremental_cases}  # the visit added after the first read
    assert len(rebuilt) == 7  # five March days and one April day at the counter, one March day without
    again = (await client.get(f"/api/v1/services/{service['slug']}/results?from=2026-03-01&to=2026-04-30")).json()
    assert again == incremental_body


async def test_concurrent_refresher_passes_are_safe(client, scene):
    """Several refresher passes at once (one per worker): no error, each delta folded once, rollups equal a
    rebuild; readers all see the same figures."""
    import asyncio

    from tests.factories import refresh

    service = scene["service"]
    await add_response(scene["unit"], service, DAY, [3] * 9, amount_paid=90000)
    from portal.feedback.services import submit_response

    for answers in ([4] * 9, [2] * 9):
        await submit_response({**{f"u{i + 1}": a for i, a in enumerate(answers)}, "service": service["id"],
                               "unit": scene["unit"]["id"], "counter": None, "visit": None, "local_day": DAY,
                               "channel": "qr_counter", "amount_paid": 95000,
                               "submitted_at": datetime.now(UTC)}, None, standard=None)
    await asyncio.gather(*(refresh() for _ in range(8)))
    await refresh()  # a worker that skipped its turn folds the rest on its next pass
    client.refreshed = False
    urls = [f"/api/v1/services/{service['slug']}/results?from=2026-03-01&to=2026-03-31"] * 8
    responses = await asyncio.gather(*(client.get(u) for u in urls))
    assert all(r.status_code == 200 for r in responses)
    assert len({r.text for r in responses}) == 1
    body = responses[0].json()
    before = await OverchargeCase.count().where(OverchargeCase.service == service["id"]).run()
    await rollups.rebuild([service["id"]])
    assert await OverchargeCase.count().where(OverchargeCase.service == service["id"]).run() == before
    assert (await client.get(urls[0])).json() == body


async def test_a_unit_without_services_has_results_and_a_diagnostic(client, app):
    """A new unit with no service yet: its results API and the admin's diagnostic page answer (was a 500: the
    pooled figures of one input came back as a dict and were unpacked as a list)."""
    from tests.factories import make_unit, make_user

    unit = await make_unit()
    body = (await client.get(f"/api/v1/units/{unit['slug']}/results?from=2026-09-01&to=2026-09-30")).json()
    assert body["unit"] == unit["slug"] and body["services"] == []
    admin = await make_user("admin", [unit])
    assert (await client.login(admin["username"], admin["password"])).status_code == 303
    assert (await client.get("/console/diagnostic/2026")).status_code == 200
