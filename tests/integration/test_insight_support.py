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
