"""Counter kiosk through HTTP: console registration, the one-time pairing link, the plain form, the batch API
(idempotent replays, per-item refusals, the time an answer was given), revocation, visit binding."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from portal.db.tables import SurveyResponse, Visit
from portal.db.tables_kiosk import Kiosk, KioskAnswer
from portal.kiosk import services
from portal.timeutil import local_day
from tests.integration.queue_support import login, post, world

API = "/api/v1/kiosk/responses"


def item(**fields) -> dict:
    base = {"id": str(uuid.uuid4()), "given_at": datetime.now(UTC).isoformat(), "u": [4, 3, 3, 4, 3, 4, 4, 3, 4]}
    return {**base, **fields}


async def paired(counter: dict, service_slug: str | None = None) -> tuple[dict, str]:
    _kiosk_id, code = await services.create(counter, "stand", None)
    kiosk, token = await services.pair(code)
    return kiosk, token


async def stored_of(kiosk_id: int) -> list[dict]:
    ids = [r["response"] for r in await KioskAnswer.select(KioskAnswer.response)
           .where(KioskAnswer.kiosk == kiosk_id).run()]
    if not ids:
        return []
    return await SurveyResponse.select().where(SurveyResponse.id.is_in(ids)).order_by(SurveyResponse.id).run()


async def test_manager_registers_a_kiosk_and_the_tablet_pairs_once_then_answers_with_plain_forms(client):
    w = await world()
    await login(client, w["manager"])
    page = await client.get("/console/kiosks")
    assert page.status_code == 200 and w["counter"]["code"] in page.text
    created = await post(client, "/console/kiosks", {"counter": w["counter"]["code"], "label": "Meja keluar"})
    assert created.status_code == 200
    link = re.search(r'class="pairing-link" href="([^"]+)"', created.text).group(1)
    path = link.removeprefix("https://layanan.test")
    assert (await client.get(path)).status_code == 200
    paired_now = await post(client, path)
    assert paired_now.status_code == 303 and paired_now.headers["location"] == "/kiosk"
    assert (await client.get(path)).status_code == 404  # one-time: spent
    assert (await post(client, path)).status_code == 404
    kiosk_page = await client.get("/kiosk")
    assert kiosk_page.status_code == 200 and kiosk_page.text.count('class="screen"') == 11  # service + 9 + comment
    token = re.search(r'data-token="([^"]+)"', kiosk_page.text).group(1)
    row = await Kiosk.select().where(Kiosk.counter == w["counter"]["id"]).first().run()
    assert row["token_hash"] != token and len(row["token_hash"]) == 64  # only the hash is stored
    answer_id = re.search(r'name="id" value="([^"]+)"', kiosk_page.text).group(1)
    form = {"id": answer_id, "service": w["services"][1]["slug"], **{f"u{i}": "3" for i in range(1, 10)},
            "comment": "Cepat"}
    thanks = await post(client, "/kiosk", form)
    assert thanks.status_code == 200 and "Terima kasih" in thanks.text
    again = await post(client, "/kiosk", form)  # the same form sent twice is stored once
    assert again.status_code == 200
    rows = await stored_of(row["id"])
    assert len(rows) == 1 and rows[0]["channel"] == "kiosk" and rows[0]["service"] == w["services"][1]["id"]
    assert rows[0]["comment"] == "Cepat" and rows[0]["counter"] == w["counter"]["id"]
    bad = await post(client, "/kiosk", {**form, "id": str(uuid.uuid4()), "u2": "5"})
    assert bad.status_code == 400 and "antara 1 dan 4" in bad.text
    assert len(await stored_of(row["id"])) == 1
    listing = await client.get("/console/kiosks")
    assert "Meja keluar" in listing.text and "Dipasangkan" in listing.text


async def test_a_batch_stores_the_good_items_refuses_the_bad_ones_and_a_replay_stores_nothing(client):
    w = await world()
    kiosk, token = await paired(w["counter"])
    # The tablet was paired three days ago; it kept answers while offline.
    paired_at = datetime.now(UTC) - timedelta(days=3)
    await Kiosk.update({Kiosk.paired_at: paired_at}).where(Kiosk.id == kiosk["id"]).run()
    given = datetime.now(UTC) - timedelta(days=2, hours=1)
    slug = w["services"][0]["slug"]
    good = [item(service=slug, given_at=given.isoformat()), item(service=slug)]
    bad_score = item(service=slug, u=[4, 5, 3, 3, 3, 3, 3, 3, 3])
    future = item(service=slug, given_at=(datetime.now(UTC) + timedelta(hours=2)).isoformat())
    too_old = item(service=slug, given_at=(paired_at - timedelta(hours=1)).isoformat())
    foreign = item(service="no-such-service")
    batch = {"items": [good[0], bad_score, future, good[1], too_old, foreign, {"id": 3}]}
    response = await client.post(API, json=batch, headers={"x-kiosk-token": token})
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["stored"], result["duplicates"], result["refused"]) == (2, 0, 5)
    reasons = {r["id"]: r["reason"] for r in result["items"]}
    assert reasons[bad_score["id"]] == "bad_score" and reasons[future["id"]] == "future"
    assert reasons[too_old["id"]] == "before_pairing" and reasons[foreign["id"]] == "bad_service"
    assert result["items"][-1] == {"id": None, "status": "refused", "reason": "malformed",
                                   "message": "Jawaban ini tidak dapat dibaca."}
    rows = await stored_of(kiosk["id"])
    assert len(rows) == 2
    first = next(r for r in rows if r["submitted_at"] < datetime.now(UTC) - timedelta(days=1))
    assert abs(first["submitted_at"] - given) < timedelta(seconds=1)
    assert first["local_day"] == local_day(w["unit"]["timezone"], given)  # the day it was given, not synced
    replay = await client.post(API, json=batch, headers={"x-kiosk-token": token})
    assert (replay.json()["stored"], replay.json()["duplicates"]) == (0, 2)
    assert len(await stored_of(kiosk["id"])) == 2
    english = await client.post(API + "?lang=en", json={"items": [future]}, headers={"x-kiosk-token": token})
    assert english.json()["items"][0]["message"] == "The time the answer was given lies in the future."


async def test_an_unstorable_item_is_refused_alone_with_its_id_and_the_others_are_stored(client):
    """A NUL or a lone surrogate in one item (issue 24) once made the whole batch 400 (PostgreSQL) or 500 after the
    items before it were stored; now that item alone is refused, with its id (so the tablet can drop it) and its
    reason, and the results keep the items' order."""
    import json

    w = await world()
    kiosk, token = await paired(w["counter"])
    slug = w["services"][0]["slug"]
    good = [item(service=slug, comment="Ramah"), item(service=slug)]
    nul = item(service=slug, comment="a\x00b")
    surrogate = item(service=slug, comment="tanda \ud800 sendiri")
    odd_service = item(service="loket\x00")
    bad_id = {**item(service=slug), "id": "\ud83d" + "x" * 10}
    batch = [good[0], nul, surrogate, odd_service, good[1], bad_id]
    body = json.dumps({"items": batch}).encode()  # ensure_ascii: the lone surrogate travels as \ud800, as a browser sends it
    response = await client.post(API, content=body, headers={"x-kiosk-token": token,
                                                            "content-type": "application/json"})
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["stored"], result["duplicates"], result["refused"]) == (2, 0, 4)
    assert [r["id"] for r in result["items"][:5]] == [b["id"] for b in batch[:5]]  # in order, with their ids
    assert [r["status"] for r in result["items"]] == ["stored", "refused", "refused", "refused", "stored", "refused"]
    assert [r["reason"] for r in result["items"][1:4]] == ["bad_text"] * 3
    assert result["items"][5]["id"] is None and result["items"][5]["reason"] in ("bad_id", "bad_text", "malformed")
    assert "tidak dapat disimpan" in result["items"][1]["message"]
    rows = await stored_of(kiosk["id"])
    assert sorted(r["comment"] for r in rows) == ["", "Ramah"]
    replay = await client.post(API, content=body, headers={"x-kiosk-token": token, "content-type": "application/json"})
    assert (replay.json()["stored"], replay.json()["duplicates"], replay.json()["refused"]) == (0, 2, 4)


