"""Shared helpers of the insight tests: write visits and responses as the other capabilities do (row + touch)."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

from portal.db.tables import SurveyResponse, Visit
from portal.insight.rollups import touch
from portal.timeutil import local_day, local_midnight_utc


def at(unit: dict, day: date, hour: int, minute: int = 0) -> datetime:
    """A UTC instant at local hour:minute of `day` in the unit's timezone."""
    return local_midnight_utc(unit["timezone"], day) + timedelta(hours=hour, minutes=minute)


async def add_visit(unit: dict, service: dict, arrived_at: datetime, *, counter: dict | None = None,
                    minutes: float | None = None, finished_at: datetime | None = None,
                    delivered_at: datetime | None = None, outcome: str | None = "completed",
                    fee_charged: int | None = None, correction_needed: bool | None = None,
                    survey_offered: bool = True, called_after: float | None = 2.0,
                    served_after: float | None = 3.0) -> int:
    if minutes is not None and finished_at is None:
        finished_at = arrived_at + timedelta(minutes=minutes)
    day = local_day(unit["timezone"], arrived_at)
    rows = await Visit.insert(Visit(
        unit=unit["id"], service=service["id"], counter=counter["id"] if counter else None, local_day=day,
        token=secrets.token_urlsafe(24), arrived_at=arrived_at, arrived_source="officer",
        called_at=arrived_at + timedelta(minutes=called_after) if called_after is not None else None,
        served_at=arrived_at + timedelta(minutes=served_after) if served_after is not None else None,
        finished_at=finished_at, delivered_at=delivered_at, outcome=outcome, fee_charged=fee_charged,
        correction_needed=correction_needed, survey_offered=survey_offered,
    )).returning(Visit.id).run()
    await touch(service["id"], day)
    return rows[0]["id"]


async def add_response(unit: dict, service: dict, day: date, answers: list[int | None], *,
                       counter: dict | None = None, visit: int | None = None, amount_paid: int | None = None,
                       extra_requirements: bool | None = None, product_correct: str | None = None,
                       comment: str = "", channel: str = "qr_counter") -> int:
    values = {f"u{i + 1}": a for i, a in enumerate(answers)}
    rows = await SurveyResponse.insert(SurveyResponse(
        unit=unit["id"], service=service["id"], counter=counter["id"] if counter else None, visit=visit,
        amount_paid=amount_paid, extra_requirements=extra_requirements, product_correct=product_correct,
        comment=comment, channel=channel, verified=visit is not None, local_day=day,
        submitted_at=datetime.now(UTC), **values,
    )).returning(SurveyResponse.id).run()
    await touch(service["id"], day)
    return rows[0]["id"]


DAY = date(2026, 3, 2)  # a Monday, in a closed quarter (2026-Q1)


def answers(seed: int, n: int) -> list[list[int | None]]:
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = rng.choice([1, 2, 3, 4], size=(n, 9), p=[0.05, 0.15, 0.5, 0.3]).tolist()
    for i in range(0, n, 7):
        rows[i][7] = None  # U8 left blank now and then
    return rows


async def build_scene(n_answers: int = 40, seed: int = 11) -> dict:
    """A unit with two services (one with data in March 2026, one empty) and a counter; known rows."""
    from tests.factories import make_counter, make_service, make_unit

    unit = await make_unit(timezone="Asia/Makassar")
    service = await make_service(unit, fee=5000, time_limit=(30, "minutes"))
    other = await make_service(unit, fee=0, time_limit=(2, "working_days"))
    counter = await make_counter(unit, [service, other])
    rows = answers(seed, n_answers)
    for i, row in enumerate(rows):
        await add_response(unit, service, DAY + timedelta(days=i % 5), row, counter=counter,
                           amount_paid=[None, 5000, 7000, 0][i % 4],
                           extra_requirements=[None, False, True, False][i % 4],
                           product_correct=[None, "yes", "no", "not_yet", "yes"][i % 5])
    minutes = [10, 25, 29, 31, 45, 20, 30, 50, 5, 12]
    for i, mins in enumerate(minutes):
        await add_visit(unit, service, at(unit, DAY + timedelta(days=i % 5), 9, i), counter=counter, minutes=mins,
                        fee_charged=[5000, 5000, 10000, None, 5000][i % 5],
                        correction_needed=[False, True, None, False, False][i % 5])
    await add_visit(unit, service, at(unit, DAY, 10), counter=counter, outcome="no_show", minutes=None)
    await add_response(unit, service, date(2026, 4, 15), [1] * 9, counter=counter)  # outside March
    return {"unit": unit, "service": service, "other": other, "counter": counter, "answers": rows,
            "minutes": minutes}


async def run_cli(settings, argv: list[str], capsys=None) -> tuple[int, str]:
    """Run `portal ...` (portal.cli.main) against the test database in a worker thread, then rebind the
    tables to the app's engine (the CLI configures its own)."""
    import asyncio
    import os

    from portal.cli import main
    from portal.db import engine as db

    saved = db._current
    env = {"PORTAL_VAR_DIR": str(settings.var_dir), "PORTAL_DATABASE_URL": settings.database_url,
           "PORTAL_SECRET_KEY": settings.secret_key, "PORTAL_PUBLIC_URL": settings.public_url}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        code = await asyncio.to_thread(main, argv)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        db._current = saved
        db.bind(saved)
    out = capsys.readouterr().out if capsys is not None else ""
    return code, out


async def record_review(client, unit_slug: str, period: str):
    """Press the evidence pack's "record the nonconformities of this period" button (a head's POST)."""
    token = await client.csrf(f"/units/{unit_slug}/evidence?period={period}")
    return await client.post(f"/units/{unit_slug}/evidence/review?period={period}", data={"_csrf_token": token})
