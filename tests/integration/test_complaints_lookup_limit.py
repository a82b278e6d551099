"""Tracking-code look-ups are rate-limited per client like the other anonymous doors: the status page, its JSON and
the look-up form share one budget of 60 a minute per keyed address hash (portal.web.client_key, never the raw
address); the next one is 429 in the user's language, and another address is unaffected."""

from __future__ import annotations

import secrets

import httpx
from litestar import Request

from portal.complaints import codes
from portal.complaints.routes_public import LOOKUPS_PER_MINUTE
from portal.web import client_key
from tests.conftest import PortalClient
from tests.integration.test_complaints_http import code_of, file, place  # noqa: F401


def _address() -> str:
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


def _client(app, address: str) -> PortalClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return PortalClient(transport=transport, base_url="https://testserver.local", refreshed=False)


async def test_lookups_are_limited_per_client_and_keyed_by_a_hash(app, place):  # noqa: F811
    filer, address = _address(), _address()
    async with _client(app, filer) as phone:
        code = code_of(await file(phone, place))
    typed = codes.display(code).lower()
    urls = [f"/complaints/{code}", f"/api/v1/complaints/{code}", f"/complaints?code={typed}"]
    async with _client(app, address) as prober:
        assert (await prober.get("/complaints")).status_code == 200  # the empty look-up form is not counted
        for i in range(LOOKUPS_PER_MINUTE):
            response = await prober.get(urls[i % 3])
            assert response.status_code in (200, 303), (i, response.status_code)
        page = await prober.get(urls[0])
        assert page.status_code == 429 and "Terlalu banyak permintaan" in page.text
        api = await prober.get(urls[1] + "?lang=en")
        assert api.status_code == 429 and api.json()["error"].startswith("Too many requests")
        assert (await prober.get(f"/complaints?code={typed}")).status_code == 429
        assert (await prober.get("/complaints")).status_code == 200  # the form itself stays reachable
    async with _client(app, _address()) as neighbour:
        assert (await neighbour.get(urls[1])).status_code == 200

    store = app.stores.get("complaints_lookup_rate")
    scope = {"type": "http", "client": (address, 40000), "headers": [], "state": {}, "app": app,
             "method": "GET", "path": "/", "query_string": b""}
    hashed = client_key(Request(scope), app.state.settings)  # type: ignore[arg-type]
    assert address not in hashed
    assert await store.exists(f"RateLimitMiddleware::{hashed}")
    assert not await store.exists(f"RateLimitMiddleware::{address}")
