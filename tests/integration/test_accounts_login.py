"""Login hardening through HTTP: lockout after repeated failures, rate limit, fresh session id, logout, forged sessions;
and the `portal createuser` command."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx

from portal.accounts.queries import user_by_name
from portal.db.tables import AuditLog, User
from portal.db.tables_accounts import LoginThrottle
from tests.conftest import PortalClient
from tests.factories import PASSWORD, make_unit, make_user, uid
from tests.integration.queue_support import last_visit, login, post, visit, world


def _from(app, address: str) -> PortalClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return PortalClient(transport=transport, base_url="https://testserver.local")


async def test_five_failures_lock_that_client_not_the_owner(app):
    unit = await make_unit()
    user = await make_user("officer", [unit])
    async with _from(app, "10.88.0.1") as attacker:
        for _ in range(4):
            assert (await attacker.login(user["username"], "wrong-password")).status_code == 401
        locked = await attacker.login(user["username"], "wrong-password")
        assert locked.status_code == 429
        assert "dikunci" in locked.text and "15" in locked.text
        right_password = await attacker.login(user["username"], user["password"])
        assert right_password.status_code == 429  # the right password does not open it from the locked client
        assert (await attacker.get("/console")).status_code in (302, 303)
    # the account's owner, on another client, signs in as usual
    async with _from(app, "10.88.0.2") as owner:
        await login(owner, user)
        assert (await owner.get("/console")).status_code == 200
    row = await user_by_name(user["username"])
    assert row["locked_until"] is None
    # the lockout is in the audit log
    entries = await AuditLog.select().where((AuditLog.entity == "user") & (AuditLog.entity_id == user["id"])).run()
    assert [e["action"] for e in entries] == ["lockout"] and "15 minutes" in entries[0]["details"]


async def test_locks_grow_and_an_admin_lifts_them(app):
    unit = await make_unit()
    user = await make_user("officer", [unit])
    admin = await make_user("admin", [])
    throttle = (LoginThrottle.user_id == user["id"])
    async with _from(app, "10.88.1.1") as attacker:
        for _ in range(5):
            await attacker.login(user["username"], "wrong-password")
        # the lock runs out; the next wrong password locks for twice as long
        await LoginThrottle.update({LoginThrottle.locked_until: datetime.now(UTC) - timedelta(seconds=1)}).where(
            throttle).run()
        again = await attacker.login(user["username"], "wrong-password")
        assert again.status_code == 429 and "30" in again.text
        row = await LoginThrottle.select().where(throttle).first().run()
        until = row["locked_until"] if row["locked_until"].tzinfo else row["locked_until"].replace(tzinfo=UTC)
        assert until > datetime.now(UTC) + timedelta(minutes=29)
        async with _from(app, "10.88.1.2") as office:
            await login(office, admin)
            page = await office.get(f"/console/users/{user['id']}?lang=en")
            assert "locked this account on 1 device" in page.text
            assert (await post(office, f"/console/users/{user['id']}/unlock")).status_code == 303
        await login(attacker, user)  # lifted
    actions = [e["action"] for e in await AuditLog.select().where(
        (AuditLog.entity == "user") & (AuditLog.entity_id == user["id"])).order_by(AuditLog.id).run()]
    assert actions == ["lockout", "lockout", "unlock"]
    assert await LoginThrottle.count().where(throttle).run() == 0


async def test_success_resets_the_failure_count(client):
    unit = await make_unit()
    user = await make_user("officer", [unit])
    for _ in range(3):
        await client.login(user["username"], "wrong-password")
    assert (await user_by_name(user["username"]))["failed_logins"] == 3
    await login(client, user)
    row = await user_by_name(user["username"])
    assert row["failed_logins"] == 0 and row["locked_until"] is None


async def test_login_is_rate_limited_per_client_and_account(app):
    from portal.accounts.routes import ACCOUNT_ATTEMPTS_PER_MINUTE, CLIENT_ATTEMPTS_PER_MINUTE

    target = uid("nobody")
    transport = httpx.ASGITransport(app=app, client=("10.77.1.2", 40000))
    async with PortalClient(transport=transport, base_url="https://testserver.local") as c:
        statuses = [(await c.login(target, "x")).status_code for _ in range(ACCOUNT_ATTEMPTS_PER_MINUTE + 1)]
        assert statuses == [401] * ACCOUNT_ATTEMPTS_PER_MINUTE + [429]
        assert (await c.login(uid("someone-else"), "x")).status_code == 401  # another account from this client
    # the same account from another client is not affected
    other = httpx.ASGITransport(app=app, client=("10.77.1.3", 40000))
    async with PortalClient(transport=other, base_url="https://testserver.local") as c:
        assert (await c.login(target, "x")).status_code == 401
    # per client overall (empty usernames are refused before any password hashing, so this is fast)
    spray = httpx.ASGITransport(app=app, client=("10.77.1.4", 40000))
    async with PortalClient(transport=spray, base_url="https://testserver.local") as c:
        token = await c.csrf("/login")
        statuses = [(await c.post("/login", data={"username": "", "password": "x", "_csrf_token": token})).status_code
                    for _ in range(CLIENT_ATTEMPTS_PER_MINUTE + 1)]
    assert statuses[:-1] == [401] * CLIENT_ATTEMPTS_PER_MINUTE and statuses[-1] == 429


async def test_login_gives_a_fresh_session_id_and_logout_ends_it(client):
    unit = await make_unit()
    user = await make_user("officer", [unit])
    fixed = "ab" * 32  # a session id planted by an attacker before login
    client.cookies.set("portal_session", fixed, domain="testserver.local")
    await login(client, user)
    new_id = client.cookies.get("portal_session")
    assert new_id and new_id != fixed
    assert (await client.get("/console")).status_code == 200
    async with PortalClient(transport=client._transport, base_url="https://testserver.local") as attacker:
        attacker.cookies.set("portal_session", fixed, domain="testserver.local")
        assert (await attacker.get("/console")).status_code in (302, 303)
    logout = await post(client, "/logout")
    assert logout.status_code == 303
    async with PortalClient(transport=client._transport, base_url="https://testserver.local") as replay:
        replay.cookies.set("portal_session", new_id, domain="testserver.local")
        response = await replay.get("/console")
        assert response.status_code in (302, 303) and "/login" in response.headers["location"]


async def test_forged_session_cookie_is_refused_and_changes_nothing(client):
    w = await world()
    code = w["counter"]["code"]
    await login(client, w["officer"])
    await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})
    v = await last_visit(w["unit"]["id"])
    async with PortalClient(transport=client._transport, base_url="https://testserver.local") as forger:
        forger.cookies.set("portal_session", "f" * 64, domain="testserver.local")
        page = await forger.get("/console")
        assert page.status_code in (302, 303) and "/login" in page.headers["location"]
        api_like = await forger.get("/console", headers={"accept": "application/json"})
        assert api_like.status_code == 401
        response = await post(forger, f"/console/visits/{v['id']}/call", {"counter": code})
        assert response.status_code in (302, 303, 401)
    assert await visit(v["id"]) == v


async def test_deactivated_user_cannot_log_in_and_loses_sessions(client):
    unit = await make_unit()
    user = await make_user("officer", [unit])
    await login(client, user)
    assert (await client.get("/console")).status_code == 200
    await User.update({User.active: False}).where(User.id == user["id"]).run()
    assert (await client.get("/console")).status_code in (302, 303)
    assert (await client.login(user["username"], user["password"])).status_code == 401


async def test_createuser_command_reads_password_from_stdin(app, settings):
    unit_a, unit_b = await make_unit(), await make_unit()
    name = uid("cli")
    env = {**os.environ, "PORTAL_VAR_DIR": str(settings.var_dir), "PORTAL_DATABASE_URL": settings.database_url,
           "PORTAL_SECRET_KEY": settings.secret_key}
    env.pop("PORTAL_REDIS_URL", None)
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "portal", "createuser", name, "--role", "manager", "--unit", unit_a["slug"],
         "--unit", unit_b["slug"]], input=f"{PASSWORD}\n", capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert f"user {name}" in done.stdout
    row = await user_by_name(name)
    assert row["role"] == "manager"
    async with PortalClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver.local") as c:
        await login(c, {"username": name, "password": PASSWORD})
        assert (await c.get(f"/console/units/{unit_b['slug']}/maklumat")).status_code == 200
    short = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "portal", "createuser", uid("cli"), "--role", "officer", "--unit",
                         unit_a["slug"]], input="short\n", capture_output=True, text=True, env=env, timeout=60)
    assert short.returncode == 2 and "10 characters" in short.stderr
    unknown = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "portal", "createuser", uid("cli"), "--role", "officer", "--unit",
                         "no-such-unit"], input=f"{PASSWORD}\n", capture_output=True, text=True, env=env, timeout=60)
    assert unknown.returncode == 2 and "unknown unit" in unknown.stderr


async def test_each_role_lands_where_it_works(app):
    """Signed in without a page to return to: an officer at the counter picker, a head and a manager on the
    dashboard, an administrator on the user list; a page asked for before signing in still wins (issue 26)."""
    import httpx

    from tests.conftest import PortalClient
    from tests.factories import make_service, make_unit, make_user

    unit = await make_unit()
    await make_service(unit)
    expected = {"officer": "/console", "head": "/dashboard", "manager": "/dashboard", "admin": "/console/users"}
    for role, landing in expected.items():
        user = await make_user(role, [unit] if role != "admin" else [])
        transport = httpx.ASGITransport(app=app)
        async with PortalClient(transport=transport, base_url="https://testserver.local") as c:
            response = await c.login(user["username"], user["password"])
            assert response.status_code == 303 and response.headers["location"] == landing, role
            assert (await c.get(landing)).status_code == 200, role
    head = await make_user("head", [unit])
    async with PortalClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver.local") as c:
        token = await c.csrf("/login?next=/console/complaints")
        response = await c.post("/login", data={"username": head["username"], "password": head["password"],
                                                "next": "/console/complaints", "_csrf_token": token})
        assert response.headers["location"] == "/console/complaints"


async def test_the_home_page_opens_the_complaint_and_staff_doors(client):
    page = (await client.get("/")).text
    for href in ('href="/complaints/new"', 'href="/complaints"', 'href="/login"'):
        assert href in page, href
    assert "Sampaikan pengaduan" in page and "Masuk untuk petugas" in page