async def test_a_revoked_kiosk_is_refused_at_once_and_its_kept_answers_are_accepted_after_pairing_again(client):
    w = await world()
    kiosk, token = await paired(w["counter"])
    await login(client, w["manager"])
    kept = item(service=w["services"][0]["slug"])  # given before the revocation, still on the tablet
    revoked = await post(client, f"/console/kiosks/{kiosk['id']}/revoke")
    assert revoked.status_code == 303
    refused = await client.post(API, json={"items": [kept]}, headers={"x-kiosk-token": token})
    assert refused.status_code == 401 and "tidak dipasangkan" in refused.json()["error"]
    assert await stored_of(kiosk["id"]) == []
    client.cookies.set("portal_kiosk", token, path="/kiosk")
    assert (await client.get("/kiosk")).status_code == 401
    relink = await post(client, f"/console/kiosks/{kiosk['id']}/pairing")
    code = re.search(r"/kiosk/pair/([A-Za-z0-9_-]+)", relink.text).group(1)
    _again, new_token = await services.pair(code)
    assert (await client.post(API, json={"items": [kept]}, headers={"x-kiosk-token": token})).status_code == 401
    accepted = await client.post(API, json={"items": [kept]}, headers={"x-kiosk-token": new_token})
    assert accepted.json()["stored"] == 1
    # An officer of another unit cannot revoke it.
    other = await world()
    await client.post("/logout", data={"_csrf_token": client.cookies.get("csrftoken")})
    client.cookies.clear()
    await login(client, other["manager"])
    assert (await post(client, f"/console/kiosks/{kiosk['id']}/revoke")).status_code == 403
    assert (await post(client, "/console/kiosks", {"counter": w["counter"]["code"]})).status_code == 403


