"""The management review's one write from the evidence pack: record the nonconformities a closed period calls for."""

from __future__ import annotations

from litestar import Request, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from portal.accounts.guards import ensure_can, requires
from portal.insight import actions, api
from portal.insight.api import period_or_400


@post("/units/{unit_slug:str}/evidence/review", name="insight_evidence_review", guards=[requires("evidence.review")],
      status_code=303)
async def evidence_review(request: Request, unit_slug: FromPath[str],
                          period: FromQuery[str | None] = None) -> Redirect:
    """Open the nonconformities the period's figures call for (idempotent; a running period is not reviewed)."""
    unit = await api._unit(request, unit_slug)
    ensure_can(request, "evidence.review", unit["id"])
    p = period_or_400(request, None, None, unit["timezone"], period, default="closed_quarter")
    await actions.review_unit(unit, p)
    evidence = request.app.route_reverse("insight_evidence_page", unit_slug=unit["slug"])
    return Redirect(path=f"{evidence}?period={p.label}", status_code=303)


route_handlers = [evidence_review]
