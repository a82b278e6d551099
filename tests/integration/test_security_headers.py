"""Security headers on every response (a public page, a console page, /schema, an error, a static file); /schema is
rendered from packaged templates with no third-party script and works offline; no page carries inline script or
style (the CSP forbids them), inline SVG charts included."""

from __future__ import annotations

import re

import pytest

from portal.insight import charts
from tests.factories import make_unit, make_user
from tests.integration.queue_support import login

INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=\"|\son[a-z]+=\"", re.I)


def assert_headers(response) -> None:
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"
    # tests run with PORTAL_PUBLIC_URL=https://layanan.test, so HSTS is on
    assert response.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize("path", ["/", "/services", "/schema", "/schema/openapi.json", "/api/v1/units",
                                  "/no-such-page", "/static/css/site.css", "/login"])
async def test_public_responses_carry_the_security_headers(client, path):
    response = await client.get(path)
    assert response.status_code in (200, 404)
    assert_headers(response)
    if response.headers["content-type"].startswith("text/html"):
        assert not INLINE.search(response.text), INLINE.search(response.text).group(0)


async def test_console_page_carries_the_security_headers(client):
    unit = await make_unit()
    await login(client, await make_user("officer", [unit]))
    response = await client.get("/console")
    assert response.status_code == 200
    assert_headers(response)
    assert not INLINE.search(response.text)


async def test_schema_page_works_offline_from_packaged_assets(client):
    response = await client.get("/schema")
    assert response.status_code == 200 and "/api/v1/units" in response.text
    urls = re.findall(r'(?:src|href)="([^"#]+)"', response.text)
    assert urls and all(u.startswith("/") or u.startswith("?") for u in urls), urls  # nothing from a CDN
    for url in {u for u in urls if u.startswith("/static/")}:
        assert (await client.get(url)).status_code == 200, url
    assert "<script" not in response.text


async def test_openapi_publishes_only_the_json_api_with_real_error_bodies(client):
    schema = (await client.get("/schema/openapi.json")).json()
    assert schema["paths"] and all(p.startswith("/api/") for p in schema["paths"])
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"status", "error"}
    for operations in schema["paths"].values():
        for operation in operations.values():
            for code in ("400", "404"):
                ref = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref == "#/components/schemas/Error"
    assert "security" not in schema and "securitySchemes" not in schema["components"]  # open data: no sign-in
    assert "status_code" not in str(schema) and "extra" not in str(schema["components"]["schemas"].get("Error"))
    # and the server really answers that shape
    body = (await client.get("/api/v1/services/tidak-ada")).json()
    assert set(body) == {"status", "error"} and body["status"] == 404


def test_charts_carry_no_inline_css():
    svg = charts.nrr_chart([{"code": "U1", "nrr": 3.1, "weakest": True}, {"code": "U2", "nrr": 3.4,
                                                                           "weakest": False}], "NRR")
    assert "<svg" in svg and not INLINE.search(svg)
    assert 'fill="#a4161a"' in svg and 'stroke-linejoin="round"' in svg  # the styling survives as attributes


def test_hsts_only_when_the_public_url_is_https():
    from portal.security import security_headers

    assert b"strict-transport-security" in dict(security_headers(https=True))
    plain = dict(security_headers(https=False))
    assert b"strict-transport-security" not in plain and b"content-security-policy" in plain
