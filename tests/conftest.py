"""Test fixtures: one migrated database per test session (SQLite in a temp folder, or a fresh PostgreSQL database
when PORTAL_DATABASE_URL points at PostgreSQL), one app whose lifespan runs once, and per-test HTTP clients.

Integration tests share that database: create your own rows through tests.factories (unique slugs) rather than
assuming an empty table. The `demo` fixture seeds a small demo data set once per session.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import uuid
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]

# PORTAL_TEST_TODAY=YYYY-MM-DD runs the whole suite as if that were today: the clock (datetime, date, time) is
# moved to that day at the real time of day and keeps ticking, for every test; the event loop's monotonic clock
# is left alone. Unset, the suite runs on the real date. CI runs one pass more than a year ahead, so a test or a
# page that ages with the calendar fails the day it is written (tests.clock).
from tests.clock import start_test_today  # noqa: E402

start_test_today()


def _pg_admin_url(url: str) -> tuple[str, str]:
    base, _, _db = url.rpartition("/")
    return base, _db


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    from portal.settings import Settings

    var_dir = tmp_path_factory.mktemp("var")
    env = {"PORTAL_VAR_DIR": str(var_dir), "PORTAL_SECRET_KEY": "test-" + secrets.token_hex(16),
           "PORTAL_PUBLIC_URL": "https://layanan.test",
           # The test clients' base URL (https://testserver.local): the second name the site is reached under.
           "PORTAL_ALLOWED_HOSTS": "testserver.local",
           # No background refresher: tests run its passes by hand (tests.factories.refresh), so each test
           # sees exactly the figures it waited for.
           "PORTAL_REFRESH_SECONDS": "0"}
    database_url = os.environ.get("PORTAL_DATABASE_URL", "")
    created_db = None
    if database_url.startswith("postgres"):
        import asyncpg

        base, admin_db = _pg_admin_url(database_url)
        created_db = f"portal_test_{uuid.uuid4().hex[:10]}"

        async def create() -> None:
            conn = await asyncpg.connect(f"{base}/{admin_db}")
            await conn.execute(f'CREATE DATABASE "{created_db}"')
            await conn.close()

        asyncio.run(create())
        env["PORTAL_DATABASE_URL"] = f"{base}/{created_db}"
    if os.environ.get("PORTAL_REDIS_URL"):
        env["PORTAL_REDIS_URL"] = os.environ["PORTAL_REDIS_URL"]
        env["PORTAL_REDIS_NAMESPACE"] = f"portaltest{uuid.uuid4().hex[:8]}"
    yield Settings.from_env(env)
    if created_db:
        import asyncpg

        async def drop() -> None:
            conn = await asyncpg.connect(f"{base}/{admin_db}")
            await conn.execute(f'DROP DATABASE IF EXISTS "{created_db}" WITH (FORCE)')
            await conn.close()

        asyncio.run(drop())


@pytest.fixture(scope="session")
async def app(settings):
    """The portal app with migrations applied and its lifespan (engine, channels) running for the session."""
    from portal.app import create_app
    from portal.db.engine import current_engine
    from portal.db.migrate import migrate

    application = create_app(settings)
    started, stopping = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:
        # Entered and exited in this one task (anyio cancel scopes must not cross tasks).
        async with application.lifespan():
            await migrate(current_engine())
            started.set()
            await stopping.wait()

    task = asyncio.create_task(run_lifespan())
    await asyncio.wait([task, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # start-up failed: raise its error here
    yield application
    stopping.set()
    await task


@pytest.fixture(scope="session")
async def demo(app, settings):
    """A small seeded demo data set (the same generator as `portal demo`), shared by the session."""
    from portal.demo.seed import seed_demo
    from tests.factories import refresh

    seeded = await seed_demo(months=2, scale=0.15, seed=7, quiet=True, secret_key=settings.secret_key)
    await refresh()
    return seeded


class PortalClient(httpx.AsyncClient):
    """An HTTP client for the app that knows how to fetch the CSRF token of a form.

    The tests run without the background refresher (PORTAL_REFRESH_SECONDS=0); with `refreshed=True` (the
    default) every GET is preceded by one refresher pass, as if the reader came a few seconds after the last
    write. Tests of staleness itself use `refreshed=False` and call tests.factories.refresh by hand.
    """

    def __init__(self, *args, refreshed: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.refreshed = refreshed

    async def get(self, *args, **kwargs) -> httpx.Response:
        if self.refreshed:
            from tests.factories import refresh

            await refresh()
        return await super().get(*args, **kwargs)

    async def csrf(self, path: str = "/login") -> str:
        response = await self.get(path)
        token = self.cookies.get("csrftoken")
        match = re.search(r'name="_csrf_token" value="([^"]+)"', response.text)
        return match.group(1) if match else (token or "")

    async def login(self, username: str, password: str) -> httpx.Response:
        token = await self.csrf("/login")
        return await self.post("/login", data={"username": username, "password": password, "_csrf_token": token})


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app)
    async with PortalClient(transport=transport, base_url="https://testserver.local", follow_redirects=False) as c:
        yield c
