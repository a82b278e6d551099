"""Sessions exist only for signed-in staff (issue 9, reads never write): an anonymous GET of any public page or API
creates no session (no file under var/sessions, no Redis key) and sets no session cookie; a malformed, unknown or
60 kB session cookie is ignored and never used as a store key."""

from __future__ import annotations

import pytest

from tests.factories import make_counter, make_service, make_unit, make_user
from tests.integration.queue_support import login
from tests.integration.test_no_server_errors import _get_routes


async def _stored_sessions(app, settings) -> set[str]:
    if settings.redis_url:
        store = app.stores.get("sessions").primary  # the RedisStore behind the in-process fallback
        keys = await store._redis.keys(f"{store.namespace}:*")
        return {k.decode() for k in keys}
    folder = settings.var_dir / "sessions"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


@pytest.fixture
async def public_urls(app):
    unit = await make_unit()
    service = await make_service(unit)
    counter = await make_counter(unit, [service])
    values = {"unit_slug": unit["slug"], "service_slug": service["slug"], "counter_code": counter["code"],
              "code": counter["code"], "slug": service["slug"]}
    urls = []
    for path, public in _get_routes(app):
        if not public:
            continue
        url = path
        for key, value in values.items():
            url = url.replace(f"{{{key}:str}}", value).replace(f"{{{key}}}", value)
        if "{" not in url:
            urls.append(url)
    assert len(urls) > 10
    return urls


async def test_anonymous_gets_create_no_session_and_set_no_session_cookie(client, app, settings, public_urls):
    before = await _stored_sessions(app, settings)
    for url in public_urls:
        response = await client.get(url)
        assert response.status_code < 500, url
        cookies = response.headers.get_list("set-cookie")
        assert not [c for c in cookies if c.startswith("portal_session")], (url, cookies)
    assert await _stored_sessions(app, settings) == before


@pytest.mark.parametrize("cookie", ["x" * 60_000, "../../etc/passwd", "ab" * 32, "null", "%00%ff", "A" * 64])
async def test_junk_session_cookies_are_ignored(client, app, settings, public_urls, cookie):
    before = await _stored_sessions(app, settings)
    headers = {"cookie": f"portal_session={cookie}"}
    for url in ("/", public_urls[0], "/api/v1/units", "/login"):
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
    assert await _stored_sessions(app, settings) == before


async def test_a_staff_session_is_stored_once_and_not_rewritten_on_reads(client, app, settings):
    unit = await make_unit()
    user = await make_user("officer", [unit])
    before = await _stored_sessions(app, settings)
    await login(client, user)
    after_login = await _stored_sessions(app, settings)
    assert len(after_login - before) == 1
    for _ in range(3):
        response = await client.get("/console")
        assert response.status_code == 200
        assert not [c for c in response.headers.get_list("set-cookie") if c.startswith("portal_session")]
    assert await _stored_sessions(app, settings) == after_login
