"""Test helpers of the queue/accounts tests: CSRF-carrying posts, a logged-in unit world, direct visit reads."""

from __future__ import annotations

from portal.db.tables import Visit
from tests.factories import make_counter, make_service, make_unit, make_user


async def csrf_token(client) -> str:
    if not client.cookies.get("csrftoken"):
        await client.get("/login")
    return client.cookies.get("csrftoken") or ""


async def post(client, path: str, data: dict | list | None = None, **kwargs):
    """POST a urlencoded form with the CSRF token (data may be a list of pairs for repeated fields)."""
    token = await csrf_token(client)
    pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
    return await client.post(path, data=None, content=_encode([*pairs, ("_csrf_token", token)]),
                             headers={"content-type": "application/x-www-form-urlencoded"}, **kwargs)


def _encode(pairs: list) -> bytes:
    from urllib.parse import urlencode

    return urlencode([(k, "" if v is None else str(v)) for k, v in pairs]).encode()


async def login(client, user: dict) -> None:
    response = await client.login(user["username"], user["password"])
    assert response.status_code == 303, response.text[-800:]


async def world(timezone: str = "Asia/Makassar") -> dict:
    """A unit with two services, a counter offering both, and one user of each role."""
    unit = await make_unit(timezone=timezone)
    s1 = await make_service(unit, fee=0)
    s2 = await make_service(unit, fee=50_000, time_limit=(3, "working_days"))
    counter = await make_counter(unit, [s1, s2])
    users = {role: await make_user(role, [unit]) for role in ("head", "manager", "officer")}
    return {"unit": unit, "services": [s1, s2], "counter": counter, **users}


async def visit(visit_id: int) -> dict:
    return await Visit.select().where(Visit.id == visit_id).first().run()


async def last_visit(unit_id: int) -> dict:
    return await Visit.select().where(Visit.unit == unit_id).order_by(Visit.id, ascending=False).first().run()
