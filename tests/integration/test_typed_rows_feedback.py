"""The typed rows of the feedback queries (TypedDicts) match what the driver returns, on SQLite and PostgreSQL
alike: the same keys, and every value of the declared Python type (see test_typed_rows_queue.check)."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from portal.db.tables import Visit
from portal.feedback import paper, posters, queries, services
from portal.insight import ledger
from portal.queue import queries as queue_queries
from portal.timeutil import local_day
from tests.factories import make_user
from tests.integration.queue_support import world
from tests.integration.test_typed_rows_queue import check

CSV = (
    "u1;u2;u3;u4;u5;u6;u7;u8;u9;amount_paid;product_correct;date\n"
    "4;4;3;4;3;3;4;3;4;0;ya;2026-03-02\n"
    "3;3;3;3;3;3;3;3;3;;no;2026-03-05\n"
)


async def test_counter_rows_are_what_their_typed_dicts_say(client):
    w = await world()
    code, unit_id = w["counter"]["code"], w["unit"]["id"]
    counter = await queries.counter_by_code(code.lower())
    check(counter, queue_queries.CounterRow)
    assert counter is not None
    for row in await queries.counters_of_unit(unit_id):
        check(row, queue_queries.CounterRow)
    unit = await queries.unit_by_id(unit_id)
    check(unit, queries.UnitRow)
    assert unit is not None
    check(await posters.unit_by_slug(unit["slug"]), queries.UnitRow)
    found = await queries.counter_context(code)
    assert found is not None
    check(found[0], queue_queries.CounterRow)
    check(found[1], queries.UnitRow)
    served = await queries.services_of_counter(counter["id"])
    assert len(served) == 2 and found[2] == served
    for row in served:
        check(row, queries.CounterServiceRow)
        check(row["standard"], queries.StandardVersionRow)
        assert row["standard"] is not None
        check(await queries.standard_version(row["standard"]["id"]), queries.StandardVersionRow)
        check(await queries.service_by_id(row["id"]), queries.ServiceRow)
        check(await queries.service_by_slug(row["slug"]), queries.ServiceRow)
    for row in (await posters.poster("https://portal.test", unit, counter, "en"))["services"]:
        check(row, queries.CounterServiceRow)  # with its display_name
        assert "display_name" in row
    for row in await queries.services_of_units([unit_id]):
        check(row, queries.ServiceWithUnitRow)

    token = secrets.token_urlsafe(24)
    standard = served[0]["standard"]
    assert standard is not None
    started = await services.start_scan_visit(unit, served[0]["id"], counter["id"], standard["id"], token)
    check(started, queue_queries.VisitRow)
    await services.citizen_stage(started, "finished")
    visit = await queries.visit_by_token(token)
    check(visit, queue_queries.VisitRow)
    assert visit is not None and visit["survey_offered"] is True


async def test_paper_and_review_rows_are_what_their_typed_dicts_say(client):
    w = await world()
    unit = await queries.unit_by_id(w["unit"]["id"])
    service = await queries.service_by_id(w["services"][1]["id"])
    assert unit is not None and service is not None
    manager = await make_user("manager", [w["unit"]])
    rows = await paper.read_and_parse(CSV.encode(), "forms.csv", date(2026, 3, 1), date(2026, 3, 31))
    batch_id = await services.import_paper(service, date(2026, 3, 1), date(2026, 3, 31), "forms.csv", None, rows)
    check(await queries.paper_batch(batch_id), queries.PaperBatchRow)
    batches = await queries.paper_batches([unit["id"]])
    assert [b["id"] for b in batches] == [batch_id]
    for row in [*batches, *await queries.paper_batches(None)]:
        check(row, queries.PaperBatchListRow)
    days = await queries.paper_batch_days(batch_id)
    assert [d["n"] for d in days] == [1, 1]
    for row in days:
        check(row, queries.BatchDayRow)

    # a burst: BURST_MIN unbound answers from one address for one service on one day
    day = local_day(unit["timezone"])
    for _ in range(queries.BURST_MIN):
        assert await services.submit_response(
            {"u1": 4, "service": service["id"], "unit": unit["id"], "counter": None, "visit": None,
             "local_day": day, "channel": "qr_counter", "client_hash": "c" * 64,
             "submitted_at": datetime.now(UTC)}, secrets.token_hex(8), standard=None) is not None
    bursts = await queries.bursts([unit["id"]], day - timedelta(days=1), day + timedelta(days=1))
    assert len(bursts) == 1 and bursts[0]["n"] == queries.BURST_MIN
    check(bursts[0], queries.BurstRow)
    actor = type("Actor", (), {"id": manager["id"], "username": manager["username"]})()
    assert await services.review_burst(actor, service, day, "c" * 64, False, "uji") == queries.BURST_MIN

    # a disagreement: the officer recorded no correction, the citizen says the product was not correct
    now = datetime.now(UTC)
    async with Visit._meta.db.transaction():
        inserted = await Visit.insert(Visit(
            unit=unit["id"], service=service["id"], local_day=day, token=secrets.token_urlsafe(24),
            arrived_at=now - timedelta(minutes=30), arrived_source="officer", served_at=now - timedelta(minutes=25),
            finished_at=now - timedelta(minutes=5), outcome="completed", correction_needed=False,
            survey_offered=True)).returning(*Visit.all_columns()).run()
        await ledger.visit_changed(None, inserted[0])
    assert await services.submit_response(
        {"u1": 4, "service": service["id"], "unit": unit["id"], "counter": None, "visit": inserted[0]["id"],
         "local_day": day, "channel": "qr_ticket", "product_correct": "no", "submitted_at": now},
        None, standard=None) is not None
    found = await queries.disagreements([unit["id"]], day - timedelta(days=1), day + timedelta(days=1))
    assert [r["visit"] for r in found] == [inserted[0]["id"]]
    check(found[0], queries.DisagreementRow)
