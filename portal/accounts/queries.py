"""Reads and writes of users and their unit scope."""

from __future__ import annotations

from portal.db.tables import ROLES, Unit, User, UserUnit


async def user_by_name(username: str) -> dict | None:
    return await User.select().where(User.username == username).first().run()


async def user_by_id(user_id: int) -> dict | None:
    return await User.select().where(User.id == user_id).first().run()


async def unit_ids_of(user_id: int) -> list[int]:
    rows = await UserUnit.select(UserUnit.unit).where(UserUnit.user == user_id).run()
    return sorted(row["unit"] for row in rows)


async def create_user(username: str, password_hash: str, role: str, unit_slugs: list[str], display_name: str = "") -> int:
    """Create (or, if the username exists, update) a user with these units; returns the user id."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    units = await Unit.select(Unit.id, Unit.slug).where(Unit.slug.is_in(unit_slugs)).run() if unit_slugs else []
    missing = sorted(set(unit_slugs) - {u["slug"] for u in units})
    if missing:
        raise ValueError(f"unknown unit: {', '.join(missing)}")
    if role != "admin" and not units:
        raise ValueError("a head, manager or officer needs at least one --unit")
    existing = await user_by_name(username)
    async with User._meta.db.transaction():
        if existing:
            user_id = existing["id"]
            await User.update(
                {User.password_hash: password_hash, User.role: role, User.display_name: display_name or username,
                 User.active: True, User.failed_logins: 0, User.locked_until: None}
            ).where(User.id == user_id).run()
            await UserUnit.delete().where(UserUnit.user == user_id).run()
        else:
            rows = await User.insert(
                User(username=username, password_hash=password_hash, role=role, display_name=display_name or username)
            ).returning(User.id).run()
            user_id = rows[0]["id"]
        for unit in units:
            await UserUnit.insert(UserUnit(user=user_id, unit=unit["id"])).run()
    return user_id


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


async def update_user(user_id: int, *, role: str, unit_ids: list[int], display_name: str, active: bool) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    async with User._meta.db.transaction():
        await User.update({User.role: role, User.display_name: display_name, User.active: active}).where(
            User.id == user_id
        ).run()
        await UserUnit.delete().where(UserUnit.user == user_id).run()
        for unit_id in sorted(set(unit_ids)):
            await UserUnit.insert(UserUnit(user=user_id, unit=unit_id)).run()


async def set_password(user_id: int, password_hash: str) -> None:
    """A new password (also unlocks the account; open sessions end because their password stamp no longer matches)."""
    await User.update({User.password_hash: password_hash, User.failed_logins: 0, User.locked_until: None}).where(
        User.id == user_id
    ).run()


async def all_units() -> list[dict]:
    return await Unit.select(Unit.id, Unit.slug, Unit.name, Unit.timezone).order_by(Unit.name).run()
