"""Accounts writes that own their transaction: login throttling per (account, client) with growing locks, the
admins' unlock, an admin creating an account (insert only: a name already taken is refused, never overwritten),
each with its audit entry.

Why per client: a lock on the account itself lets anyone lock out its owner (OWASP Authentication Cheat Sheet,
"Account Lockout": lockout must not become a denial of service). Here five wrong passwords from one client lock
only that client for that account: 15 minutes, doubling with every further failure (at most a day). The owner
signs in from their own device meanwhile; an admin can lift every lock; each lock and unlock is in the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from portal.accounts import audit, schemas
from portal.accounts.auth import CurrentUser
from portal.accounts.passwords import hash_password
from portal.db.tables import ROLES, Unit, User, UserUnit
from portal.db.tables_accounts import LoginThrottle
from portal.errors import Invalid, _t, unique_as_conflict
from portal.timeutil import utcnow

LOCK_AFTER_FAILURES = 5
FIRST_LOCK_MINUTES = 15
MAX_LOCK_MINUTES = 24 * 60


async def _known_units() -> set[int]:
    return {r["id"] for r in await Unit.select(Unit.id).run()}


def _snapshot(row: Mapping[str, Any], unit_ids: list[int]) -> dict:
    return {"username": row["username"], "display_name": row["display_name"], "role": row["role"],
            "active": row["active"], "unit_ids": sorted(unit_ids)}


async def _unit_ids_of(user_id: int) -> list[int]:
    rows = await UserUnit.select(UserUnit.unit).where(UserUnit.user == user_id).run()
    return sorted(r["unit"] for r in rows)


async def _set_units(user_id: int, unit_ids: list[int]) -> None:
    await UserUnit.delete().where(UserUnit.user == user_id).run()
    for unit_id in sorted(set(unit_ids)):
        await UserUnit.insert(UserUnit(user=user_id, unit=unit_id)).run()


async def create_user(actor: CurrentUser, form: schemas.NewUserForm) -> int:
    """A new account with its units and its audit entry, in one transaction; never updates an existing account
    (the `portal createuser` command is the one that may reset an account). A username already taken (also by a
    request a moment ago: the unique index refuses it) is Conflict(username) and nothing is stored."""
    values = form.validated(await _known_units())
    password_hash = await hash_password(values.password)
    with unique_as_conflict({"username": _t("This username is taken.")}):
        async with User._meta.db.transaction():
            rows = await User.insert(User(username=values.username, password_hash=password_hash, role=values.role,
                                          display_name=values.display_name)).returning(*User.all_columns()).run()
            user_id = rows[0]["id"]
            await _set_units(user_id, values.unit_ids)
            await audit.record(actor, "create", "user", user_id, unit_id=None, unit_ids=values.unit_ids,
                               after=_snapshot(rows[0], values.unit_ids))
    return user_id


async def update_user(actor: CurrentUser, row: Mapping[str, Any], form: schemas.UserEditForm) -> None:
    """Role, name, units and active flag with the audit entry (one per unit before and after), one transaction;
    an admin cannot remove their own admin access."""
    values = form.validated(row["username"], await _known_units(), editing_self=row["id"] == actor.id)
    async with User._meta.db.transaction():
        before = _snapshot(row, await _unit_ids_of(row["id"]))
        await User.update({User.role: values.role, User.display_name: values.display_name,
                           User.active: values.active}).where(User.id == row["id"]).run()
        await _set_units(row["id"], values.unit_ids)
        after = _snapshot({**row, "role": values.role, "display_name": values.display_name,
                           "active": values.active}, values.unit_ids)
        await audit.record(actor, "update", "user", row["id"], unit_id=None,
                           unit_ids=[*before["unit_ids"], *values.unit_ids], before=before, after=after)


async def set_password(actor: CurrentUser, user_id: int, form: schemas.PasswordForm) -> None:
    """A new password with its audit entry (also unlocks the account; open sessions end because their password
    stamp no longer matches). The hash never enters the audit log."""
    password_hash = await hash_password(form.validated())
    async with User._meta.db.transaction():
        await User.update({User.password_hash: password_hash, User.failed_logins: 0, User.locked_until: None}) \
            .where(User.id == user_id).run()
        await audit.record(actor, "reset_password", "user", user_id, unit_id=None,
                           unit_ids=await _unit_ids_of(user_id), note="password reset")


async def deactivate(actor: CurrentUser, row: Mapping[str, Any]) -> None:
    """The account can no longer sign in (its open sessions end); nothing happens to an inactive one."""
    if row["id"] == actor.id:
        raise Invalid(_t("You cannot remove your own admin access."))
    async with User._meta.db.transaction():
        changed = await User.update({User.active: False}).where(
            (User.id == row["id"]) & (User.active == True)).returning(User.id).run()  # noqa: E712
        if changed:
            await audit.record(actor, "deactivate", "user", row["id"], unit_id=None,
                               unit_ids=await _unit_ids_of(row["id"]), before={"active": True}, after={"active": False})


async def create_or_reset_user(username: str, password_hash: str, role: str, unit_slugs: list[str],
                               display_name: str = "") -> int:
    """The `portal createuser` command and the demo: create (or, if the username exists, reset) a user with these
    units; returns the user id. ValueError (an English sentence for the terminal) for a bad role or unit."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    units = await Unit.select(Unit.id, Unit.slug).where(Unit.slug.is_in(unit_slugs)).run() if unit_slugs else []
    missing = sorted(set(unit_slugs) - {u["slug"] for u in units})
    if missing:
        raise ValueError(f"unknown unit: {', '.join(missing)}")
    if role != "admin" and not units:
        raise ValueError("a head, manager or officer needs at least one --unit")
    async with User._meta.db.transaction():
        existing = await User.select(User.id).where(User.username == username).first().run()
        if existing:
            user_id = existing["id"]
            await User.update(
                {User.password_hash: password_hash, User.role: role, User.display_name: display_name or username,
                 User.active: True, User.failed_logins: 0, User.locked_until: None}
            ).where(User.id == user_id).run()
        else:
            rows = await User.insert(
                User(username=username, password_hash=password_hash, role=role, display_name=display_name or username)
            ).returning(User.id).run()
            user_id = rows[0]["id"]
        await _set_units(user_id, [u["id"] for u in units])
    return user_id


