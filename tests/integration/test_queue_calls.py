# ruff: noqa: F811  (pytest fixtures imported from test_feedback_support)
"""Issue 23 through HTTP: a citizen's own visit never enters the officer's queue (console, board and queue API count
the same before and after it reaches "Selesai"), "call next" never calls a finished visit, the console's first
screen names the called ticket with the steps that follow (recall, start, no-show, transfer), one ticket in service
per counter (409 on a race), the waiting list in the order calls take, paged."""

from __future__ import annotations

import asyncio
import re

import httpx

from portal.db.tables import AuditLog, Visit
from portal.db.tables_insight import RollupDelta
from tests.factories import make_counter
from tests.integration.queue_support import last_visit, login, post, visit, world
from tests.integration.test_feedback_support import form_fields, phone  # noqa: F401


async def _counts(client, officer_client, w: dict) -> dict[str, int]:
    """The waiting count as the officer's console, the TV board and the queue API each show it."""
    code, slug = w["counter"]["code"], w["unit"]["slug"]
    console = (await officer_client.get(f"/console/counters/{code}")).text
    board = (await client.get(f"/units/{slug}/board")).text
    api = (await client.get(f"/api/v1/units/{slug}/queue")).json()
    return {
        "console": int(re.search(r'id="waiting-count">(\d+)<', console).group(1)),
        "board": int(re.search(r'id="waiting">(\d+)<', board).group(1)),
        "api": api["waiting"],
        "api_services": sum(s["waiting"] for s in api["services"]),
    }


async def test_a_citizens_own_visit_to_selesai_never_enters_the_queue(client, phone):
    w = await world()
    code, slug = w["counter"]["code"], w["services"][0]["slug"]
    await login(client, w["officer"])
    await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})
    ticket = await last_visit(w["unit"]["id"])
    assert await _counts(phone, client, w) == {"console": 1, "board": 1, "api": 1, "api_services": 1}

    base = f"/c/{code}/s/{slug}"
    page = await phone.get(base)
    assert (await phone.post(base + "/start", data=form_fields(page.text))).status_code == 303
    own = await last_visit(w["unit"]["id"])
    assert own["origin"] == "scan" and own["id"] != ticket["id"]
    assert await _counts(phone, client, w) == {"console": 1, "board": 1, "api": 1, "api_services": 1}
    for stage in ("served", "finished"):  # "Saya sedang dilayani", "Selesai"
        assert (await phone.post(f"{base}/{stage}", data=form_fields(page.text))).status_code == 303
        assert await _counts(phone, client, w) == {"console": 1, "board": 1, "api": 1, "api_services": 1}
    # a "being served" tap replayed after "Selesai" would put the stages out of order: nothing is written
    finished = await visit(own["id"])
    assert (await phone.post(f"{base}/served", data=form_fields(page.text))).status_code == 303
    assert await visit(own["id"]) == finished

    # "Panggil berikutnya" calls the officer's ticket, never the citizen's finished visit
    assert (await post(client, f"/console/counters/{code}/call-next")).status_code == 303
    assert (await visit(ticket["id"]))["called_at"] is not None
    assert await _counts(phone, client, w) == {"console": 0, "board": 0, "api": 0, "api_services": 0}
    for step in ("start", "finish"):
        await post(client, f"/console/visits/{ticket['id']}/{step}")
    empty = await post(client, f"/console/counters/{code}/call-next")
    assert empty.headers["location"].endswith("notice=nobody-waiting")
    refused = await post(client, f"/console/visits/{own['id']}/call", {"counter": code})  # by hand: refused too
    assert refused.status_code == 303 and "notice=scan-not-queued" in refused.headers["location"]
    shown = await client.get(refused.headers["location"])
    assert "tidak masuk antrean" in shown.text
    assert (await visit(own["id"]))["called_at"] is None  # no call after the finish, so no fake wait
    assert await _counts(phone, client, w) == {"console": 0, "board": 0, "api": 0, "api_services": 0}


