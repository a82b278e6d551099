"""The one permissions table: which roles may do each back-office action, and whether it is scoped to a unit.

Every role check reads this table: route guards (`requires(action)`), objects looked up by id
(`ensure_can(connection, action, unit_id)`), services, flags handed to templates and the templates themselves
(the Jinja global `can('standards.approve')`), and the access test that walks every back-office route
(tests/integration/test_access_routes.py reads the action each route's guard names).

Rules of `can(user, action, unit_id=None)`:

- nobody signed in, or an inactive account: never;
- an admin: always, in every unit;
- otherwise the user's role must be listed for the action; for a unit-scoped action with a `unit_id`, that unit
  must also be one of the user's units (without a `unit_id` the question is "in some unit of theirs": list pages
  then show only the user's units, `units_visible(user)`).

A new back-office route names its action in its decorator, `guards=[requires("...")]` (add a row below when no
action fits); the access test then walks it for every role, for a user of another unit and for anonymous visitors,
and fails for a back-office route whose guard names no action.

| action                 | roles (admin always)     | unit-scoped | what it covers                                   |
|------------------------|--------------------------|-------------|--------------------------------------------------|
| session.end            | head, manager, officer   | no          | log out                                          |
| tickets.operate        | head, manager, officer   | yes         | console, counters' queues, tickets, visits       |
| complaints.record      | head, manager, officer   | yes         | record a complaint received at the counter       |
| complaints.handle      | head, manager            | yes         | the complaint register, its handling, settings   |
| services.view          | head, manager            | yes         | services and their standards (read)              |
| services.manage        | manager                  | yes         | create and edit services                         |
| standards.draft        | manager                  | yes         | draft, edit, discard a standard version          |
| standards.approve      | head                     | yes         | approve a standard version                       |
| counters.manage        | manager                  | yes         | counters, their services and QR posters          |
| maklumat.edit          | head, manager            | yes         | the unit's service pledge (maklumat)             |
| kiosks.view            | head, manager            | yes         | the list of kiosks                               |
| kiosks.manage          | manager                  | yes         | register, pair, revoke kiosks                    |
| imports.run            | head, manager            | yes         | import paper survey forms                        |
| bursts.review          | head, manager            | yes         | bursts of unbound answers, disagreements         |
| dashboard.view         | head, manager            | yes         | the management dashboard                         |
| actions.view           | head, manager            | yes         | corrective actions (read)                        |
| actions.plan           | manager                  | yes         | record the root cause and the action             |
| actions.close          | head                     | yes         | verify and close a corrective action             |
| evidence.view          | head, manager            | yes         | the management-review evidence pack (read)       |
| evidence.review        | head                     | yes         | record a management review                       |

The evidence pack follows ISO 9001 9.3: managers prepare the management review (they read the pack of their
units), heads conduct it (only they record it).
| audit.view             | head                     | yes         | the audit log                                    |
| diagnostic.view        | head, manager            | yes         | the ISO 18091 self-assessment (read)             |
| diagnostic.rate        | manager                  | yes         | rate indicators, upload evidence, fill measured  |
| diagnostic.verify      | head                     | yes         | verify a rating                                  |
| diagnostic.catalogue   | (admin only)             | no          | the indicator catalogue                          |
| users.manage           | (admin only)             | no          | staff accounts, roles and units                  |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from jinja2 import pass_context
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from portal.locale import gettext

if TYPE_CHECKING:
    from portal.accounts.auth import CurrentUser

ADMIN = "admin"
STAFF = frozenset({"head", "manager", "officer"})
HEAD_MANAGER = frozenset({"head", "manager"})
MANAGER = frozenset({"manager"})
HEAD = frozenset({"head"})
ADMIN_ONLY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Permission:
    roles: frozenset[str]  # besides admin, who may always
    unit_scoped: bool = True  # a user reaches only the units they are scoped to


PERMISSIONS: dict[str, Permission] = {
    "session.end": Permission(STAFF, unit_scoped=False),
    "tickets.operate": Permission(STAFF),
    "complaints.record": Permission(STAFF),
    "complaints.handle": Permission(HEAD_MANAGER),
    "services.view": Permission(HEAD_MANAGER),
    "services.manage": Permission(MANAGER),
    "standards.draft": Permission(MANAGER),
    "standards.approve": Permission(HEAD),
    "counters.manage": Permission(MANAGER),
    "maklumat.edit": Permission(HEAD_MANAGER),
    "kiosks.view": Permission(HEAD_MANAGER),
    "kiosks.manage": Permission(MANAGER),
    "imports.run": Permission(HEAD_MANAGER),
    "bursts.review": Permission(HEAD_MANAGER),
    "dashboard.view": Permission(HEAD_MANAGER),
    "actions.view": Permission(HEAD_MANAGER),
    "actions.plan": Permission(MANAGER),
    "actions.close": Permission(HEAD),
    "evidence.view": Permission(HEAD_MANAGER),
    "evidence.review": Permission(HEAD),
    "audit.view": Permission(HEAD),
    "diagnostic.view": Permission(HEAD_MANAGER),
    "diagnostic.rate": Permission(MANAGER),
    "diagnostic.verify": Permission(HEAD),
    "diagnostic.catalogue": Permission(ADMIN_ONLY, unit_scoped=False),
    "users.manage": Permission(ADMIN_ONLY, unit_scoped=False),
}


class _User(Protocol):
    @property
    def role(self) -> str: ...

    @property
    def unit_ids(self) -> frozenset[int]: ...


def permission(action: str) -> Permission:
    """The table's entry for `action`; an unknown name is a programming error, never a silent refusal."""
    try:
        return PERMISSIONS[action]
    except KeyError:
        raise KeyError(f"unknown action {action!r}: add it to portal.accounts.permissions.PERMISSIONS") from None