async def test_the_api_needs_a_token_and_never_reads_back(client):
    assert (await client.post(API, json={"items": []})).status_code == 401
    assert (await client.post(API, json={"items": []}, headers={"x-kiosk-token": "nope"})).status_code == 401
    assert (await client.get(API)).status_code == 405
    w = await world()
    _kiosk, token = await paired(w["counter"])
    assert (await client.post(API, content=b"{not json", headers={"x-kiosk-token": token})).status_code == 400
    too_many = {"items": [item() for _ in range(201)]}
    assert (await client.post(API, json=too_many, headers={"x-kiosk-token": token})).status_code == 400
    assert (await client.get("/kiosk")).status_code == 401  # no cookie: not paired
    assert (await client.get("/kiosk/pair/not-a-real-code")).status_code == 404


async def test_an_answer_given_while_the_officer_serves_a_visit_at_that_counter_is_bound_to_it(client):
    w = await world()
    kiosk, token = await paired(w["counter"])
    now = datetime.now(UTC)
    service = w["services"][0]
    rows = await Visit.insert(Visit(
        unit=w["unit"]["id"], service=service["id"], counter=w["counter"]["id"], origin="ticket",
        local_day=local_day(w["unit"]["timezone"], now), token=uuid.uuid4().hex, arrived_at=now - timedelta(minutes=20),
        arrived_source="officer", called_at=now - timedelta(minutes=5), called_source="officer",
        served_at=now - timedelta(minutes=4), served_source="officer")).returning(Visit.id).run()
    visit_id = rows[0]["id"]
    first, second = item(service=service["slug"]), item(service=service["slug"])
    result = await client.post(API, json={"items": [first, second]}, headers={"x-kiosk-token": token})
    assert result.json()["stored"] == 2
    stored = await stored_of(kiosk["id"])
    assert [r["visit"] for r in stored] == [visit_id, None]  # one answer per visit; the next is unbound
    assert stored[0]["verified"] is True and stored[1]["verified"] is False
    assert {r["channel"] for r in stored} == {"kiosk"}
    visit = await Visit.select(Visit.survey_offered).where(Visit.id == visit_id).first().run()
    assert visit["survey_offered"] is True


async def test_each_batch_and_heartbeat_reports_the_last_sync_and_the_answers_waiting(client):
    """The tablet says how many answers it holds with each batch (these included) or in an empty heartbeat;
    /console/kiosks shows when it last reached the server, in the unit's zone, and what it still holds."""
    w = await world()
    kiosk, token = await paired(w["counter"])
    headers = {"x-kiosk-token": token}
    assert (await client.post(API, json={"items": [item()], "waiting": 0}, headers=headers)).status_code == 400
    assert (await client.post(API, json={"items": [], "waiting": -1}, headers=headers)).status_code == 400
    row = await Kiosk.select(Kiosk.last_sync_at, Kiosk.waiting).where(Kiosk.id == kiosk["id"]).first().run()
    assert row == {"last_sync_at": None, "waiting": None}  # refused batches report nothing
    sent = await client.post(API, json={"items": [item(service=w["services"][0]["slug"]) for _ in range(2)],
                                        "waiting": 5}, headers=headers)
    assert sent.status_code == 200 and sent.json()["stored"] == 2
    row = await Kiosk.select(Kiosk.last_sync_at, Kiosk.waiting).where(Kiosk.id == kiosk["id"]).first().run()
    assert row["waiting"] == 3 and row["last_sync_at"] is not None
    await login(client, w["manager"])
    page = (await client.get("/console/kiosks")).text
    assert "Sinkronisasi terakhir" in page and "Jawaban menunggu di tablet" in page
    assert re.search(r'class="waiting num">3<', page) and "UTC" not in page
    assert re.search(r'class="last-sync">\d+ \w+ \d{4} \d\d:\d\d W(IB|ITA|IT)<', page), page
    beat = await client.post(API, json={"items": [], "waiting": 0}, headers=headers)
    assert beat.status_code == 200 and beat.json()["stored"] == 0
    assert (await Kiosk.select(Kiosk.waiting).where(Kiosk.id == kiosk["id"]).first().run())["waiting"] == 0
