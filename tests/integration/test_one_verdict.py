"""Issue 17 items 2-4: accuracy counts products, cost counts visits, offered never exceeds served.

Rows are written through the write path (portal.insight.ledger, as the feedback and queue services do): a
response bound to a visit changes that visit's single verdicts, a later officer record changes them again, and
the incremental rollups equal a rebuild from raw rows.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from portal.db.tables import SurveyResponse, Visit
from portal.db.tables_insight import OverchargeCase, RollupDay
from portal.feedback.services import submit_response
from portal.insight import ledger, rollups
from survey.compliance import proportion
from tests.factories import make_service, make_unit, refresh
from tests.integration.test_insight_support import at

DAY = date(2026, 9, 7)
URL = "/api/v1/services/{}/results?from=2026-09-01&to=2026-09-30"


async def _visit(unit, service, hour, **values) -> int:
    arrived = at(unit, DAY, hour)
    async with Visit._meta.db.transaction():
        rows = await Visit.insert(Visit(
            unit=unit["id"], service=service["id"], local_day=DAY, token=secrets.token_urlsafe(24),
            arrived_at=arrived, arrived_source="officer", served_at=arrived + timedelta(minutes=3),
            finished_at=arrived + timedelta(minutes=20), outcome="completed", survey_offered=True, **values,
        )).returning(*Visit.all_columns()).run()
        await ledger.visit_changed(None, rows[0])
    return rows[0]["id"]


async def _answer(unit, service, visit=None, **values) -> int:
    rid = await submit_response({"u1": 4, "service": service["id"], "unit": unit["id"], "counter": None,
                                 "visit": visit, "local_day": DAY + timedelta(days=1), "channel": "qr_counter",
                                 "submitted_at": datetime.now(UTC), **values},
                                secrets.token_hex(8) if visit is None else None,  # an unbound answer's stamp
                                standard=None)
    assert rid is not None
    return rid


async def test_one_product_one_verdict_and_one_visit_one_cost_verdict(client, app):
    unit = await make_unit()
    svc = await make_service(unit, fee=5000)
    # accuracy
    a = await _visit(unit, svc, 8, correction_needed=False)
    await _answer(unit, svc, a, product_correct="no")  # officer says right, citizen says wrong: disagreement
    b = await _visit(unit, svc, 9, correction_needed=False)
    await _answer(unit, svc, b, product_correct="yes")  # both right: one product, right
    c = await _visit(unit, svc, 10)
    await _answer(unit, svc, c, product_correct="yes")  # no officer record yet: the citizen's answer
    await _answer(unit, svc, None, product_correct="yes")  # bound to no visit: its own product
    # cost (fee 5000)
    d = await _visit(unit, svc, 11, fee_charged=10000)
    await _answer(unit, svc, d, amount_paid=10000)  # one overcharged visit reported twice: one verdict
    e = await _visit(unit, svc, 12, fee_charged=0)
    await _answer(unit, svc, e, amount_paid=5000)  # officer Rp 0, citizen paid: unrecorded levy signal
    f = await _visit(unit, svc, 13, fee_charged=5000)
    await _answer(unit, svc, f, amount_paid=7000)  # the citizen says more than the fee: overcharged
    await _answer(unit, svc, None, amount_paid=7000)  # no visit: its own case
    await refresh()

    body = (await client.get(URL.format(svc["slug"]))).json()
    acc, cost = body["accuracy"], body["cost"]
    # visits (the headline): a not right (disagree); b right; c right (citizen) -> 2 of 3, one disagreement;
    # the answer bound to no visit is its own line, never added (issue 22 item 5)
    assert (acc["n"], acc["first_time_right"], acc["disagreements"]) == (3, 2, 1)
    assert acc["rate"] == proportion(2, 3).rate
    assert (acc["unbound"]["n"], acc["unbound"]["first_time_right"]) == (1, 1)
    # d: over; e: not over, unrecorded; f: over (citizen) -> 2 of 3 visits; unbound 7000: over, its own line
    assert (cost["n"], cost["overcharged"], cost["unrecorded_payments"]) == (3, 2, 1)
    assert (cost["unbound"]["n"], cost["unbound"]["overcharged"]) == (1, 1)
    cases = await OverchargeCase.select().where(OverchargeCase.service == svc["id"]).run()
    assert len(cases) == 3  # one per overcharged visit, one for the unbound answer
    assert sorted(x["source"] for x in cases) == ["citizen", "citizen", "officer"]

    # A later officer record changes the visit's verdict: c recorded as needing correction disagrees now.
    await ledger.change_visit(c, {Visit.correction_needed: True})
    # e's officer record corrected to 10000: now overcharged by the officer's record, no longer unrecorded.
    await ledger.change_visit(e, {Visit.fee_charged: 10000})
    await refresh()
    body = (await client.get(URL.format(svc["slug"]))).json()
    assert (body["accuracy"]["n"], body["accuracy"]["first_time_right"], body["accuracy"]["disagreements"]) == \
        (3, 1, 2)
    assert (body["cost"]["n"], body["cost"]["overcharged"], body["cost"]["unrecorded_payments"]) == (3, 3, 0)

    from tests.factories import make_user

    manager = await make_user("manager", [unit])
    assert (await client.login(manager["username"], manager["password"])).status_code == 303
    page = await client.get("/console/disagreements?lang=en&period=2026-09")
    assert page.status_code == 200
    assert f"V{a}<" in page.text and f"V{c}<" in page.text and f"V{b}<" not in page.text

    def snapshot(rows):
        return sorted(({k: v for k, v in r.items() if k not in ("id", "computed_at")} for r in rows),
                      key=lambda r: (r["counter"], str(r["day"])))

    async def case_list():
        rows = await OverchargeCase.select().where(OverchargeCase.service == svc["id"]).run()
        return sorted((r["source"], r["ref_id"], r["amount"], r["fee"], str(r["day"])) for r in rows)

    incremental = snapshot(await RollupDay.select().where(RollupDay.service == svc["id"]).run())
    incremental_cases = await case_list()
    assert len(incremental_cases) == 4
    await rollups.rebuild([svc["id"]])
    assert snapshot(await RollupDay.select().where(RollupDay.service == svc["id"]).run()) == incremental
    assert await case_list() == incremental_cases
    assert (await client.get(URL.format(svc["slug"]))).json() == body


async def test_demo_offered_never_exceeds_served(client, demo):
    """Offered = the citizen was shown the survey; the demo no longer marks no-shows and cancellations."""
    from portal.db.tables import Government, Service, Unit

    gov = await Government.select(Government.id).where(Government.slug == demo["government"]).first().run()
    units = [u["id"] for u in await Unit.select(Unit.id).where(Unit.government == gov["id"]).run()]
    services = [s["id"] for s in await Service.select(Service.id).where(Service.unit.is_in(units)).run()]
    await refresh()
    rows = await rollups.sums(services, date(2000, 1, 1), date(2100, 1, 1), by="service")
    assert len(rows) == len(services) == demo["services"]
    for row in rows:
        assert 0 < row["offered"] <= row["served"], row["group"]


async def test_bound_answer_reported_once_in_unrecorded_line_on_dashboard(client, app):
    from tests.factories import make_user

    unit = await make_unit()
    svc = await make_service(unit, fee=0)
    v = await _visit(unit, svc, 9, fee_charged=0)
    await _answer(unit, svc, v, amount_paid=20000)
    head = await make_user("head", [unit])
    assert (await client.login(head["username"], head["password"])).status_code == 303
    html = (await client.get(f"/dashboard?unit={unit['slug']}&period=2026-09&lang=en")).text
    assert "the officer recorded Rp 0" in html
    stored = await SurveyResponse.select(SurveyResponse.amount_paid).where(SurveyResponse.visit == v).first().run()
    assert stored["amount_paid"] == 20000
