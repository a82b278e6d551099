"""Redis restarts under a running 2-worker server (a private redis-server on its own port, never the shared one):
while it is down no citizen page answers 5xx and a survey is stored and answered as stored; when it returns, the
live board on every worker receives the next ticket event within 10 s."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time

import httpx
import pytest

from portal.db.tables import SurveyResponse
from tests.integration.queue_support import world
from tests.integration.test_feedback_support import ANSWERS, form_fields
from tests.integration.test_queue_board import _free_port, _wait_ready

pytestmark = pytest.mark.skipif(
    not os.environ.get("PORTAL_REDIS_URL") or not shutil.which("redis-server"),
    reason="needs the scale-out mode (PostgreSQL + Redis) and a redis-server binary")


def _start_redis(port: int) -> subprocess.Popen:
    return subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def _wait_redis(port: int, timeout: float = 10) -> None:
    from redis.asyncio import Redis

    client = Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                if await client.ping():
                    return
            except Exception:  # not up yet
                await asyncio.sleep(0.1)
        raise TimeoutError(f"redis on {port}")
    finally:
        await client.aclose()


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def _login(client: httpx.AsyncClient, user: dict) -> str:
    await client.get("/login")
    response = await client.post("/login", data={"username": user["username"], "password": user["password"],
                                                 "_csrf_token": client.cookies.get("csrftoken")})
    assert response.status_code == 303, response.text[-500:]
    return client.cookies.get("csrftoken")


async def _next_event(ws, kind: str, deadline: float) -> dict:
    while True:
        event = json.loads(await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic())))
        if event["type"] == kind:
            return event


async def test_citizens_survive_a_redis_restart_and_boards_resume(app, settings):
    import websockets

    assert not settings.is_sqlite
    w = await world()
    code, slug, service = w["counter"]["code"], w["unit"]["slug"], w["services"][0]
    redis_port = _free_port()
    redis = _start_redis(redis_port)
    ports = [_free_port(), _free_port()]
    procs: list[subprocess.Popen] = []
    try:
        await _wait_redis(redis_port)
        for port in ports:
            env = {**os.environ, "PORTAL_DATABASE_URL": settings.database_url,
                   "PORTAL_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
                   "PORTAL_REDIS_NAMESPACE": settings.redis_namespace, "PORTAL_SECRET_KEY": settings.secret_key,
                   "PORTAL_VAR_DIR": str(settings.var_dir), "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}"}
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "portal.app:create_app", "--factory", "--host", "127.0.0.1",
                 "--port", str(port), "--log-level", "warning"],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        await asyncio.gather(*(_wait_ready(b, p) for b, p in zip(bases, procs, strict=True)))
        boards = [await websockets.connect(f"ws://127.0.0.1:{p}/ws/units/{slug}/queue") for p in ports]
        for ws in boards:
            assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "state"

        _stop(redis)  # --- Redis is down
        for base, served in zip(bases, w["services"], strict=True):  # one service each: one answer per citizen
            survey = f"/c/{code}/s/{served['slug']}/survey"
            async with httpx.AsyncClient(base_url=base) as citizen:
                for path in ("/", f"/c/{code}", survey, f"/api/v1/units/{slug}/queue", f"/units/{slug}/board",
                             "/services", "/login"):
                    response = await citizen.get(path)
                    assert response.status_code < 500, (base, path, response.status_code)
                before = await SurveyResponse.count().where(SurveyResponse.service == served["id"]).run()
                form = form_fields((await citizen.get(survey)).text)
                answered = await citizen.post(survey, data={**form, **ANSWERS})
                assert answered.status_code in (200, 303), (base, answered.status_code, answered.text[-800:])
                after = await SurveyResponse.count().where(SurveyResponse.service == served["id"]).run()
                assert after == before + 1  # stored, and answered as stored

        redis = _start_redis(redis_port)  # --- Redis returns (empty: it keeps nothing on disk)
        await _wait_redis(redis_port)
        returned = time.monotonic()
        async with httpx.AsyncClient(base_url=bases[1]) as officer:
            token = await _login(officer, w["officer"])  # sessions lived in Redis: sign in again
            issued = await officer.post(f"/console/counters/{code}/tickets",
                                        data={"service": service["id"], "_csrf_token": token})
            assert issued.status_code == 303
            deadline = returned + 10
            for ws in boards:
                event = await _next_event(ws, "issued", deadline)
                assert event["unit"] == slug
        assert time.monotonic() - returned < 10
        for ws in boards:
            await ws.close()
    finally:
        for proc in procs:
            _stop(proc)
        if redis.poll() is None:
            _stop(redis)
