"""Server-side session authentication (Litestar SessionAuth) and the user attached to each back-office request.

Public routers set `opt={"exclude_from_auth": True}`; every other route requires a logged-in, active user.
Sessions live in the "sessions" store: a FileStore under var/ in the embedded mode, Redis when configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.security.session_auth import SessionAuth
from litestar.types import Message
from litestar.utils.dataclass import extract_dataclass_items

from portal.accounts import queries

SESSION_MAX_AGE = 8 * 3600  # one working day
#: Put `ROTATE_KEY: True` into a new session (at login) to give it a fresh id: no session fixation.
ROTATE_KEY = "_rotate"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    display_name: str
    role: str
    unit_ids: frozenset[int]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_access_unit(self, unit_id: int | None) -> bool:
        """An admin reaches every unit; everyone else only the units they are scoped to."""
        return self.is_admin or (unit_id is not None and unit_id in self.unit_ids)


async def retrieve_user(session: dict[str, Any], connection: ASGIConnection) -> CurrentUser | None:
    user_id = session.get("uid")
    if not isinstance(user_id, int):
        return None
    row = await queries.user_by_id(user_id)
    if row is None or not row["active"] or session.get("pw") != row["password_hash"][-16:]:
        return None  # deactivated, or the password changed since this session began
    unit_ids = frozenset(await queries.unit_ids_of(user_id))
    return CurrentUser(row["id"], row["username"], row["display_name"] or row["username"], row["role"], unit_ids)


class RotatingSessionBackend(ServerSideSessionBackend):
    """Server-side sessions whose id is replaced (and the old one deleted from the store) when asked to rotate."""

    async def store_in_message(self, scope_session, message: Message, connection: ASGIConnection) -> None:
        if not (isinstance(scope_session, dict) and scope_session.pop(ROTATE_KEY, False)):
            await super().store_in_message(scope_session, message, connection)
            return
        store = self.config.get_store_from_app(connection.scope["app"])
        old_id = connection.cookies.get(self.config.key)
        if old_id and old_id != "null":
            await self.delete(old_id, store=store)
        new_id = self.generate_session_id()
        connection._connection_state.session_id = new_id  # type: ignore[attr-defined]
        await self.set(session_id=new_id, data=self.serialize_data(scope_session, connection.scope), store=store)
        params = dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))
        MutableScopeHeaders.from_message(message).add(
            "Set-Cookie", Cookie(value=new_id, key=self.config.key, **params).to_header(header="")
        )


class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def session_auth(secure_cookies: bool) -> SessionAuth[CurrentUser, RotatingSessionBackend]:
    return SessionAuth[CurrentUser, RotatingSessionBackend](
        retrieve_user_handler=retrieve_user,
        session_backend_config=RotatingSessionConfig(
            store="sessions", key="portal_session", max_age=SESSION_MAX_AGE, httponly=True,
            secure=secure_cookies, samesite="lax",
        ),
        exclude=["^/static/", "^/schema", "^/login", "^/favicon"],
        exclude_opt_key="exclude_from_auth",
    )
