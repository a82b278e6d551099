"""Reads of users and their unit scope (the writes: portal.accounts.services)."""

from __future__ import annotations

from portal.db.tables import Unit, User, UserUnit


async def user_by_name(username: str) -> dict | None:
    return await User.select().where(User.username == username).first().run()


async def user_by_id(user_id: int) -> dict | None:
    return await User.select().where(User.id == user_id).first().run()


async def unit_ids_of(user_id: int) -> list[int]:
    rows = await UserUnit.select(UserUnit.unit).where(UserUnit.user == user_id).run()
    return sorted(row["unit"] for row in rows)


async def list_users(unit_id: int | None = None) -> list[dict]:
    """Every user (or those scoped to one unit), with their unit ids, ordered by username."""
    users = await User.select(
        User.id, User.username, User.display_name, User.role, User.active, User.locked_until, User.created_at
    ).order_by(User.username).run()
    links = await UserUnit.select(UserUnit.user, UserUnit.unit).run()
    by_user: dict[int, list[int]] = {}
    for link in links:
        by_user.setdefault(link["user"], []).append(link["unit"])
    for user in users:
        user["unit_ids"] = sorted(by_user.get(user["id"], []))
    if unit_id is not None:
        users = [u for u in users if unit_id in u["unit_ids"]]
    return users


async def all_units() -> list[dict]:
    return await Unit.select(Unit.id, Unit.slug, Unit.name, Unit.timezone).order_by(Unit.name).run()
