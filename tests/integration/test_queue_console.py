"""The officer console through HTTP: issue, call, serve, finish, deliver, outcome, history; bad input changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.db.tables import Visit
from portal.db.tables_insight import RollupDelta
from portal.timeutil import local_day
from portal.tokens import verify
from tests.conftest import PortalClient
from tests.integration.queue_support import last_visit, login, post, visit, world


def refused(response) -> bool:
    """A step the ticket's state does not allow: back to the console page with a notice, never an error page."""
    return response.status_code == 303 and "notice=" in response.headers.get("location", "") \
        and response.headers["location"].startswith("/console")


async def test_officer_full_flow_is_stored_and_shown_in_history(client, settings):
    w = await world()
    code = w["counter"]["code"]
    await login(client, w["officer"])
    home = await client.get("/console")
    assert home.status_code == 200 and f"/console/counters/{code}" in home.text
    page = await client.get(f"/console/counters/{code}")
    assert page.status_code == 200 and w["services"][0]["name"] in page.text

    before = datetime.now(UTC)
    issued = await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][1]["id"]})
    assert issued.status_code == 303, issued.text[-500:]
    v = await last_visit(w["unit"]["id"])
    assert v["ticket_number"] == "B-001"  # the unit's second service, first ticket of the local day
    assert v["origin"] == "ticket" and v["arrived_source"] == "officer"
    assert not v["survey_offered"], "offered once the citizen's ticket page shows the survey (service started)"
    assert v["local_day"] == local_day(w["unit"]["timezone"])
    assert verify(settings.secret_key, v["token"])
    assert v["standard_version"] is not None
    assert before <= v["arrived_at"] <= datetime.now(UTC)

    ticket = await client.get(f"/console/visits/{v['id']}/ticket")
    assert ticket.status_code == 200
    assert "B-001" in ticket.text and "<svg" in ticket.text
    assert f"{settings.public_url}/t/{v['token']}" in ticket.text

    second = await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][1]["id"]})
    assert second.status_code == 303
    assert (await last_visit(w["unit"]["id"]))["ticket_number"] == "B-002"

    called = await post(client, f"/console/counters/{code}/call-next")
    assert called.status_code == 303
    for action in ("start", "finish"):
        response = await post(client, f"/console/visits/{v['id']}/{action}")
        assert response.status_code == 303, (action, response.text[-500:])
    outcome = await post(client, f"/console/visits/{v['id']}/outcome",
                         {"outcome": "completed", "fee_charged": "50000", "correction_needed": "on"})
    assert outcome.status_code == 303, outcome.text[-500:]
    delivered = await post(client, f"/console/visits/{v['id']}/deliver")
    assert delivered.status_code == 303

    row = await visit(v["id"])
    assert row["arrived_at"] <= row["called_at"] <= row["served_at"] <= row["finished_at"] <= row["delivered_at"]
    assert row["counter"] == w["counter"]["id"]
    assert (row["outcome"], row["fee_charged"], row["correction_needed"]) == ("completed", 50000, True)
    assert all(row[f"{s}_source"] == "officer" for s in ("called", "served", "finished", "delivered"))
    assert row["survey_offered"]
    # Each transition wrote its rollup delta in its own transaction; the refresher folds them.
    assert await RollupDelta.exists().where(
        (RollupDelta.service == w["services"][1]["id"]) & (RollupDelta.day == row["local_day"])).run()

    history = await client.get("/console/history")
    assert history.status_code == 200
    assert f'id="visit-{v["id"]}"' in history.text and "B-001" in history.text and "selesai" in history.text
    assert "50.000" in history.text  # Indonesian thousands separator


async def test_out_of_order_and_replayed_transitions_notice_and_change_nothing(client):
    w = await world()
    code = w["counter"]["code"]
    await login(client, w["officer"])
    await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})
    v = await last_visit(w["unit"]["id"])
    for action in ("start", "finish", "deliver"):
        response = await post(client, f"/console/visits/{v['id']}/{action}")
        assert refused(response), action
    assert await visit(v["id"]) == v

    assert (await post(client, f"/console/visits/{v['id']}/call", {"counter": code})).status_code == 303
    after_call = await visit(v["id"])
    replay = await post(client, f"/console/visits/{v['id']}/call", {"counter": code})
    assert refused(replay)
    shown = await client.get(replay.headers["location"])  # the officer stays on the console, with a notice
    assert shown.status_code == 200 and "sudah dipanggil" in shown.text  # in Indonesian by default
    assert 'role="alert"' in shown.text and "Keluar" in shown.text
    assert await visit(v["id"]) == after_call

    await post(client, f"/console/visits/{v['id']}/start")
    await post(client, f"/console/visits/{v['id']}/finish")
    finished = await visit(v["id"])
    assert refused(await post(client, f"/console/visits/{v['id']}/finish"))
    assert refused(await post(client, f"/console/visits/{v['id']}/outcome", {"outcome": "no_show"}))
    assert await visit(v["id"]) == finished
    assert (await post(client, f"/console/visits/{v['id']}/outcome",
                       {"outcome": "completed", "fee_charged": "0"})).status_code == 303
    done = await visit(v["id"])
    again = await post(client, f"/console/visits/{v['id']}/outcome", {"outcome": "completed", "fee_charged": "900"})
    assert refused(again)
    assert await visit(v["id"]) == done


