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
from datetime import UTC, datetime, timedelta

from portal.accounts import audit
from portal.accounts.auth import CurrentUser
from portal.db.engine import is_unique_violation
from portal.db.tables import User, UserUnit
from portal.db.tables_accounts import LoginThrottle
from portal.timeutil import utcnow

LOCK_AFTER_FAILURES = 5
FIRST_LOCK_MINUTES = 15
MAX_LOCK_MINUTES = 24 * 60


class UsernameTaken(Exception):
    """Another account has this username (found before the insert, or by the unique index when two admins create
    the same name at once): nothing was written."""


async def create_user(actor: CurrentUser, username: str, password_hash: str, role: str, unit_ids: list[int],
                      display_name: str) -> int:
    """A new account with its units and its audit entry, in one transaction; never updates an existing account
    (the `portal createuser` command is the one that may reset an account). Raises UsernameTaken."""
    if await User.exists().where(User.username == username).run():
        raise UsernameTaken(username)
    try:
        async with User._meta.db.transaction():
            rows = await User.insert(User(username=username, password_hash=password_hash, role=role,
                                          display_name=display_name or username)).returning(User.id).run()
            user_id = rows[0]["id"]
            for unit_id in sorted(set(unit_ids)):
                await UserUnit.insert(UserUnit(user=user_id, unit=unit_id)).run()
            await audit.record(actor, "create", "user", user_id, unit_id=None, unit_ids=unit_ids, after={
                "username": username, "display_name": display_name or username, "role": role, "active": True,
                "unit_ids": sorted(set(unit_ids))})
    except Exception as exc:
        if is_unique_violation(exc):  # the same name created a moment ago, by another request
            raise UsernameTaken(username) from None
        raise
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