async def test_the_first_screen_after_a_call_names_the_called_ticket(client):
    w = await world()
    code = w["counter"]["code"]
    other = await make_counter(w["unit"], w["services"], name="Loket Dua", code="LD" + code[:8])
    await login(client, w["officer"])
    await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][1]["id"]})
    await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})
    called = await post(client, f"/console/counters/{code}/call-next")
    page = (await client.get(called.headers["location"])).text
    current = page[page.index('id="current"'):page.index('class="console-grid"')]  # above the lists
    assert page.index('id="current"') < page.index('id="waiting-count"')
    assert '<p class="current-number">B-001</p>' in current and w["services"][1]["name"] in current
    assert "Dipanggil ke loket ini" in current
    v = await last_visit(w["unit"]["id"])
    first = (await Visit.select().where((Visit.unit == w["unit"]["id"]) & (Visit.ticket_number == "B-001"))
             .first().run())
    for action in ("start", "recall", "outcome", "transfer"):
        assert f'action="/console/visits/{first["id"]}/{action}"' in current, action
    assert 'value="no_show"' in current and f'<option value="{other["code"]}">Loket Dua</option>' in current
    assert "Panggil ulang" in current and "Tidak hadir" in current and "Alihkan" in current
    assert v["ticket_number"] == "A-001"

    await post(client, f"/console/visits/{first['id']}/start")
    serving = (await client.get(f"/console/counters/{code}")).text
    assert "Sedang dilayani di loket ini" in serving and f'action="/console/visits/{first["id"]}/finish"' in serving
    english = (await client.get(f"/console/counters/{code}?lang=en")).text
    assert "Being served at this counter" in english and '<p class="current-number">B-001</p>' in english


async def test_recall_repeats_the_call_on_the_board_without_changing_the_wait(client):
    w = await world()
    code, slug = w["counter"]["code"], w["unit"]["slug"]
    await login(client, w["officer"])
    await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})
    await post(client, f"/console/counters/{code}/call-next")
    v = await last_visit(w["unit"]["id"])
    before = (await client.get(f"/units/{slug}/board/state")).json()["state"]["recent"]
    assert [r["ticket"] for r in before] == ["A-001"]
    assert (await post(client, f"/console/visits/{v['id']}/recall")).status_code == 303
    again = await visit(v["id"])
    assert again["recalled_at"] is not None and again["called_at"] == v["called_at"]
    after = (await client.get(f"/units/{slug}/board/state")).json()["state"]["recent"]
    assert [r["ticket"] for r in after] == ["A-001"] and after[0]["key"] != before[0]["key"]  # announced again
    await post(client, f"/console/visits/{v['id']}/start")
    late = await post(client, f"/console/visits/{v['id']}/recall")
    assert "notice=recall-called" in late.headers["location"]


async def test_transfer_keeps_the_number_and_the_place_by_arrival_and_is_audited(client):
    w = await world()
    code = w["counter"]["code"]
    second = await make_counter(w["unit"], [w["services"][1]], name="Loket Kasir", code="KS" + code[:8])
    await login(client, w["officer"])
    for _ in range(3):
        await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})
    await post(client, f"/console/counters/{second['code']}/tickets", {"service": w["services"][1]["id"]})
    await post(client, f"/console/counters/{code}/call-next")
    first = await Visit.select().where((Visit.unit == w["unit"]["id"]) & (Visit.ticket_number == "A-001")) \
        .first().run()
    deltas = await RollupDelta.count().where(RollupDelta.service == w["services"][0]["id"]).run()
    moved = await post(client, f"/console/visits/{first['id']}/transfer", {"counter": second["code"],
                                                                          "next": f"/console/counters/{code}"})
    assert moved.status_code == 303 and "notice=transferred" in moved.headers["location"]
    row = await visit(first["id"])
    assert (row["ticket_number"], row["arrived_at"]) == ("A-001", first["arrived_at"])
    assert (row["counter"], row["transferred_to"], row["called_at"]) == (second["id"], second["id"], None)
    assert await RollupDelta.count().where(RollupDelta.service == w["services"][0]["id"]).run() > deltas
    [entry] = await AuditLog.select().where((AuditLog.entity == "visit") & (AuditLog.entity_id == first["id"])).run()
    assert (entry["action"], entry["unit"]) == ("transfer", w["unit"]["id"]) and second["code"] in entry["details"]

    own_list = (await client.get(f"/console/counters/{code}")).text
    assert "A-001" not in own_list.split('id="waiting-list"')[1].split("</ol>")[0]
    target = (await client.get(f"/console/counters/{second['code']}")).text
    listed = re.findall(r"<li><b>([A-Z]-\d{3})</b>", target.split('id="waiting-list"')[1].split("</ol>")[0])
    assert listed == ["A-001", "B-001"]  # its place by arrival, ahead of the cashier's own later ticket
    assert "dialihkan ke sini" in target
    assert (await post(client, f"/console/counters/{second['code']}/call-next")).status_code == 303
    assert (await visit(first["id"]))["called_at"] is not None  # the cashier calls it first
    refused = await post(client, f"/console/visits/{first['id']}/transfer", {"counter": "NOPE99"})
    assert refused.status_code == 400


