"""Server-side session authentication (Litestar SessionAuth) and the user attached to each back-office request.

Public routers set `opt={"exclude_from_auth": True}`; every other route requires a logged-in, active user.
Sessions live in the "sessions" store: a FileStore under var/ in the embedded mode, Redis when configured.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.exceptions import PermissionDeniedException
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.security.session_auth import SessionAuth
from litestar.types import Message
from litestar.utils.dataclass import extract_dataclass_items

from portal.accounts import permissions, queries
from portal.locale import gettext

SESSION_MAX_AGE = 8 * 3600  # one working day
#: Put `ROTATE_KEY: True` into a new session (at login) to give it a fresh id: no session fixation.
ROTATE_KEY = "_rotate"
SESSION_COOKIE = "portal_session"
#: The session keeps the CSRF token issued at login; unsafe requests must present that very cookie.
CSRF_KEY = "csrf"
CSRF_COOKIE = "csrftoken"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_LOADED = "portal_session_loaded"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    display_name: str
    role: str
    unit_ids: frozenset[int]
    active: bool = True

    @property
    def is_admin(self) -> bool:
        return permissions.is_admin(self)

    def can(self, action: str, unit_id: int | None = None) -> bool:
        """The permissions table's answer for this user (portal.accounts.permissions.can)."""
        return permissions.can(self, action, unit_id)

    def can_access_unit(self, unit_id: int | None) -> bool:
        """An admin reaches every unit; everyone else only the units they are scoped to."""
        return self.is_admin or (unit_id is not None and unit_id in self.unit_ids)


def _csrf_bound(session: dict[str, Any], connection: ASGIConnection) -> bool:
    """A state-changing request of a signed-in user carries the CSRF cookie issued with this session at login
    (OWASP: a synchronizer token bound to the session), not merely any validly signed token."""
    if connection.scope.get("method", "GET") in SAFE_METHODS:
        return True
    issued = session.get(CSRF_KEY)
    cookie = connection.cookies.get(CSRF_COOKIE) or ""
    return isinstance(issued, str) and bool(cookie) and hmac.compare_digest(issued, cookie)


async def retrieve_user(session: dict[str, Any], connection: ASGIConnection) -> CurrentUser | None:
    user_id = session.get("uid")
    if not isinstance(user_id, int) or not isinstance(session.get(CSRF_KEY), str):
        return None  # (a session from before CSRF binding: sign in again)
    if not _csrf_bound(session, connection):
        lang = connection.scope.get("state", {}).get("lang", "id")
        raise PermissionDeniedException(gettext(lang, "This form has expired or did not come from this site. "
                                                "Please open the page again and resend it. Nothing was saved."))
    row = await queries.user_by_id(user_id)
    if row is None or not row["active"] or session.get("pw") != row["password_hash"][-16:]:
        return None  # deactivated, or the password changed since this session began
    unit_ids = frozenset(await queries.unit_ids_of(user_id))
    return CurrentUser(row["id"], row["username"], row["display_name"] or row["username"], row["role"], unit_ids)


#: A session id is exactly this: 32 random bytes as hex. Any other cookie value is ignored, never used as a key.
SESSION_ID = re.compile(r"[0-9a-f]{64}")


class StaffSessionBackend(ServerSideSessionBackend):
    """Server-side sessions for signed-in staff only.

    - No session cookie, or one that is not a well-formed id (e.g. 60 kB of junk): no store round-trip, the
      request runs with an empty session, and nothing is stored or set unless the handler logs someone in.
    - A session is written only when it changed (login, logout, rotation), so a staff GET writes nothing.
    - Put `ROTATE_KEY: True` into a new session (at login) to give it a fresh id (no session fixation).
    """

    @staticmethod
    def _valid_id(connection: ASGIConnection) -> str | None:
        value = connection.cookies.get(SESSION_COOKIE)
        return value if value and SESSION_ID.fullmatch(value) else None

    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        session_id = self._valid_id(connection)
        loaded: dict[str, Any] = {}
        if session_id:
            data = await self.get(session_id, store=self.config.get_store_from_app(connection.scope["app"]))
            if data is not None:
                try:
                    loaded = self.deserialize_data(data)
                except ValueError:
                    loaded = {}
        connection.scope.setdefault("state", {})[_LOADED] = (session_id if loaded else None, dict(loaded))
        return loaded

    def get_session_id(self, connection: ASGIConnection) -> str:
        return self._valid_id(connection) or ""

    async def store_in_message(self, scope_session, message: Message, connection: ASGIConnection) -> None:
        loaded_id, loaded = connection.scope.get("state", {}).get(_LOADED, (None, {}))
        if not loaded_id and not scope_session and connection.cookies.get(SESSION_COOKIE) is None:
            return  # a citizen's request (no session before or after): nothing to do, as cheaply as possible
        store = self.config.get_store_from_app(connection.scope["app"])
        params = dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))
        headers = MutableScopeHeaders.from_message(message)
        if not isinstance(scope_session, dict) or not scope_session:
            # Logged out or never logged in: forget a stored session; tell the browser only if it sent one.
            if loaded_id:
                await self.delete(loaded_id, store=store)
            if connection.cookies.get(SESSION_COOKIE) is not None:
                headers.add("Set-Cookie", Cookie(value="", key=self.config.key, expires=0, **params).to_header(header=""))
            return
        rotate = bool(scope_session.pop(ROTATE_KEY, False))
        if not rotate and loaded_id and scope_session == loaded:
            return  # unchanged: nothing to write
        session_id = loaded_id if (loaded_id and not rotate) else self.generate_session_id()
        if rotate and loaded_id:
            await self.delete(loaded_id, store=store)
        await self.set(session_id=session_id, data=self.serialize_data(scope_session, connection.scope), store=store)
        if session_id != loaded_id:
            headers.add("Set-Cookie", Cookie(value=session_id, key=self.config.key, **params).to_header(header=""))


class StaffSessionConfig(ServerSideSessionConfig):
    _backend_class = StaffSessionBackend


def session_auth(secure_cookies: bool) -> SessionAuth[CurrentUser, StaffSessionBackend]:
    return SessionAuth[CurrentUser, StaffSessionBackend](
        retrieve_user_handler=retrieve_user,
        session_backend_config=StaffSessionConfig(  # pyright: ignore[reportArgumentType]  # typed by its base's backend
            store="sessions", key=SESSION_COOKIE, max_age=SESSION_MAX_AGE, httponly=True,
            secure=secure_cookies, samesite="lax",
        ),
        exclude=["^/static/", "^/schema", "^/login", "^/favicon"],
        exclude_opt_key="exclude_from_auth",
    )
