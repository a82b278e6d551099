"""Login and logout: server-side sessions, rate limits, and throttling per account and client (services.py).
The admins' user management under /console/users lives in routes_users.py."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

import msgspec
from litestar import Request, Router, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.middleware.csrf import generate_csrf_token
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from portal.accounts import queries, routes_users, services
from portal.accounts.auth import CSRF_KEY, ROTATE_KEY
from portal.accounts.passwords import verify_password
from portal.accounts.permissions import requires
from portal.timeutil import unix_now, utcnow
from portal.web import client_address, client_key, t

#: Two limits on POST /login, keyed by a hash of the client address (never the raw IP): per client and account
#: (rapid guessing of one account; five failures also lock that client out of it, services.record_failure), and per
#: client overall (spraying many accounts) — generous, since a whole office may sit behind one NAT address.
ACCOUNT_ATTEMPTS_PER_MINUTE = 10
CLIENT_ATTEMPTS_PER_MINUTE = 200


def _client(request: Request) -> str:
    return client_key(request, request.app.state.settings)


async def _account_attempts_exceeded(request: Request, username: str) -> bool:
    """Count this attempt on (client, account) in a fixed one-minute window of the "login_rate_account" store."""
    store = request.app.stores.get("login_rate_account")
    key = _client(request) + ":" + hashlib.sha256(username.lower().encode()).hexdigest()[:24]
    now = unix_now()
    raw = await store.get(key)
    start, count = json.loads(raw) if raw else (now, 0)
    if now - start >= 60:
        start, count = now, 0
    count += 1
    await store.set(key, json.dumps([start, count]), expires_in=max(1, int(60 - (now - start)) + 1))
    return count > ACCOUNT_ATTEMPTS_PER_MINUTE


LOGIN_CLIENT_LIMIT = RateLimitConfig(
    rate_limit=("minute", CLIENT_ATTEMPTS_PER_MINUTE), store="login_rate", identifier_for_request=_client,
)


class LoginForm(msgspec.Struct):
    username: str = ""
    password: str = ""
    next: str = ""


#: Where each role lands after signing in without a page to return to: an officer at the counter picker, a head
#: or a manager on the dashboard (they run no counter), an administrator on the user list (issue 26).
LANDING = {"officer": "queue_console_home", "head": "insight_dashboard", "manager": "insight_dashboard",
           "admin": "accounts_users"}


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else ""


def _landing(request: Request, role: str, target: str) -> str:
    return _safe_next(target) or request.app.route_reverse(LANDING.get(role, "queue_console_home"))


def _login_page(request: Request, data: LoginForm, error: str, status: int) -> Template:
    return Template("accounts/login.html", status_code=status,
                    context={"next": _safe_next(data.next), "error": error, "username": data.username[:80]})


def _locked(request: Request, data: LoginForm, minutes: int) -> Template:
    """Only this client is locked out of this account; the owner can still sign in from their own device."""
    return _login_page(request, data, t(
        request, "Too many wrong passwords from this device: signing in to this account from here is locked for "
        "%(minutes)s minutes. Other devices are not affected.", minutes=minutes), 429)


@get("/login", name="accounts_login_form", opt={"exclude_from_auth": True})
async def login_form(request: Request, next: FromQuery[str] = "") -> Template:
    return Template("accounts/login.html", context={"next": _safe_next(next), "error": None, "username": ""})


@post("/login", name="accounts_login", opt={"exclude_from_auth": True}, status_code=303,
      middleware=[LOGIN_CLIENT_LIMIT.middleware])
async def login(
    request: Request, data: Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
) -> Template | Redirect:
    now = utcnow()
    username = data.username.strip()
    if not username:
        return _login_page(request, data, t(request, "Wrong username or password."), 401)
    if await _account_attempts_exceeded(request, username):
        return _login_page(request, data, t(request, "Too many requests. Please wait a moment and try again."), 429)
    row = await queries.user_by_name(username)
    client = services.client_id(client_address(request, request.app.state.settings), request.app.state.settings.secret_key)
    locked_until = await services.locked_until(row["id"], client, now) if row else None
    if locked_until:
        return _locked(request, data, max(1, int((locked_until - now).total_seconds() // 60) + 1))
    ok = await verify_password(row["password_hash"] if row else None, data.password)
    if not ok or row is None or not row["active"]:
        if row is not None and not ok:
            minutes = await services.record_failure(row["id"], client, now)
            if minutes:
                return _locked(request, data, minutes)
        return _login_page(request, data, t(request, "Wrong username or password."), 401)
    await services.record_success(row["id"], client)
    # A fresh session id at login (no session fixation); the password stamp ends sessions when it changes.
    # A fresh CSRF token too, bound to this session: a token planted or read before login is worthless after it.
    csrf = request.app.csrf_config
    assert csrf is not None  # create_app always configures CSRF
    token = generate_csrf_token(secret=csrf.secret)
    request.set_session({"uid": row["id"], "pw": row["password_hash"][-16:], CSRF_KEY: token, ROTATE_KEY: True})
    cookie = Cookie(key=csrf.cookie_name, value=token, path=csrf.cookie_path, secure=csrf.cookie_secure,
                    httponly=csrf.cookie_httponly, samesite=csrf.cookie_samesite, domain=csrf.cookie_domain)
    return Redirect(path=_landing(request, row["role"], data.next), status_code=303, cookies=[cookie])


@post("/logout", name="accounts_logout", guards=[requires("session.end")], status_code=303)
async def logout(request: Request) -> Redirect:
    request.clear_session()
    return Redirect(path=request.app.route_reverse("accounts_login_form"), status_code=303)


router = Router(path="/", route_handlers=[login_form, login, logout], include_in_schema=False)
route_handlers = [router, *routes_users.route_handlers]
