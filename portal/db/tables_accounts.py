"""Tables of the accounts capability: login throttling per account and client (never a raw address)."""

from __future__ import annotations

from piccolo.columns import BigInt, Integer, Timestamptz, Varchar

from portal.db.table import Table


class LoginThrottle(Table, tablename="login_throttle"):
    """Failed logins of one account from one client (a keyed hash of its address): locks only that pair."""

    user_id = BigInt()
    client = Varchar(length=64)
    failures = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)
    updated_at = Timestamptz()
