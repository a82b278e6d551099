"""Review lists (back office). Bursts (issue 10): managers see many unbound answers from one address on one day
and mark them counted or not; every decision is audited and moves the published figures through the rollups.
Disagreements (issue 17): products whose officer record and citizen answer disagree (not right first time)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec
from litestar import Request, Router, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from portal.accounts.guards import ensure_can, requires
from portal.accounts.permissions import units_visible
from portal.feedback import queries, services
from portal.feedback.schemas import BurstReviewForm
from portal.insight import periods
from portal.insight.api import FromParam, ToParam
from portal.timeutil import last_days, latest_local_day
from portal.web import FORM, t

PeriodParam = Annotated[str | None, QueryParameter(name="period")]
BURST_DAYS = 30          # the bursts list opens on the last 30 local days
DISAGREEMENT_DAYS = 90   # the disagreements list on the last 90


def _scope(request: Request) -> list[int] | None:
    units = units_visible(request.user)
    return None if units is None else sorted(units)


async def _period(request: Request, default_days: int, period: str | None, date_from: str | None,
                  date_to: str | None) -> tuple[list[int] | None, dict]:
    """The units the reader sees and the picked period (default: the last `default_days` local days ending today,
    today being the latest local day among those units), as the template's picker context."""
    unit_ids = _scope(request)
    today = latest_local_day(await queries.unit_timezones(unit_ids))
    p, error = periods.chosen(period, date_from, date_to, today, periods.custom(*last_days(today, default_days)))
    return unit_ids, {"period": p, "period_choices": periods.choices(today), "today": today,
                      "period_error": t(request, error.message, value=error.value) if error else None}


async def _bursts_page(request: Request, period: str | None = None, date_from: str | None = None,
                       date_to: str | None = None, message: str | None = None, status_code: int = 200) -> Template:
    unit_ids, picked = await _period(request, BURST_DAYS, period, date_from, date_to)
    p = picked["period"]
    return Template("feedback/bursts.html", status_code=400 if picked["period_error"] else status_code, context={
        "bursts": await queries.bursts(unit_ids, p.start, p.end), "message": message,
        "minimum": queries.BURST_MIN, **picked})


@get("/console/bursts", name="feedback_bursts", guards=[requires("bursts.review")])
async def bursts(request: Request, period: PeriodParam = None, date_from: FromParam = None,
                 date_to: ToParam = None) -> Template:
    return await _bursts_page(request, period, date_from, date_to)


@post("/console/bursts", name="feedback_burst_review", guards=[requires("bursts.review")], status_code=303)
async def burst_review(request: Request, data: Annotated[BurstReviewForm, FORM]) -> Template | Redirect:
    fields = msgspec.structs.asdict(data)
    service = await queries.service_by_slug(fields["service"]) if fields["service"] else None
    try:
        day = date.fromisoformat(fields["day"].strip())
    except ValueError:
        day = None
    client = fields["client"].strip()
    if service is None or day is None or not client or len(client) > 64 \
            or fields["decision"] not in ("counted", "not_counted"):
        return await _bursts_page(request, message=t(request, "Choose a burst from the list and a decision."),
                                  status_code=400)
    ensure_can(request, "bursts.review", service["unit"])
    changed = await services.review_burst(request.user, service, day, client, fields["decision"] == "counted",
                                          fields["note"].strip()[:500])
    if not changed:
        return await _bursts_page(request, message=t(request, "Nothing to change: these answers already have that "
                                                     "decision."), status_code=400)
    return Redirect(path=request.app.route_reverse("feedback_bursts"), status_code=303)


@get("/console/disagreements", name="feedback_disagreements", guards=[requires("bursts.review")])
async def disagreements(request: Request, period: PeriodParam = None, date_from: FromParam = None,
                        date_to: ToParam = None) -> Template:
    """Products where the officer's record and the citizen's answer disagree (issue 17), in the picked period
    (default: the last 90 local days)."""
    unit_ids, picked = await _period(request, DISAGREEMENT_DAYS, period, date_from, date_to)
    p = picked["period"]
    return Template("feedback/disagreements.html", status_code=400 if picked["period_error"] else 200, context={
        "rows": await queries.disagreements(unit_ids, p.start, p.end), **picked})


burst_console = Router(path="/", include_in_schema=False, route_handlers=[bursts, burst_review, disagreements])
