"""Login and logout pages (server-side sessions)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from portal.accounts import queries
from portal.accounts.passwords import verify_password
from portal.web import t


class LoginForm(msgspec.Struct):
    username: str = ""
    password: str = ""
    next: str = "/console"


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/console"


@get("/login", name="login_form", opt={"exclude_from_auth": True})
async def login_form(request: Request, next: str = "/console") -> Template:
    return Template("accounts/login.html", context={"next": _safe_next(next), "error": None, "username": ""})


@post("/login", name="login", opt={"exclude_from_auth": True}, status_code=303)
async def login(
    request: Request, data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
) -> Template | Redirect:
    row = await queries.user_by_name(data.username.strip()) if data.username.strip() else None
    ok = await verify_password(row["password_hash"] if row else None, data.password)
    if not ok or row is None or not row["active"]:
        return Template(
            "accounts/login.html",
            context={"next": _safe_next(data.next), "error": t(request, "Wrong username or password."),
                     "username": data.username[:80]},
            status_code=401,
        )
    request.set_session({"uid": row["id"], "pw": row["password_hash"][-16:]})
    return Redirect(path=_safe_next(data.next), status_code=303)


@post("/logout", name="logout", status_code=303)
async def logout(request: Request) -> Redirect:
    request.clear_session()
    return Redirect(path="/", status_code=303)


router = Router(path="/", route_handlers=[login_form, login, logout], include_in_schema=False)
route_handlers = [router]
