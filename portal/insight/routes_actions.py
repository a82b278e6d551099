"""Insight routes for managers and heads: corrective actions (ISO 9001 10.2) listed, planned, verified, closed."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from portal.accounts.guards import current_user, ensure_unit_access, requires
from portal.errors import Invalid
from portal.insight import actions, scope
from portal.insight.schemas import ActionCloseForm, ActionPlanForm
from portal.web import FORM, form_errors, t

Q = QueryParameter


def _actor(request: Request) -> actions.Actor:
    user = current_user(request)
    return {"id": user.id, "username": user.username}


async def _item_or_404(request: Request, item_id: int) -> actions.NonconformityRow:
    found = await actions.item(item_id)
    if found is None:
        raise NotFoundException(t(request, "No such corrective action."))
    ensure_unit_access(request, found["unit"])
    return found


@get("/console/actions", name="insight_actions_list", guards=[requires("actions.view")])
async def actions_list(request: Request, status: Annotated[str | None, Q(name="status")] = None) -> Template:
    """Nonconformities of the user's units, open ones first (opened by `portal review` and the refresher)."""
    units = await scope.allowed_units(request)
    if status not in (None, "", "open", "closed", "all"):
        raise ClientException(t(request, "Unknown status filter."))
    statuses = {None: actions.OPEN_STATUSES, "": actions.OPEN_STATUSES, "open": actions.OPEN_STATUSES,
                "closed": ("closed",), "all": None}[status]
    rows = await actions.items([u["id"] for u in units], statuses)
    return Template("insight/actions.html", context={"items": rows, "status": status or "open",
                                                     "user": current_user(request)})


def _detail(request: Request, found: actions.NonconformityRow, history: list[actions.EventRow],
            errors: list[str] | None = None, form: dict | None = None, status_code: int = 200) -> Template:
    user = current_user(request)
    return Template("insight/action.html", status_code=status_code, context={
        "item": found, "history": history, "errors": errors or [], "form": form or {}, "user": user,
        "can_plan": user.can("actions.plan", found["unit"]) and found["status"] != "closed",
        "can_close": user.can("actions.close", found["unit"]) and found["status"] == "action_planned",
        "details": found["details"],
    })


@get("/console/actions/{item_id:int}", name="insight_action_detail", guards=[requires("actions.view")])
async def action_detail(request: Request, item_id: FromPath[int]) -> Template:
    found = await _item_or_404(request, item_id)
    return _detail(request, found, await actions.history(item_id))


@post("/console/actions/{item_id:int}/plan", name="insight_action_plan", guards=[requires("actions.plan")],
      status_code=303)
async def action_plan(request: Request, item_id: FromPath[int], data: Annotated[ActionPlanForm, FORM]) -> Response:
    """Managers of the unit record root cause, action, owner and due date (ISO 9001 10.2.1 b-c)."""
    found = await _item_or_404(request, item_id)
    try:
        await actions.plan(item_id, _actor(request), *data.validated(found["status"] == "closed"))
    except Invalid as exc:
        return _detail(request, found, await actions.history(item_id), list(form_errors(request, exc).values()),
                       data.values(), status_code=exc.status_code)
    return Redirect(path=request.app.route_reverse("insight_action_detail", item_id=item_id), status_code=303)


@post("/console/actions/{item_id:int}/close", name="insight_action_close", guards=[requires("actions.close")],
      status_code=303)
async def action_close(request: Request, item_id: FromPath[int], data: Annotated[ActionCloseForm, FORM]) -> Response:
    """Heads of the unit verify the action's effectiveness and close the item (a verification note is required)."""
    found = await _item_or_404(request, item_id)
    try:
        await actions.close(item_id, _actor(request), data.validated(found["status"]))
    except Invalid as exc:
        return _detail(request, found, await actions.history(item_id), list(form_errors(request, exc).values()),
                       {"verification_note": data.verification_note.strip()}, status_code=exc.status_code)
    return Redirect(path=request.app.route_reverse("insight_action_detail", item_id=item_id), status_code=303)


route_handlers = [actions_list, action_detail, action_plan, action_close]
