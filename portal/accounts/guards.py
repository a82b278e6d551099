"""Guards for back-office routes: role checks and unit scope. Use on every route that is not public."""

from __future__ import annotations

from collections.abc import Callable

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from portal.accounts.auth import CurrentUser
from portal.locale import gettext


def _lang(connection: ASGIConnection) -> str:
    return connection.scope.get("state", {}).get("lang", "id")


def current_user(connection: ASGIConnection) -> CurrentUser:
    user = connection.scope.get("user")
    if not isinstance(user, CurrentUser):
        raise NotAuthorizedException(gettext(_lang(connection), "Please log in first."))
    return user


def require_roles(*roles: str) -> Callable[[ASGIConnection, BaseRouteHandler], None]:
    """Guard: the user's role is one of `roles` (an admin always passes)."""

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        user = current_user(connection)
        if not (user.is_admin or user.role in roles):
            raise PermissionDeniedException(gettext(_lang(connection), "You are not allowed to do this."))

    guard.__name__ = f"require_roles_{'_'.join(roles) or 'admin'}"
    return guard


def ensure_unit_access(connection: ASGIConnection, unit_id: int | None) -> CurrentUser:
    """Raise 403 unless the logged-in user is scoped to this unit (call it with the unit of the data touched)."""
    user = current_user(connection)
    if not user.can_access_unit(unit_id):
        raise PermissionDeniedException(gettext(_lang(connection), "You are not allowed to do this."))
    return user
