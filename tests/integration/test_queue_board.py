"""The live queue board: JSON state, the TV page, and "called" events over the websocket within 1 s — in one process
(Channels memory or Redis backend) and across two real server processes sharing PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

import httpx
import pytest

from portal.db.tables import Visit
from tests.integration.queue_support import login, post, world


class AsgiWebSocket:
    """A minimal in-process websocket client speaking ASGI to the app (same event loop as the app's channels)."""

    def __init__(self, app, path: str) -> None:
        self.app, self.path = app, path
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.outbox: asyncio.Queue = asyncio.Queue()

    async def __aenter__(self) -> AsgiWebSocket:
        scope = {"type": "websocket", "asgi": {"version": "3.0"}, "scheme": "wss", "path": self.path,
                 "raw_path": self.path.encode(), "query_string": b"", "root_path": "",
                 "headers": [(b"host", b"testserver.local")], "server": ("testserver.local", 443),
                 "client": ("127.0.0.1", 50000), "subprotocols": []}
        self.task = asyncio.create_task(self.app(scope, self.outbox.get, self.inbox.put))
        await self.outbox.put({"type": "websocket.connect"})
        message = await asyncio.wait_for(self.inbox.get(), 5)
        assert message["type"] == "websocket.accept", message
        return self

    async def receive_json(self, timeout: float = 2.0) -> dict:
        message = await asyncio.wait_for(self.inbox.get(), timeout)
        assert message["type"] == "websocket.send", message
        return json.loads(message.get("text") or message["bytes"])

    async def __aexit__(self, *exc) -> None:
        await self.outbox.put({"type": "websocket.disconnect", "code": 1000})
        try:
            await asyncio.wait_for(self.task, 5)
        except Exception:  # includes TimeoutError
            self.task.cancel()


async def _until(ws, event_type: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        event = await ws.receive_json(max(0.01, deadline - time.monotonic()))
        if event["type"] == event_type:
            return event


async def test_board_client_receives_called_event_within_one_second(app, client):
    w = await world()
    code, slug = w["counter"]["code"], w["unit"]["slug"]
    await login(client, w["officer"])
    await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})
    async with AsgiWebSocket(app, f"/ws/units/{slug}/queue") as ws:
        first = await ws.receive_json()
        assert first["type"] == "state" and first["state"]["waiting"] == 1
        started = time.monotonic()
        response = await post(client, f"/console/counters/{code}/call-next")
        assert response.status_code == 303
        event = await _until(ws, "called", 1.0)
        assert time.monotonic() - started < 1.0
        assert event["ticket"] == "A-001" and event["counter_code"] == code and event["unit"] == slug


async def test_queue_state_api_and_board_page(client):
    w = await world(timezone="Asia/Jayapura")
    code, slug = w["counter"]["code"], w["unit"]["slug"]
    await login(client, w["officer"])
    for _ in range(3):
        await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})
    await post(client, f"/console/counters/{code}/call-next")
    first = await Visit.select().where(Visit.unit == w["unit"]["id"]).order_by(Visit.id).first().run()
    # Known waits: 4 and 10 minutes (arrival moved back) -> median 7.
    await Visit.update({Visit.arrived_at: first["called_at"] - timedelta(minutes=4)}).where(
        Visit.id == first["id"]).run()
    for step in ("start", "finish"):  # one ticket in service per counter: A-001 done before A-002 is called
        assert (await post(client, f"/console/visits/{first['id']}/{step}")).status_code == 303
    await post(client, f"/console/counters/{code}/call-next")
    second = await Visit.select().where((Visit.unit == w["unit"]["id"]) & (Visit.ticket_number == "A-002")).first().run()
    await Visit.update({Visit.arrived_at: second["called_at"] - timedelta(minutes=10)}).where(
        Visit.id == second["id"]).run()

    anonymous = httpx.AsyncClient(transport=client._transport, base_url="https://testserver.local")
    state = (await anonymous.get(f"/api/v1/units/{slug}/queue")).json()
    assert state["unit"] == slug and state["waiting"] == 1
    assert state["serving"] == [{"counter": w["counter"]["name"], "ticket": "A-002", "counter_code": code}]
    assert state["median_wait_minutes"] == pytest.approx(7.0)

    page = await anonymous.get(f"/units/{slug}/board")
    assert page.status_code == 200
    assert "A-002" in page.text and 'http-equiv="refresh"' in page.text and "board.js" in page.text
    assert (await anonymous.get("/units/no-such-unit/board")).status_code == 404
    assert (await anonymous.get("/api/v1/units/no-such-unit/queue")).status_code == 404
    schema = (await anonymous.get("/schema/openapi.json")).json()
    assert "/api/v1/units/{unit_slug}/queue" in schema["paths"]
    await anonymous.aclose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _wait_ready(base: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as c:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stdout.read().decode() if proc.stdout else ''}")
            try:
                if (await c.get(f"{base}/login")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError(base)


@pytest.mark.skipif(not os.environ.get("PORTAL_REDIS_URL"),
                    reason="cross-process events need Redis (PORTAL_REDIS_URL) and PostgreSQL; embedded mode has one process")
async def test_called_event_crosses_worker_processes_through_redis(app, settings):
    import websockets

    assert not settings.is_sqlite, "the cross-process test needs PORTAL_DATABASE_URL=postgresql://…"
    w = await world()
    code, slug = w["counter"]["code"], w["unit"]["slug"]
    ports = [_free_port(), _free_port()]
    procs = []
    try:
        for port in ports:
            env = {**os.environ, "PORTAL_DATABASE_URL": settings.database_url, "PORTAL_REDIS_URL": settings.redis_url,
                   "PORTAL_REDIS_NAMESPACE": settings.redis_namespace, "PORTAL_SECRET_KEY": settings.secret_key,
                   "PORTAL_VAR_DIR": str(settings.var_dir), "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}"}
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "portal.app:create_app", "--factory", "--host", "127.0.0.1",
                 "--port", str(port), "--log-level", "warning"],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        a, b = (f"http://127.0.0.1:{p}" for p in ports)
        await asyncio.gather(_wait_ready(a, procs[0]), _wait_ready(b, procs[1]))
        async with httpx.AsyncClient(base_url=b) as officer:
            await officer.get("/login")
            token = officer.cookies.get("csrftoken")
            response = await officer.post("/login", data={"username": w["officer"]["username"],
                                                          "password": w["officer"]["password"], "_csrf_token": token})
            assert response.status_code == 303, response.text[-500:]
            token = officer.cookies.get("csrftoken")  # a new token is issued with the session at login
            issued = await officer.post(f"/console/counters/{code}/tickets",
                                        data={"service": w["services"][0]["id"], "_csrf_token": token})
            assert issued.status_code == 303
            async with websockets.connect(f"ws://127.0.0.1:{ports[0]}/ws/units/{slug}/queue") as ws:
                first = json.loads(await asyncio.wait_for(ws.recv(), 5))
                assert first["type"] == "state" and first["state"]["waiting"] == 1
                started = time.monotonic()
                called = await officer.post(f"/console/counters/{code}/call-next", data={"_csrf_token": token})
                assert called.status_code == 303
                while True:
                    remaining = 1.0 - (time.monotonic() - started)
                    event = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, remaining)))
                    if event["type"] == "called":
                        break
                assert time.monotonic() - started < 1.0
                assert event["ticket"] == "A-001" and event["counter_code"] == code
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