async def test_one_ticket_in_service_per_counter_even_in_a_race(client, app):
    w = await world()
    code = w["counter"]["code"]
    await login(client, w["officer"])
    for _ in range(3):
        await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})
    answers = await asyncio.gather(*(post(client, f"/console/counters/{code}/call-next") for _ in range(2)))
    assert sorted(a.status_code for a in answers) == [303, 409]
    assert "masih melayani" in next(a.text for a in answers if a.status_code == 409)
    open_now = await Visit.count().where((Visit.counter == w["counter"]["id"]) & Visit.called_at.is_not_null()
                                         & Visit.finished_at.is_null() & Visit.outcome.is_null()).run()
    assert open_now == 1
    waiting = await Visit.select().where((Visit.unit == w["unit"]["id"]) & Visit.called_at.is_null()).first().run()
    busy = await post(client, f"/console/visits/{waiting['id']}/call", {"counter": code})  # by hand: the same
    assert busy.status_code == 409 and (await visit(waiting["id"]))["called_at"] is None


async def test_the_waiting_list_is_complete_or_paged_in_the_order_calls_take(client):
    w = await world()
    code = w["counter"]["code"]
    await login(client, w["officer"])
    for i in range(24):
        await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][i % 2]["id"]})
    page = (await client.get(f"/console/counters/{code}")).text
    shown = re.findall(r"<li><b>([A-Z]-\d{3})</b>", page)
    assert len(shown) == 20 and "+4 lagi" in page and "?waiting=all" in page
    whole = (await client.get(f"/console/counters/{code}?waiting=all")).text
    listed = re.findall(r"<li><b>([A-Z]-\d{3})</b>", whole)
    assert len(listed) == 24 and listed[:20] == shown and "lagi</a>" not in whole
    called = []
    for _ in range(24):  # "call next" takes them in exactly the listed order
        await post(client, f"/console/counters/{code}/call-next")
        v = await Visit.select().where((Visit.counter == w["counter"]["id"]) & Visit.called_at.is_not_null()
                                       & Visit.outcome.is_null()).first().run()
        called.append(v["ticket_number"])
        await post(client, f"/console/visits/{v['id']}/outcome", {"outcome": "no_show"})
    assert called == listed