async def test_fee_below_zero_and_unknown_ticket(client):
    w = await world()
    code = w["counter"]["code"]
    await login(client, w["officer"])
    await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})
    v = await last_visit(w["unit"]["id"])
    await post(client, f"/console/visits/{v['id']}/call", {"counter": code})
    await post(client, f"/console/visits/{v['id']}/start")
    await post(client, f"/console/visits/{v['id']}/finish")
    before = await visit(v["id"])
    for fee in ("-5000", "abc"):
        response = await post(client, f"/console/visits/{v['id']}/outcome", {"outcome": "completed", "fee_charged": fee})
        assert response.status_code == 400
        assert "rupiah" in response.text
    assert (await post(client, f"/console/visits/{v['id']}/outcome", {"outcome": "lost"})).status_code == 400
    assert await visit(v["id"]) == before

    missing = await Visit.select(Visit.id).order_by(Visit.id, ascending=False).first().run()
    unknown = missing["id"] + 10_000
    assert (await post(client, f"/console/visits/{unknown}/call", {"counter": code})).status_code == 404
    assert (await client.get(f"/console/visits/{unknown}/ticket")).status_code == 404
    assert (await client.get("/console/counters/NOPE99")).status_code == 404
    bad_service = await post(client, f"/console/counters/{code}/tickets", {"service": "999999"})
    assert bad_service.status_code == 400
    assert (await last_visit(w["unit"]["id"]))["id"] == v["id"]


async def test_call_next_takes_the_oldest_waiting_and_notices_when_empty(client):
    w = await world()
    code = w["counter"]["code"]
    await login(client, w["officer"])
    for service in (w["services"][0], w["services"][1], w["services"][0]):
        await post(client, f"/console/counters/{code}/tickets", {"service": service["id"]})
    rows = await Visit.select().where(Visit.unit == w["unit"]["id"]).order_by(Visit.id).run()
    assert [r["ticket_number"] for r in rows] == ["A-001", "B-001", "A-002"]
    for i, expected in enumerate(rows):
        assert (await post(client, f"/console/counters/{code}/call-next")).status_code == 303
        assert (await visit(expected["id"]))["called_at"] is not None
        if i < len(rows) - 1:  # one ticket in service per counter: the next call waits until this one is closed
            busy = await post(client, f"/console/counters/{code}/call-next")
            assert busy.status_code == 409 and "masih melayani" in busy.text
            assert f'<p class="current-number">{expected["ticket_number"]}</p>' in busy.text
            assert (await visit(rows[i + 1]["id"]))["called_at"] is None
            assert (await post(client, f"/console/visits/{expected['id']}/outcome",
                               {"outcome": "no_show"})).status_code == 303
    empty = await post(client, f"/console/counters/{code}/call-next")
    assert refused(empty)
    assert empty.headers["location"] == f"/console/counters/{code}?notice=nobody-waiting"
    page = await client.get(empty.headers["location"])
    assert "A-002" in page.text and "Tidak ada yang menunggu" in page.text


async def test_no_show_and_cancel_outcomes(client):
    w = await world()
    code = w["counter"]["code"]
    await login(client, w["officer"])
    await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})
    a = await last_visit(w["unit"]["id"])
    await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})
    b = await last_visit(w["unit"]["id"])
    assert refused(await post(client, f"/console/visits/{a['id']}/outcome", {"outcome": "no_show"}))
    await post(client, f"/console/visits/{a['id']}/call", {"counter": code})
    assert (await post(client, f"/console/visits/{a['id']}/outcome", {"outcome": "no_show"})).status_code == 303
    assert (await post(client, f"/console/visits/{b['id']}/outcome", {"outcome": "cancelled"})).status_code == 303
    assert (await visit(a["id"]))["outcome"] == "no_show" and (await visit(b["id"]))["outcome"] == "cancelled"
    # a closed ticket is no longer waiting
    assert refused(await post(client, f"/console/counters/{code}/call-next"))


async def test_history_and_console_show_only_my_units_and_nav_follows_role(client):
    w, other = await world(), await world()
    await login(client, w["officer"])
    await post(client, f"/console/counters/{w['counter']['code']}/tickets", {"service": w["services"][0]["id"]})
    mine = await last_visit(w["unit"]["id"])
    nav = (await client.get("/console")).text
    assert "/console/history" in nav and "/console/users" not in nav and "/console/audit" not in nav
    assert 'action="/logout"' in nav and "_csrf_token" in nav
    assert other["counter"]["code"] not in nav
    async with PortalClient(transport=client._transport, base_url="https://testserver.local") as outsider:
        await login(outsider, other["officer"])
        history = await outsider.get("/console/history?days=7")
        assert history.status_code == 200 and f'id="visit-{mine["id"]}"' not in history.text
        assert (await outsider.get(f"/console/visits/{mine['id']}")).status_code == 403
        assert (await post(outsider, f"/console/visits/{mine['id']}/call",
                           {"counter": other["counter"]["code"]})).status_code == 403
    assert await visit(mine["id"]) == mine
    async with PortalClient(transport=client._transport, base_url="https://testserver.local") as head:
        await login(head, w["head"])
        head_nav = (await head.get("/console")).text
        assert "/console/audit" in head_nav and "/dashboard" in head_nav and "/console/users" not in head_nav
