"""PORTAL_DEBUG (issue 25 item 9): off by default; on (development only), templates reload when their file changes
and an unexpected exception is answered with Litestar's traceback page instead of the portal's error page, while
every other error (a 404, a refused form) is answered as usual and the security headers stay.

Each test builds its own app from the session's settings with one route that fails, and gives the session's app
its engine back (create_app binds the tables to a new one; the new apps never start, so they touch no database)."""

from __future__ import annotations

import dataclasses

import httpx
from litestar import Litestar, get

from portal.app import create_app
from portal.db import engine as db
from tests.conftest import PortalClient


def probe_app(settings, debug: bool) -> Litestar:
    previous = db.current_engine()
    try:
        application = create_app(dataclasses.replace(settings, debug=debug))
    finally:
        db.bind(previous)
        db._current = previous

    @get("/debug-probe", name="debug_probe", opt={"exclude_from_auth": True}, include_in_schema=False)
    async def failing_page() -> str:
        raise RuntimeError("the probe fails on purpose")

    application.register(failing_page)
    return application


async def _get(application: Litestar, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    async with PortalClient(transport=transport, base_url="https://testserver.local", refreshed=False) as client:
        return await client.get(path, headers={"accept": "text/html"})


async def test_off_by_default_a_server_error_is_the_portals_page(app, settings):
    assert settings.debug is False
    application = probe_app(settings, debug=False)
    assert application.debug is False
    assert application.template_engine is not None and application.template_engine.engine.auto_reload is False
    response = await _get(application, "/debug-probe")
    assert response.status_code == 500
    assert "Terjadi kesalahan di pihak kami" in response.text  # the portal's page, in Indonesian
    assert "RuntimeError" not in response.text and "the probe fails on purpose" not in response.text


async def test_on_a_server_error_shows_the_traceback_and_templates_reload(app, settings):
    application = probe_app(settings, debug=True)
    assert application.debug is True
    assert application.template_engine is not None and application.template_engine.engine.auto_reload is True
    response = await _get(application, "/debug-probe")
    assert response.status_code == 500
    assert "RuntimeError" in response.text and "the probe fails on purpose" in response.text
    assert "test_debug_setting.py" in response.text  # the frames of the traceback
    assert "default-src 'self'" in response.headers["content-security-policy"]  # the headers stay

    missing = await _get(application, "/no-such-page")  # not a server error: the portal's own page
    assert missing.status_code == 404 and "Halaman tidak ditemukan" in missing.text
    assert "Traceback" not in missing.text
