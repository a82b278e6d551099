# ruff: noqa: F811  (pytest fixtures imported from test_feedback_support)
"""Counted answers by channel (issue 14) through HTTP: counter QR, ticket QR, kiosk API and paper import for one
service; the dashboard shows each channel's count and share, not-counted answers stay out, rebuild == folded."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from portal.db.tables import Visit
from portal.db.tables_insight import CHANNEL_COLUMNS, RollupDay
from portal.insight import rollups
from portal.kiosk import services as kiosk_services
from portal.queue import tickets
from portal.timeutil import local_day
from tests.factories import make_counter, make_service, make_user
from tests.integration.test_feedback_support import (  # noqa: F401
    ANSWERS,
    form_fields,
    phone,
    place,
    responses_of,
    survey_form,
    survey_path,
)


async def _qr_answer(phone, place, aged: bool = True):
    fields = {**await survey_form(phone, survey_path(place), aged=aged), **ANSWERS}
    response = await phone.post(survey_path(place), data=fields)
    assert response.status_code == 200, response.text[-2000:]


async def _ticket_answer(phone, place, settings):
    """An officer issues a ticket, calls and serves it (through the write path), the citizen answers at /t/."""
    officer = await make_user("officer", [place["unit"]])
    issued = await tickets.issue(unit=place["unit"], service_id=place["service"]["id"],
                                 counter_id=place["counter"]["id"], officer_id=officer["id"],
                                 standard_version_id=None, secret_key=settings.secret_key)
    visit = await Visit.select().where(Visit.id == issued.visit_id).first().run()
    await tickets.call(visit, place["counter"]["id"], officer["id"])
    await tickets.start(await Visit.select().where(Visit.id == issued.visit_id).first().run(), officer["id"])
    visit = await Visit.select().where(Visit.id == issued.visit_id).first().run()
    page = await phone.get(f"/t/{visit['token']}")
    response = await phone.post(f"/t/{visit['token']}/survey", data={**form_fields(page.text), **ANSWERS})
    assert response.status_code == 200, response.text[-2000:]


async def _kiosk_answers(client, place, n: int):
    _kiosk_id, code = await kiosk_services.create(place["counter"], "stand", None)
    _kiosk, token = await kiosk_services.pair(code)
    items = [{"id": str(uuid.uuid4()), "given_at": (datetime.now(UTC) - timedelta(minutes=i + 1)).isoformat(),
              "service": place["service"]["slug"], "u": [4, 3, 3, 4, 3, 4, 4, 3, 4]} for i in range(n)]
    response = await client.post("/api/v1/kiosk/responses", json={"items": items}, headers={"x-kiosk-token": token})
    assert response.status_code == 200 and response.json()["stored"] == n, response.text


async def _paper_answer(client, place, day: str):
    token = await client.csrf("/console/imports")
    response = await client.post("/console/imports", data={
        "_csrf_token": token, "service": place["service"]["slug"], "period_from": day, "period_to": day},
        files={"file": ("forms.csv", b"u1,u2,u3,u4,u5,u6,u7,u8,u9\n4,4,3,4,3,3,4,3,4\n", "text/csv")})
    assert response.status_code == 303, response.text[-2000:]


def _snapshot(rows):
    return sorted(({k: v for k, v in r.items() if k not in ("id", "computed_at")} for r in rows),
                  key=lambda r: (r["counter"], str(r["day"])))


async def test_dashboard_shows_counted_answers_by_channel(client, phone, place, settings):
    today = local_day(place["unit"]["timezone"]).isoformat()
    other = await make_service(place["unit"], name="Layanan Lain Uji")
    await make_counter(place["unit"], [other])
    await _qr_answer(phone, place)
    await _qr_answer(phone, place)
    await _qr_answer(phone, place, aged=False)  # too fast: stored, not counted, so in no channel
    await _ticket_answer(phone, place, settings)
    await _kiosk_answers(client, place, 3)
    manager = await make_user("manager", [place["unit"]])
    assert (await client.login(manager["username"], manager["password"])).status_code == 303
    await _paper_answer(client, place, today)
    stored = await responses_of(place["service"])
    assert sorted(r["channel"] for r in stored) == ["kiosk"] * 3 + ["paper"] + ["qr_counter"] * 3 + ["qr_ticket"]
    assert [r["count_reason"] for r in stored if not r["counted"]] == ["too_fast"]

    page = await client.get(f"/dashboard?service={place['service']['slug']}&from={today}&to={today}")
    assert page.status_code == 200, page.text[-2000:]
    line = page.text.split('id="channels"', 1)[1].split("</p>", 1)[0]
    # seven counted answers: 2 counter QR, 1 ticket QR, 3 kiosk, 1 paper (the too-fast one is not counted)
    for expected in ("QR loket 2 (29\u00a0%)", "QR tiket 1 (14\u00a0%)", "kios 3 (43\u00a0%)",
                     "formulir kertas 1 (14\u00a0%)"):  # a no-break space: a share never wraps from its sign
        assert expected in line, line
    assert "Dihitung menurut saluran" in line and "saluran lain" not in line
    english = await client.get(f"/dashboard?service={place['service']['slug']}&from={today}&to={today}&lang=en")
    line = english.text.split('id="channels"', 1)[1].split("</p>", 1)[0]
    assert "Counted by channel" in line and "counter QR 2 (29\u00a0%)" in line and "paper form 1 (14\u00a0%)" in line

    # the unit's dashboard lists the channels per service (the other service has no answer: no line)
    unit_page = await client.get(f"/dashboard?unit={place['unit']['slug']}&from={today}&to={today}&lang=id")
    table = unit_page.text.split('id="services"', 1)[1].split("</tbody>", 1)[0]

    def rows_of(name: str) -> str:  # a service's rows: its figures and, when it has answers, its channel line
        return table.split(f">{name}</a>", 1)[1].split('<th scope="row">', 1)[0]

    assert "kios 3 (43\u00a0%)" in rows_of(place["service"]["name"]) and "QR tiket 1 (14\u00a0%)" in rows_of(
        place["service"]["name"])
    assert 'class="channels"' not in rows_of(other["name"])

    # the channel counts add up to the counted responses, and the folded rollups equal a rebuild
    folded = _snapshot(await RollupDay.select().where(RollupDay.service == place["service"]["id"]).run())
    assert sum(r["responses"] for r in folded) == 7
    assert sum(r[c] for r in folded for c in CHANNEL_COLUMNS) == 7
    assert {c: sum(r[c] for r in folded) for c in CHANNEL_COLUMNS} == {
        "ch_qr": 2, "ch_ticket": 1, "ch_kiosk": 3, "ch_paper": 1, "ch_other": 0}
    await rollups.rebuild([place["service"]["id"]])
    rebuilt = _snapshot(await RollupDay.select().where(RollupDay.service == place["service"]["id"]).run())
    assert folded == rebuilt
