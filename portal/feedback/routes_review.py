"""Review lists (back office). Bursts (issue 10): managers see many unbound answers from one address on one day
and mark them counted or not; every decision is audited and moves the published figures through the rollups.
Disagreements (issue 17): products whose officer record and citizen answer disagree (not right first time)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from litestar import Request, Router, get, post
from litestar.response import Redirect, Template

from portal.accounts.guards import ensure_can, requires
from portal.accounts.permissions import units_visible
from portal.feedback import queries, services
from portal.web import t

WINDOW_DAYS = 30


def _scope(request: Request) -> list[int] | None:
    units = units_visible(request.user)
    return None if units is None else sorted(units)


async def _page(request: Request, message: str | None = None, status_code: int = 200) -> Template:
    today = datetime.now(UTC).date()
    return Template("feedback/bursts.html", status_code=status_code, context={
        "bursts": await queries.bursts(_scope(request), today - timedelta(days=WINDOW_DAYS), today + timedelta(days=1)),
        "message": message, "window": WINDOW_DAYS, "minimum": queries.BURST_MIN})


@get("/console/bursts", name="feedback_bursts", guards=[requires("bursts.review")])
async def bursts(request: Request) -> Template:
    return await _page(request)


@post("/console/bursts", name="feedback_burst_review", guards=[requires("bursts.review")], status_code=303)
async def burst_review(request: Request) -> Template | Redirect:
    form = await request.form()
    fields = {k: v if isinstance(v := form.get(k), str) else "" for k in ("service", "day", "client",
                                                                              "decision", "note")}
    service = await queries.service_by_slug(fields["service"]) if fields["service"] else None
    try:
        day = date.fromisoformat(fields["day"].strip())
    except ValueError:
        day = None
    client = fields["client"].strip()
    if service is None or day is None or not client or len(client) > 64 \
            or fields["decision"] not in ("counted", "not_counted"):
        return await _page(request, t(request, "Choose a burst from the list and a decision."), 400)
    ensure_can(request, "bursts.review", service["unit"])
    changed = await services.review_burst(request.user, service, day, client, fields["decision"] == "counted",
                                          fields["note"].strip()[:500])
    if not changed:
        return await _page(request, t(request, "Nothing to change: these answers already have that decision."), 400)
    return Redirect(path=request.app.route_reverse("feedback_bursts"), status_code=303)


@get("/console/disagreements", name="feedback_disagreements", guards=[requires("bursts.review")])
async def disagreements(request: Request) -> Template:
    """Products where the officer's record and the citizen's answer disagree, last 90 days (issue 17)."""
    today = datetime.now(UTC).date()
    return Template("feedback/disagreements.html", context={
        "rows": await queries.disagreements(_scope(request), today - timedelta(days=90), today + timedelta(days=1)),
        "days": 90})


burst_console = Router(path="/", include_in_schema=False, route_handlers=[bursts, burst_review, disagreements])
