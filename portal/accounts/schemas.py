"""The admins' user forms as typed inputs (Litestar reads the form body into these; `validated()` checks every
field at once and raises portal.errors.Invalid naming each wrong field)."""

from __future__ import annotations

import msgspec

from portal.catalog.schemas import Many, ids, many

__all__ = ["Many", "NewUserForm", "PasswordForm", "UserEditForm", "UserValues", "ids", "many"]
from portal.db.tables import ROLES
from portal.errors import Invalid, _t

MIN_PASSWORD_LENGTH = 10


class UserValues(msgspec.Struct):
    username: str
    display_name: str
    role: str
    unit_ids: list[int]
    active: bool = True
    password: str = ""


def _scope_errors(role: str, chosen: list[int] | None, known_units: set[int]) -> dict[str, str]:
    errors = {}
    if role not in ROLES:
        errors["role"] = _t("Choose a role.")
    if chosen is None or not set(chosen) <= known_units:
        errors["unit"] = _t("Unknown unit.")
    elif role != "admin" and not chosen:
        errors["unit"] = _t("A head, manager or officer needs at least one unit.")
    return errors


class NewUserForm(msgspec.Struct):
    username: str = ""
    display_name: str = ""
    role: str = ""
    unit: Many = msgspec.field(default_factory=list)
    password: str = ""

    def validated(self, known_units: set[int]) -> UserValues:
        username, chosen = self.username.strip(), ids(self.unit)
        errors = {}
        if not username or len(username) > 80:
            errors["username"] = _t("A username is required (at most 80 characters).")
        errors |= _scope_errors(self.role, chosen, known_units)
        if len(self.password) < MIN_PASSWORD_LENGTH:
            errors["password"] = _t("The password needs at least %(n)s characters.")
        if errors:
            raise Invalid.fields(errors, n=MIN_PASSWORD_LENGTH)
        return UserValues(username=username, display_name=self.display_name.strip()[:200] or username,
                          role=self.role, unit_ids=chosen or [], password=self.password)


class UserEditForm(msgspec.Struct):
    display_name: str = ""
    role: str = ""
    unit: Many = msgspec.field(default_factory=list)
    active: str = ""

    def validated(self, username: str, known_units: set[int], editing_self: bool) -> UserValues:
        chosen, role = ids(self.unit), self.role
        errors = _scope_errors(role, chosen, known_units)
        active = self.active == "on"
        if editing_self and (role != "admin" or not active) and "role" not in errors:
            errors["role"] = _t("You cannot remove your own admin access.")
        if errors:
            raise Invalid.fields(errors)
        return UserValues(username=username, display_name=self.display_name.strip()[:200] or username,
                          role=self.role, unit_ids=chosen or [], active=active)


class PasswordForm(msgspec.Struct):
    password: str = ""

    def validated(self) -> str:
        if len(self.password) < MIN_PASSWORD_LENGTH:
            raise Invalid(_t("The password needs at least %(n)s characters."), field="password",
                          n=MIN_PASSWORD_LENGTH)
        return self.password
