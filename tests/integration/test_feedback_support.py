"""Shared helpers of the feedback tests: a citizen's phone (own client address), forms, counters with services."""

from __future__ import annotations

import re
import secrets

import httpx
import pytest

from portal.db.tables import SurveyResponse, Visit
from tests.conftest import PortalClient
from tests.factories import make_counter, make_service, make_unit

ANSWERS = {f"u{i}": "3" for i in range(1, 10)}


@pytest.fixture
async def phone(app):
    """A citizen's phone: its own client address, so rate limits of other tests never interfere."""
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with PortalClient(transport=transport, base_url="https://testserver.local", follow_redirects=False) as c:
        yield c


@pytest.fixture
async def place(app):
    """A unit with one counter serving one service (fee 15,000, 30 minutes)."""
    unit = await make_unit(name="Dinas Kependudukan Uji", maklumat_text="Kami sanggup melayani sesuai standar.",
                           maklumat_signer="Kepala Dinas Uji")
    service = await make_service(unit, fee=15000, time_limit=(30, "minutes"), name="Akta Kelahiran Uji",
                                 name_en="Birth certificate test")
    counter = await make_counter(unit, [service], name="Loket 1")
    return {"unit": unit, "service": service, "counter": counter}


def form_fields(html: str) -> dict[str, str]:
    """Hidden fields of the first POST form on the page (CSRF token, stamp)."""
    fields = {}
    for name in ("_csrf_token", "stamp"):
        match = re.search(rf'name="{name}" value="([^"]*)"', html)
        if match:
            fields[name] = match.group(1)
    return fields


async def survey_form(client, path: str, aged: bool = True) -> dict[str, str]:
    """The form's hidden fields. With `aged` (default) its stamp is replaced by one issued a minute ago, as for a
    citizen who took time to read (the counting rule does not count answers faster than the minimum reading
    time); aged=False keeps the stamp just served."""
    response = await client.get(path)
    assert response.status_code == 200, response.text[-2000:]
    fields = form_fields(response.text)
    if aged and "stamp" in fields:
        import time

        from portal.feedback.antiabuse import new_stamp

        fields["stamp"] = new_stamp(client._transport.app.state.settings.secret_key, now=time.time() - 60)
    return fields


async def responses_of(service: dict) -> list[dict]:
    return await SurveyResponse.select().where(SurveyResponse.service == service["id"]).order_by(
        SurveyResponse.id).run()


async def visits_of(service: dict) -> list[dict]:
    return await Visit.select().where(Visit.service == service["id"]).order_by(Visit.id).run()


def survey_path(place: dict) -> str:
    return f"/c/{place['counter']['code']}/s/{place['service']['slug']}/survey"
