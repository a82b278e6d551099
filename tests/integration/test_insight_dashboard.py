"""The dashboard through HTTP: roles and unit scope, filters, figures with intervals, charts with tables."""

from __future__ import annotations

import pytest

from tests.factories import make_unit, make_user
from tests.integration.test_insight_support import build_scene


@pytest.fixture
async def scene(app):
    return await build_scene()


async def _login(client, role, units):
    user = await make_user(role, units)
    r = await client.login(user["username"], user["password"])
    assert r.status_code == 303
    return user


async def test_head_sees_figures_with_intervals(client, scene):
    await _login(client, "head", [scene["unit"]])
    api = (await client.get(f"/api/v1/services/{scene['service']['slug']}/results?from=2026-03-01&to=2026-03-31")).json()
    r = await client.get(f"/dashboard?unit={scene['unit']['slug']}&period=2026-03&lang=en")
    assert r.status_code == 200, r.text[-2000:]
    html = r.text
    ikm = api["satisfaction"]["ikm"]
    assert f"{ikm:.2f}" in html
    assert "95% interval" in html
    assert "<svg" in html and 'role="img"' in html  # charts inline, with table equivalents
    assert "Every overcharge case" in html
    assert "Krejcie" in html
    assert "weakest" in html


async def test_filters_by_service_and_counter(client, scene):
    await _login(client, "manager", [scene["unit"]])
    r = await client.get(f"/dashboard?service={scene['service']['slug']}&from=2026-03-01&to=2026-03-31")
    assert r.status_code == 200
    r = await client.get(f"/dashboard?counter={scene['counter']['code']}&period=2026-Q1")
    assert r.status_code == 200


@pytest.mark.parametrize("query", ["period=2026-Q5", "period=last", "from=2026-03-31&to=2026-03-01",
                                   "service=no-such-service", "counter=NOPE00", "unit=no-such-unit"])
async def test_bad_filters_are_400(client, scene, query):
    await _login(client, "head", [scene["unit"]])
    r = await client.get(f"/dashboard?{query}")
    assert r.status_code == 400, (query, r.status_code)


async def test_officer_is_refused_and_other_units_are_403(client, scene):
    await _login(client, "officer", [scene["unit"]])
    assert (await client.get("/dashboard")).status_code == 403
    other = await make_unit()
    client.cookies.clear()
    await _login(client, "head", [other])
    r = await client.get(f"/dashboard?unit={scene['unit']['slug']}")
    assert r.status_code == 403
    r = await client.get(f"/dashboard?service={scene['service']['slug']}")
    assert r.status_code == 403


async def test_login_required(client):
    r = await client.get("/dashboard")
    assert r.status_code in (302, 303, 307) and "/login" in r.headers["location"]
