"""The admins' user management under /console/users: create, edit, reset password, deactivate, lift login locks.
Handlers read the typed form (portal.accounts.schemas), call one service of portal.accounts.services (the change
and its audit entry in one transaction) and render; a refused form comes back with each message beside its field."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from portal.accounts import queries, schemas, services
from portal.accounts.guards import current_user, requires
from portal.db.tables import ROLES
from portal.errors import DomainError, Invalid
from portal.timeutil import utcnow
from portal.web import FORM, form_errors, t


async def _users_page(request: Request, form: schemas.NewUserForm | None = None,
                      error: DomainError | None = None) -> Template:
    units = await queries.all_units()
    form = form or schemas.NewUserForm()
    return Template("accounts/users.html", status_code=error.status_code if error else 200, context={
        "users": await queries.list_users(), "units": units, "units_by_id": {u["id"]: u for u in units},
        "roles": ROLES, "errors": form_errors(request, error) if error else {}, "form": form,
        "chosen": set(schemas.many(form.unit)), "user": current_user(request),
    })


@get("/console/users", name="accounts_users", guards=[requires("users.manage")])
async def users_list(request: Request) -> Template:
    return await _users_page(request)


@post("/console/users", name="accounts_user_create", guards=[requires("users.manage")], status_code=303)
async def user_create(request: Request, data: Annotated[schemas.NewUserForm, FORM]) -> Redirect | Template:
    """Create an account; never updates one: a username already taken (also by a request a moment ago) is a 409
    with the username field marked, and nothing changes."""
    try:
        user_id = await services.create_user(current_user(request), data)
    except DomainError as exc:
        return await _users_page(request, schemas.NewUserForm(username=data.username, display_name=data.display_name,
                                                              role=data.role, unit=data.unit), exc)
    return Redirect(path=request.app.route_reverse("accounts_user_edit", user_id=user_id), status_code=303)


async def _user_or_404(request: Request, user_id: int) -> dict:
    row = await queries.user_by_id(user_id)
    if row is None:
        raise NotFoundException(t(request, "Unknown user."))
    return row


async def _edit_page(request: Request, row: dict, saved: str = "", form: schemas.UserEditForm | None = None,
                     error: DomainError | None = None) -> Template:
    target, target_units = row, await queries.unit_ids_of(row["id"])
    if form is not None:
        target = {**row, "display_name": form.display_name, "role": form.role, "active": form.active == "on"}
        target_units = schemas.ids(form.unit) or []
    return Template("accounts/user_edit.html", status_code=error.status_code if error else 200, context={
        "target": target, "target_units": target_units, "units": await queries.all_units(),
        "locks": await services.active_locks(row["id"], utcnow()), "roles": ROLES, "saved": saved,
        "errors": form_errors(request, error) if error else {}, "user": current_user(request),
    })


@get("/console/users/{user_id:int}", name="accounts_user_edit", guards=[requires("users.manage")])
async def user_edit(request: Request, user_id: FromPath[int], saved: FromQuery[str] = "") -> Template:
    return await _edit_page(request, await _user_or_404(request, user_id), saved)


def _saved(request: Request, user_id: int) -> Redirect:
    return Redirect(path=f"{request.app.route_reverse('accounts_user_edit', user_id=user_id)}?saved=1", status_code=303)


@post("/console/users/{user_id:int}", name="accounts_user_update", guards=[requires("users.manage")], status_code=303)
async def user_update(request: Request, user_id: FromPath[int],
                      data: Annotated[schemas.UserEditForm, FORM]) -> Redirect | Template:
    row = await _user_or_404(request, user_id)
    try:
        await services.update_user(current_user(request), row, data)
    except Invalid as exc:
        return await _edit_page(request, row, form=data, error=exc)
    return _saved(request, user_id)


@post("/console/users/{user_id:int}/password", name="accounts_user_password", guards=[requires("users.manage")], status_code=303)
async def user_password(request: Request, user_id: FromPath[int],
                        data: Annotated[schemas.PasswordForm, FORM]) -> Redirect | Template:
    row = await _user_or_404(request, user_id)
    try:
        await services.set_password(current_user(request), user_id, data)
    except Invalid as exc:
        return await _edit_page(request, row, error=exc)
    return _saved(request, user_id)


@post("/console/users/{user_id:int}/deactivate", name="accounts_user_deactivate", guards=[requires("users.manage")], status_code=303)
async def user_deactivate(request: Request, user_id: FromPath[int]) -> Redirect:
    await services.deactivate(current_user(request), await _user_or_404(request, user_id))
    return _saved(request, user_id)


@post("/console/users/{user_id:int}/unlock", name="accounts_user_unlock", guards=[requires("users.manage")], status_code=303)
async def user_unlock(request: Request, user_id: FromPath[int]) -> Redirect:
    """Lift every login lock of the account (recorded in the audit log)."""
    await _user_or_404(request, user_id)
    await services.unlock(current_user(request), user_id)
    return _saved(request, user_id)


console_router = Router(path="/", route_handlers=[users_list, user_create, user_edit, user_update, user_password,
                                                  user_deactivate, user_unlock], include_in_schema=False)
route_handlers = [console_router]
