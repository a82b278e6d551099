"""Guards for back-office routes: the signed-in user, `requires(action)` and unit scope, all reading the one
permissions table in portal.accounts.permissions. Use on every route that is not public."""

from __future__ import annotations

from litestar.connection import ASGIConnection

from portal.accounts.auth import CurrentUser
from portal.accounts.permissions import current_user, denied, ensure_can, requires

__all__ = ["current_user", "ensure_can", "ensure_unit_access", "requires"]


def ensure_unit_access(connection: ASGIConnection, unit_id: int | None) -> CurrentUser:
    """Raise 403 unless the logged-in user is scoped to this unit (call it with the unit of the data touched)."""
    user = current_user(connection)
    if not user.can_access_unit(unit_id):
        raise denied(connection)
    return user