async def test_ticket_page_says_how_many_are_ahead_and_the_estimate_and_where_to_go(client, app):
    w = await world()
    code = w["counter"]["code"]
    await login(client, w["officer"])
    for _ in range(3):
        await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})
    third = await last_visit(w["unit"]["id"])
    async with httpx.AsyncClient(transport=client._transport, base_url="https://testserver.local") as citizen:
        page = await citizen.get(f"/t/{third['token']}")
        assert "2 orang di depan Anda" in page.text and "Perkiraan waktu tunggu" in page.text
        assert "ticket.js" in page.text and 'http-equiv="refresh"' in page.text  # live, and without JavaScript
        live = await citizen.get(f"/t/{third['token']}/live")
        assert live.status_code == 200 and "<html" not in live.text and "2 orang di depan Anda" in live.text
    async with httpx.AsyncClient(transport=client._transport, base_url="https://testserver.local") as visitor:
        english = await visitor.get(f"/t/{third['token']}/live?lang=en")
        assert "2 people ahead of you" in english.text
    async with httpx.AsyncClient(transport=client._transport, base_url="https://testserver.local") as citizen:
        await post(client, f"/console/counters/{code}/call-next")
        assert "1 orang di depan Anda" in (await citizen.get(f"/t/{third['token']}/live")).text
        first = await Visit.select().where((Visit.unit == w["unit"]["id"]) & Visit.called_at.is_not_null()) \
            .first().run()
        await post(client, f"/console/visits/{first['id']}/outcome", {"outcome": "no_show"})
        await post(client, f"/console/counters/{code}/call-next")
        assert "Anda berikutnya" in (await citizen.get(f"/t/{third['token']}/live")).text
        second = await Visit.select().where((Visit.unit == w["unit"]["id"]) & Visit.called_at.is_not_null()
                                            & Visit.outcome.is_null()).first().run()
        await post(client, f"/console/visits/{second['id']}/outcome", {"outcome": "no_show"})
        await post(client, f"/console/counters/{code}/call-next")
        called = (await citizen.get(f"/t/{third['token']}/live")).text
        assert 'class="go-to"' in called and f"Silakan menuju {w['counter']['name']}" in called
        assert "di depan Anda" not in called


async def test_the_board_state_carries_each_calls_clips_in_the_boards_language(client, settings):
    w = await world()
    slug = w["unit"]["slug"]
    code = (await make_counter(w["unit"], w["services"], name="Loket 4", code="QX" + w["counter"]["code"][:8]))["code"]
    await login(client, w["officer"])
    for _ in range(35):
        await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})
    last = await last_visit(w["unit"]["id"])
    await post(client, f"/console/visits/{last['id']}/call", {"counter": code})
    async with httpx.AsyncClient(transport=client._transport, base_url="https://testserver.local") as tv:
        view = (await tv.get(f"/units/{slug}/board/state?lang=id")).json()
        [call] = view["state"]["recent"]
        assert (call["ticket"], call["counter_code"]) == ("A-035", code) and view["lang"] == "id"
        clips = view["clips"][call["key"]]
        assert [c.rsplit("/", 1)[1] for c in clips] == ["chime", "ticket-number", "a", "3", "puluh", "5",
                                                        "go-to-counter", "4"]  # loket empat
        assert all(c.startswith("/voice/id/") for c in clips)
        clip = await tv.get(clips[2])
        assert clip.status_code == 200 and clip.headers["content-type"] == "audio/mpeg" and len(clip.content) > 500
        english = (await tv.get(f"/units/{slug}/board/state?lang=en")).json()
        assert english["clips"][call["key"]][1] == "/voice/en/ticket-number"
        assert (await tv.get("/voice/id/..%2Fsecret")).status_code == 404
        assert (await tv.get("/voice/xx/chime")).status_code == 404
        own = settings.var_dir / "voice" / "id"
        own.mkdir(parents=True, exist_ok=True)
        counter_clip = own / f"counter-{code.lower()}.wav"
        counter_clip.write_bytes(b"RIFF0000WAVE")
        try:
            view = (await tv.get(f"/units/{slug}/board/state?lang=id")).json()
            assert view["clips"][call["key"]][-2:] == ["/voice/id/go-to", f"/voice/id/counter-{code.lower()}"]
            recorded = await tv.get(f"/voice/id/counter-{code.lower()}")
            assert recorded.content == b"RIFF0000WAVE" and recorded.headers["content-type"] == "audio/wav"
        finally:
            counter_clip.unlink()
        page = await tv.get(f"/units/{slug}/board")
        assert "Baru dipanggil" in page.text and "A-035" in page.text and "board_voice.js" in page.text
        assert "Nyalakan suara" in page.text
