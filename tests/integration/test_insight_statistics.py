"""Issue 10's statistics through the doors people use: the review controls the nonconformities it opens for
multiplicity (Benjamini-Hochberg across the unit's services, via `portal review`), and the dashboard's funnel
says when its limits were widened for overdispersion."""

from __future__ import annotations

import json
from datetime import timedelta

from scipy import stats

from portal.db.tables_insight import Nonconformity
from survey.compliance import verdict
from tests.factories import make_service, make_unit
from tests.integration.test_insight_support import DAY, add_visit, at, run_cli


async def _service_with(unit, within: int, n: int) -> dict:
    service = await make_service(unit, time_limit=(30, "minutes"))
    for i in range(n):
        await add_visit(unit, service, at(unit, DAY + timedelta(days=i % 5), 8, i),
                        minutes=10 if i < within else 45)
    return service


async def _time_items(unit):
    return await Nonconformity.select().where((Nonconformity.unit == unit["id"])
                                              & (Nonconformity.source == "time_below_target")).run()


async def test_a_lone_borderline_breach_opens_but_not_among_three_tests(app, settings, capsys):
    # 35 of 40 within the limit against the default target 95 %: P(X <= 35) = 0.048, "below" at 5 %.
    p = stats.binom.cdf(35, 40, 0.95)
    assert 0.05 / 3 < p < 0.05 and verdict(35, 40, 0.95)[0] == "below"

    alone = await make_unit()
    lone = await _service_with(alone, 35, 40)
    code, _ = await run_cli(settings, ["review", "--period", "2026-Q1", "--unit", alone["slug"]], capsys)
    assert code == 0
    items = await _time_items(alone)
    assert [i["service"] for i in items] == [lone["id"]]  # m = 1: BH keeps p <= 0.05
    details = json.loads(items[0]["details"])
    assert details["multiplicity"] == "benjamini-hochberg" and details["m"] == 1
    assert abs(details["p_adjusted"] - p) < 1e-12 and "m = 1" in items[0]["figure"]

    crowd = await make_unit()
    await _service_with(crowd, 35, 40)
    await _service_with(crowd, 5, 5)
    await _service_with(crowd, 5, 5)
    code, _ = await run_cli(settings, ["review", "--period", "2026-Q1", "--unit", crowd["slug"]], capsys)
    assert code == 0
    # m = 3: sorted p-values (0.048, 1, 1) against 0.0167, 0.033, 0.05 reject nothing; no item is opened
    assert await _time_items(crowd) == []


async def test_dashboard_funnel_says_when_limits_are_widened_for_overdispersion(client):
    from tests.factories import make_counter, make_user

    unit = await make_unit()
    service = await make_service(unit, time_limit=(30, "minutes"))
    for c, within in enumerate([20, 19, 10, 3, 18, 6]):  # counters far apart: phi about 8
        counter = await make_counter(unit, [service], code=f"K{c}{unit['id']}"[-6:])
        for i in range(20):
            await add_visit(unit, service, at(unit, DAY + timedelta(days=i % 5), 8, i), counter=counter,
                            minutes=10 if i < within else 45)
    head = await make_user("head", [unit])
    assert (await client.login(head["username"], head["password"])).status_code == 303
    r = await client.get(f"/dashboard?unit={unit['slug']}&period=2026-Q1")
    assert r.status_code == 200
    assert "Batas diperlebar karena overdispersi antartempat (Spiegelhalter 2005)" in r.text
    assert "φ = 8,38" in r.text or "φ = 8.38" in r.text
