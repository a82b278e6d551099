"""Public performance pages and open data: no login, aggregates only (never a comment or single response)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.integration.test_insight_support import DAY, add_response, build_scene


@pytest.fixture
async def scene(app):
    sc = await build_scene()
    sc["secret"] = "komentar-unik-" + sc["unit"]["slug"]
    await add_response(sc["unit"], sc["service"], DAY, [2] * 9, comment=sc["secret"], amount_paid=12345)
    return sc


async def test_public_pages_show_results_trend_and_plan(client, scene):
    unit, service = scene["unit"], scene["service"]
    r = await client.get(f"/performance/units/{unit['slug']}?period=2026-Q1&lang=en")
    assert r.status_code == 200, r.text[-1500:]
    api = (await client.get(f"/api/v1/services/{service['slug']}/results?from=2026-01-01&to=2026-03-31")).json()
    assert f"{api['satisfaction']['ikm']:.2f}" in r.text
    assert "Follow-up plan" in r.text and "Weakest unsur" in r.text
    assert "<svg" in r.text and "2026-03" in r.text
    assert scene["secret"] not in r.text
    s = await client.get(f"/performance/services/{service['slug']}?period=2026-Q1")
    assert s.status_code == 200 and scene["secret"] not in s.text


async def test_open_data_json_and_csv_are_aggregates(client, scene):
    unit, service = scene["unit"], scene["service"]
    for path in (f"/api/v1/performance/units/{unit['slug']}?period=2026-Q1",
                 f"/api/v1/performance/services/{service['slug']}?period=2026-Q1",
                 f"/api/v1/performance/units/{unit['slug']}/trend.csv?period=2026-Q1",
                 f"/api/v1/performance/services/{service['slug']}/trend.csv?period=2026-Q1",
                 f"/api/v1/units/{unit['slug']}/results.csv?from=2026-01-01&to=2026-03-31",
                 f"/api/v1/services/{service['slug']}/results.csv?from=2026-01-01&to=2026-03-31"):
        r = await client.get(path)
        assert r.status_code == 200, (path, r.text)
        assert scene["secret"] not in r.text
        assert "12345" not in r.text  # an individual amount never appears
    body = (await client.get(f"/api/v1/performance/services/{service['slug']}?period=2026-Q1")).json()
    assert body["period_label"] == "2026-Q1"
    assert [x["month"] for x in body["trend"]][-3:] == ["2026-01", "2026-02", "2026-03"]
    march = body["trend"][-1]
    assert march["satisfaction"]["n"] == 41
    assert body["weakest_unsur"]
    rows = list(csv.DictReader(io.StringIO(
        (await client.get(f"/api/v1/performance/units/{unit['slug']}/trend.csv?period=2026-Q1")).text)))
    assert len(rows) == 12 and rows[-1]["month"] == "2026-03"


async def test_default_period_is_last_closed_quarter_and_bad_period_is_400(client, scene):
    body = (await client.get(f"/api/v1/performance/units/{scene['unit']['slug']}")).json()
    assert body["period_label"].count("-Q") == 1
    assert (await client.get(f"/performance/units/{scene['unit']['slug']}?period=2026-Q9")).status_code == 400
    assert (await client.get("/performance/units/no-such-unit-zz")).status_code == 404


async def test_openapi_documents_performance(client):
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/performance/units/{unit_slug}" in schema["paths"]
    assert "/api/v1/performance/services/{service_slug}/trend.csv" in schema["paths"]
