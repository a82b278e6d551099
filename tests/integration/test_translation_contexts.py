"""One English word, two meanings, two translations (issue 25 item 7): the catalogs are merged into one, so the
citizen's ticket page and the officer's console used to share whichever "Ticket" was read last ("Antrean" on the
citizen's page, whose own catalog says "Tiket"). Through HTTP, in Indonesian and in English."""

from __future__ import annotations

import re

import httpx

from tests.conftest import PortalClient
from tests.integration.queue_support import last_visit, login, post, world


def heading(html: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert found, html[-800:]
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


async def test_the_citizens_ticket_and_the_officers_queue_number(client, app):
    w = await world()
    await login(client, w["officer"])
    code = w["counter"]["code"]
    assert (await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})).status_code \
        == 303
    visit = await last_visit(w["unit"]["id"])
    number = visit["ticket_number"]

    officer = await client.get(f"/console/visits/{visit['id']}")
    assert officer.status_code == 200
    assert heading(officer.text).startswith(f"Antrean {number}")  # the queue number, in the officer's words
    assert '<option value="completed">Tuntas</option>' in officer.text  # the outcome, not the stage "Selesai"
    english = await client.get(f"/console/visits/{visit['id']}?lang=en")
    assert heading(english.text).startswith(f"Ticket {number}")
    assert '<option value="completed">Completed</option>' in english.text

    transport = httpx.ASGITransport(app=app, client=("10.25.7.1", 40000))
    async with PortalClient(transport=transport, base_url="https://testserver.local") as phone:
        citizen = await phone.get(f"/t/{visit['token']}")
        assert citizen.status_code == 200
        assert heading(citizen.text).startswith(f"Tiket {number}")  # the citizen's own catalog (feedback.po)
        assert "Antrean" not in heading(citizen.text)
        assert heading((await phone.get(f"/t/{visit['token']}?lang=en")).text).startswith(f"Ticket {number}")
