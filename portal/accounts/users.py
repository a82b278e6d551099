"""The admins' user management under /console/users: create, edit, reset password, deactivate, lift login locks."""

from __future__ import annotations

from litestar import Request, Router, get, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from portal.accounts import audit, queries, services
from portal.accounts.guards import current_user, requires
from portal.accounts.passwords import hash_password
from portal.db.tables import ROLES
from portal.timeutil import utcnow
from portal.web import chosen_ids, t

MIN_PASSWORD_LENGTH = 10


async def _users_page(request: Request, error: str | None = None, status: int = 200, form: dict | None = None,
                      error_field: str | None = None):
    units = await queries.all_units()
    return Template("accounts/users.html", status_code=status, context={
        "users": await queries.list_users(), "units": units, "units_by_id": {u["id"]: u for u in units},
        "roles": ROLES, "error": error, "error_field": error_field, "form": form or {}, "user": current_user(request),
    })


@get("/console/users", name="users", guards=[requires("users.manage")])
async def users_list(request: Request) -> Template:
    return await _users_page(request)


def _snapshot(row: dict | None, unit_ids: list[int]) -> dict:
    assert row is not None  # the user was read or written just before
    return {"username": row["username"], "display_name": row["display_name"], "role": row["role"],
            "active": row["active"], "unit_ids": sorted(unit_ids)}


async def _unit_ids_from_form(request: Request, form) -> list[int]:
    known = {u["id"] for u in await queries.all_units()}
    return chosen_ids(form.getall("unit", []), known, t(request, "Unknown unit."))


@post("/console/users", name="user_create", guards=[requires("users.manage")], status_code=303)
async def user_create(request: Request) -> Redirect | Template:
    """Create an account; never updates one: a username already taken (also by a request a moment ago) is a 409
    with the username field marked, and nothing changes."""
    form = await request.form()
    username = (form.get("username") or "").strip()
    role = form.get("role") or ""
    password = form.get("password") or ""
    display_name = (form.get("display_name") or "").strip()
    unit_ids = await _unit_ids_from_form(request, form)
    error = None
    if not username or len(username) > 80:
        error = t(request, "A username is required (at most 80 characters).")
    elif role not in ROLES:
        error = t(request, "Choose a role.")
    elif role != "admin" and not unit_ids:
        error = t(request, "A head, manager or officer needs at least one unit.")
    elif len(password) < MIN_PASSWORD_LENGTH:
        error = t(request, "The password needs at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
    kept = {"username": username, "display_name": display_name}
    if error:
        return await _users_page(request, error, 400, kept)
    try:
        user_id = await services.create_user(current_user(request), username, await hash_password(password), role,
                                             unit_ids, display_name)
    except services.UsernameTaken:
        return await _users_page(request, t(request, "This username is taken."), 409, kept, error_field="username")
    return Redirect(path=request.app.route_reverse("user_edit", user_id=user_id), status_code=303)


async def _user_or_404(request: Request, user_id: int) -> dict:
    row = await queries.user_by_id(user_id)
    if row is None:
        raise NotFoundException(t(request, "Unknown user."))
    return row


@get("/console/users/{user_id:int}", name="user_edit", guards=[requires("users.manage")])
async def user_edit(request: Request, user_id: FromPath[int], saved: FromQuery[str] = "") -> Template:
    row = await _user_or_404(request, user_id)
    return Template("accounts/user_edit.html", context={
        "target": row, "target_units": await queries.unit_ids_of(user_id), "units": await queries.all_units(),
        "locks": await services.active_locks(user_id, utcnow()),
        "roles": ROLES, "saved": saved, "error": None, "user": current_user(request),
    })


@post("/console/users/{user_id:int}", name="user_update", guards=[requires("users.manage")], status_code=303)
async def user_update(request: Request, user_id: FromPath[int]) -> Redirect:
    row = await _user_or_404(request, user_id)
    form = await request.form()
    role = form.get("role") or ""
    unit_ids = await _unit_ids_from_form(request, form)
    if role not in ROLES:
        raise ClientException(t(request, "Choose a role."))
    if role != "admin" and not unit_ids:
        raise ClientException(t(request, "A head, manager or officer needs at least one unit."))
    me = current_user(request)
    active = form.get("active") == "on"
    if user_id == me.id and (role != "admin" or not active):
        raise ClientException(t(request, "You cannot remove your own admin access."))
    before = _snapshot(row, await queries.unit_ids_of(user_id))
    display_name = (form.get("display_name") or "").strip()[:200] or row["username"]
    await queries.update_user(user_id, role=role, unit_ids=unit_ids, display_name=display_name, active=active)
    after = _snapshot(await queries.user_by_id(user_id), unit_ids)
    await audit.record(me, "update", "user", user_id, unit_id=None, unit_ids=[*before["unit_ids"], *unit_ids],
                       before=before, after=after)
    return Redirect(path=f"{request.app.route_reverse('user_edit', user_id=user_id)}?saved=1", status_code=303)


@post("/console/users/{user_id:int}/password", name="user_password", guards=[requires("users.manage")], status_code=303)
async def user_password(request: Request, user_id: FromPath[int]) -> Redirect:
    await _user_or_404(request, user_id)
    form = await request.form()
    password = form.get("password") or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ClientException(t(request, "The password needs at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
    await queries.set_password(user_id, await hash_password(password))
    units = await queries.unit_ids_of(user_id)
    await audit.record(current_user(request), "reset_password", "user", user_id, unit_id=None, unit_ids=units,
                       note="password reset")
    return Redirect(path=f"{request.app.route_reverse('user_edit', user_id=user_id)}?saved=1", status_code=303)


@post("/console/users/{user_id:int}/deactivate", name="user_deactivate", guards=[requires("users.manage")], status_code=303)
async def user_deactivate(request: Request, user_id: FromPath[int]) -> Redirect:
    row = await _user_or_404(request, user_id)
    me = current_user(request)
    if user_id == me.id:
        raise ClientException(t(request, "You cannot remove your own admin access."))
    units = await queries.unit_ids_of(user_id)
    if row["active"]:
        await queries.update_user(user_id, role=row["role"], unit_ids=units, display_name=row["display_name"],
                                  active=False)
        await audit.record(me, "deactivate", "user", user_id, unit_id=None, unit_ids=units,
                           before={"active": True}, after={"active": False})
    return Redirect(path=f"{request.app.route_reverse('user_edit', user_id=user_id)}?saved=1", status_code=303)




@post("/console/users/{user_id:int}/unlock", name="user_unlock", guards=[requires("users.manage")], status_code=303)
async def user_unlock(request: Request, user_id: FromPath[int]) -> Redirect:
    """Lift every login lock of the account (recorded in the audit log)."""
    await _user_or_404(request, user_id)
    await services.unlock(current_user(request), user_id)
    return Redirect(path=f"{request.app.route_reverse('user_edit', user_id=user_id)}?saved=1", status_code=303)


console_router = Router(path="/", route_handlers=[users_list, user_create, user_edit, user_update, user_password,
                                                  user_deactivate, user_unlock], include_in_schema=False)
route_handlers = [console_router]