def is_admin(user: _User) -> bool:
    """An admin may do every action in every unit."""
    return user.role == ADMIN


def can(user: _User | None, action: str, unit_id: int | None = None) -> bool:
    """May `user` do `action` (in unit `unit_id`, when given)? See the module docstring for the rules."""
    rule = permission(action)
    if user is None or not getattr(user, "active", True):
        return False
    if is_admin(user):
        return True
    if user.role not in rule.roles:
        return False
    return not (rule.unit_scoped and unit_id is not None and unit_id not in user.unit_ids)


def units_visible(user: CurrentUser) -> frozenset[int] | None:
    """The units whose data a list page shows the user: None means every unit (an admin)."""
    return None if is_admin(user) else user.unit_ids


def _lang(connection: ASGIConnection) -> str:
    return connection.scope.get("state", {}).get("lang", "id")


def current_user(connection: ASGIConnection) -> CurrentUser:
    from portal.accounts.auth import CurrentUser

    user = connection.scope.get("user")
    if not isinstance(user, CurrentUser):
        raise NotAuthorizedException(gettext(_lang(connection), "Please log in first."))
    return user


def denied(connection: ASGIConnection) -> PermissionDeniedException:
    return PermissionDeniedException(gettext(_lang(connection), "You are not allowed to do this."))


class Guard:
    """A route guard for one action of the table (role only: the unit is checked once the object is loaded).
    `action` is public: the access test reads it to know each route's rule."""

    def __init__(self, action: str) -> None:
        permission(action)  # fail at import time for a misspelt action
        self.action = action
        self.__name__ = f"requires_{action.replace('.', '_')}"

    async def __call__(self, connection: ASGIConnection, _: BaseRouteHandler) -> None:
        if not can(current_user(connection), self.action):
            raise denied(connection)

    def __repr__(self) -> str:
        return f"requires({self.action!r})"


def requires(action: str) -> Guard:
    """Guard factory for route decorators: `@get(..., guards=[requires("standards.approve")])`."""
    return Guard(action)


def action_of(handler: BaseRouteHandler) -> str | None:
    """The action a route handler's guard names (None for a route without one)."""
    for layer in reversed(handler.ownership_layers):  # the handler's own guard first, then its routers'
        for guard in layer.guards or ():
            if isinstance(guard, Guard):
                return guard.action
    return None


def ensure_can(connection: ASGIConnection, action: str, unit_id: int | None) -> CurrentUser:
    """Raise 403 unless the signed-in user may do `action` in `unit_id` (the unit of the object looked up by id;
    None, an object without a unit, is refused to everyone but an admin, like ensure_unit_access)."""
    user = current_user(connection)
    if not can(user, action, unit_id) or (unit_id is None and permission(action).unit_scoped
                                           and not is_admin(user)):
        raise denied(connection)
    return user


@pass_context
def jinja_can(context: Any, action: str, unit_id: int | None = None) -> bool:
    """`can(action, unit_id=None)` in templates, asked for the user of the request being rendered."""
    request = context.get("request")
    scope = getattr(request, "scope", None) or {}
    return can(scope.get("user"), action, unit_id)