def client_id(address: str, secret: str) -> str:
    """A stable keyed hash of the client's address (the address itself is never stored)."""
    return hmac.new(secret.encode(), f"login-throttle:{address}".encode(), hashlib.sha256).hexdigest()[:32]


def lock_minutes(failures: int) -> int:
    """0 below five failures; then 15, 30, 60, ... minutes, at most a day."""
    if failures < LOCK_AFTER_FAILURES:
        return 0
    return min(MAX_LOCK_MINUTES, FIRST_LOCK_MINUTES * 2 ** (failures - LOCK_AFTER_FAILURES))


def _aware(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


async def locked_until(user_id: int, client: str, now: datetime) -> datetime | None:
    """When this client may try this account again, if it is locked now."""
    row = await LoginThrottle.select(LoginThrottle.locked_until).where(
        (LoginThrottle.user_id == user_id) & (LoginThrottle.client == client)).first().run()
    until = _aware(row["locked_until"]) if row else None
    return until if until and until > now else None


async def _units(user_id: int) -> list[int]:
    """The account's units: its lock and unlock are recorded in each one's audit log."""
    rows = await UserUnit.select(UserUnit.unit).where(UserUnit.user == user_id).order_by(UserUnit.unit).run()
    return [r["unit"] for r in rows]


async def record_failure(user_id: int, client: str, now: datetime) -> int:
    """Count a wrong password of this account from this client; returns the minutes it is now locked (0 = not)."""
    unit_ids = await _units(user_id)
    async with LoginThrottle._meta.db.transaction():
        row = await LoginThrottle.select().where(
            (LoginThrottle.user_id == user_id) & (LoginThrottle.client == client)).first().run()
        failures = (row["failures"] if row else 0) + 1
        minutes = lock_minutes(failures)
        until = now + timedelta(minutes=minutes) if minutes else None
        if row:
            await LoginThrottle.update({LoginThrottle.failures: failures, LoginThrottle.locked_until: until,
                                        LoginThrottle.updated_at: now}).where(LoginThrottle.id == row["id"]).run()
        else:
            await LoginThrottle.insert(LoginThrottle(user_id=user_id, client=client, failures=failures,
                                                     locked_until=until, updated_at=now)).run()
        await User.update({User.failed_logins: User.failed_logins + 1}).where(User.id == user_id).run()
        if minutes:
            await audit.record(None, "lockout", "user", user_id, unit_id=None, unit_ids=unit_ids, note=(
                f"{failures} failed logins from one client (ref {client[:8]}): that client is locked out of this "
                f"account for {minutes} minutes; other clients are not affected"))
    return minutes


async def record_success(user_id: int, client: str) -> None:
    async with LoginThrottle._meta.db.transaction():
        await LoginThrottle.delete().where(
            (LoginThrottle.user_id == user_id) & (LoginThrottle.client == client)).run()
        await User.update({User.failed_logins: 0, User.locked_until: None}).where(User.id == user_id).run()


async def active_locks(user_id: int, now: datetime) -> list[dict]:
    rows = await LoginThrottle.select(LoginThrottle.client, LoginThrottle.failures, LoginThrottle.locked_until).where(
        LoginThrottle.user_id == user_id).run()
    locks = [{**r, "locked_until": _aware(r["locked_until"])} for r in rows]
    return [r for r in locks if r["locked_until"] is not None and r["locked_until"] > now]


async def unlock(actor: CurrentUser, user_id: int) -> int:
    """An admin lifts every lock and failure count of the account; returns how many client locks were lifted."""
    now = utcnow()
    unit_ids = await _units(user_id)
    async with LoginThrottle._meta.db.transaction():
        lifted = len(await active_locks(user_id, now))
        await LoginThrottle.delete().where(LoginThrottle.user_id == user_id).run()
        await User.update({User.failed_logins: 0, User.locked_until: None}).where(User.id == user_id).run()
        await audit.record(actor, "unlock", "user", user_id, unit_id=None, unit_ids=unit_ids,
                           note=f"login locks lifted ({lifted} client(s))")
    return lifted


async def prune(now: datetime) -> None:
    """Forget throttle rows whose lock ended more than a day ago."""
    await LoginThrottle.delete().where(LoginThrottle.updated_at < now - timedelta(days=1)).run()
