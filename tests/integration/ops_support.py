"""Helpers of the operations tests: a real `portal serve` in a subprocess on its own var folder and port (and, in
the scale-out pass, its own PostgreSQL database and Redis namespace), a seeded scene, and plain-HTTP walks."""

from __future__ import annotations

import asyncio
import io
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
#: The suite's clock (tests/clock.py: PORTAL_TEST_TODAY, PORTAL_TEST_CLOCK_SHIFT) reaches every server started here.
TEST_CLOCK = "PORTAL_TEST_"
ANSWERS = {f"u{i}": "3" for i in range(1, 10)}


def scale_out() -> bool:
    return os.environ.get("PORTAL_DATABASE_URL", "").startswith("postgres")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg(sql: str) -> None:
    import asyncpg

    base = os.environ["PORTAL_DATABASE_URL"].rpartition("/")[0]

    async def run() -> None:
        conn = await asyncpg.connect(f"{base}/postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@contextmanager
def portal_env(var_dir: Path, *, embedded: bool = False, **extra: str) -> Iterator[dict[str, str]]:
    """The environment of a portal of its own: a var folder, a secret, no background refresher unless asked;
    SQLite, or in the scale-out pass (unless `embedded`) a fresh PostgreSQL database (dropped afterwards) and a
    Redis namespace of its own."""
    env = {k: v for k, v in os.environ.items()
           if (not k.startswith("PORTAL_") or k.startswith(TEST_CLOCK)) and k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update({"PORTAL_VAR_DIR": str(var_dir), "PORTAL_SECRET_KEY": "ops-test-" + uuid.uuid4().hex,
                "PORTAL_REFRESH_SECONDS": "1", "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", "")})
    database = None
    if scale_out() and not embedded:
        database = f"portal_ops_{uuid.uuid4().hex[:10]}"
        _pg(f'CREATE DATABASE "{database}"')
        env["PORTAL_DATABASE_URL"] = f"{os.environ['PORTAL_DATABASE_URL'].rpartition('/')[0]}/{database}"
        env["PORTAL_REDIS_URL"] = os.environ.get("PORTAL_REDIS_URL", "redis://127.0.0.1:6379/0")
        env["PORTAL_REDIS_NAMESPACE"] = f"portalops{uuid.uuid4().hex[:8]}"
    env.update(extra)
    try:
        yield env
    finally:
        if database:
            _pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def run_portal(env: dict[str, str], *args: str, ok: bool = True, timeout: int = 300) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "portal", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)
    if ok:
        assert done.returncode == 0, f"portal {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def cli(env: dict[str, str], *args: str, ok: bool = True) -> Ran:
    """`portal ARGS` in this process (portal.cli.main, the same door as the console script, without a new
    interpreter's start-up), with the portal's environment `env` for the time of the call."""
    from portal.cli import main

    def settings_of(environ) -> list[str]:
        return [k for k in environ if k.startswith("PORTAL_") and not k.startswith(TEST_CLOCK)]

    saved = {k: os.environ[k] for k in settings_of(os.environ)}
    out, err = io.StringIO(), io.StringIO()
    try:
        for key in saved:
            del os.environ[key]
        os.environ.update({k: env[k] for k in settings_of(env)})
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
    finally:
        for key in settings_of(os.environ):
            del os.environ[key]
        os.environ.update(saved)
    ran = Ran(code, out.getvalue(), err.getvalue())
    if ok:
        assert code == 0, f"portal {' '.join(args)} failed:\n{ran.stdout}\n{ran.stderr}"
    return ran


async def _seed_scene(settings) -> dict:
    from portal.cli import apply_migrations
    from portal.kiosk import services as kiosk_services
    from tests.factories import make_counter, make_service, make_unit, make_user

    await apply_migrations(settings)
    unit = await make_unit(name="Dinas Operasi", timezone="Asia/Makassar")
    service = await make_service(unit, fee=10000, name="Akta Operasi")
    counter = await make_counter(unit, [service], name="Loket Operasi")
    officer = await make_user("officer", [unit])
    _kiosk_id, code = await kiosk_services.create(dict(counter), "uji", None)  # type: ignore[arg-type]
    paired = await kiosk_services.pair(code)
    assert paired is not None
    return {"unit": unit["slug"], "service": service["slug"], "service_id": service["id"], "counter": counter["code"],
            "officer": [officer["username"], officer["password"]], "kiosk_token": paired[1]}


def seed(env: dict[str, str]) -> dict:
    """Migrate the portal's database and make one unit, service, counter, officer and paired kiosk (in this
    process, on the portal's own database: the session's engine is put back afterwards)."""
    from portal.cli import run_with_db
    from portal.settings import Settings

    return run_with_db(_seed_scene, Settings.from_env(env))


def query(env: dict[str, str], sql: str) -> list[dict]:
    """Rows of one SQL statement on the portal's own database (either engine), read from this process."""
    from portal.cli import run_with_db
    from portal.db.tables import Unit
    from portal.settings import Settings

    async def work(settings) -> list[dict]:
        return await Unit.raw(sql).run()

    return run_with_db(work, Settings.from_env(env))


@contextmanager
def served(env: dict[str, str], *, workers: int = 1, log_level: str = "warning",
           port: int | None = None) -> Iterator[dict]:
    """`portal serve` on a free port until the block ends; its standard error in <var>/server.err."""
    port = port or free_port()
    var_dir = Path(env["PORTAL_VAR_DIR"])
    err_path, out_path = var_dir / "server.err", var_dir / "server.out"
    with open(err_path, "ab") as err, open(out_path, "ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "portal", "serve", "--port", str(port), "--log-level",
                                    log_level, "--workers", str(workers)], env=env, cwd=REPO, stdout=out, stderr=err)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, err_path)
        yield {"base": base, "port": port, "process": process, "err": err_path, "out": out_path}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_ready(base: str, process: subprocess.Popen, err_path: Path, timeout: float = 90) -> None:
    """Until /readyz answers 200 (the first refresher pass included)."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            response = httpx.get(f"{base}/readyz", timeout=5)
            if response.status_code == 200:
                return
            last = response.text
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.3)
    raise AssertionError(f"the portal did not become ready ({last}):\n" + err_path.read_text(errors="replace")[-4000:])


def hidden_fields(html: str) -> dict[str, str]:
    fields = {}
    for name in ("_csrf_token", "stamp"):
        match = re.search(rf'name="{name}" value="([^"]*)"', html)
        if match:
            fields[name] = match.group(1)
    return fields


def survey_path(scene: dict) -> str:
    return f"/c/{scene['counter']}/s/{scene['service']}/survey"


def answer_survey(client: httpx.Client, scene: dict, headers: dict | None = None, **fields: str) -> httpx.Response:
    """A citizen's walk: the counter page, the survey form, the answers (with `fields`)."""
    assert client.get(f"/c/{scene['counter']}", headers=headers, follow_redirects=True).status_code == 200
    form = client.get(survey_path(scene), headers=headers)
    assert form.status_code == 200, form.text[-1000:]
    return client.post(survey_path(scene), data={**hidden_fields(form.text), **ANSWERS, **fields}, headers=headers)


def kiosk_batch(client: httpx.Client, scene: dict, items: list[dict]) -> httpx.Response:
    return client.post("/api/v1/kiosk/responses", json={"items": items},
                       headers={"x-kiosk-token": scene["kiosk_token"]})
