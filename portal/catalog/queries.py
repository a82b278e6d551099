"""Reads of units, services and standard versions; the version in force is resolved here for everyone."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.db.tables import Service, StandardVersion, Unit


async def standard_in_force(service_id: int, at: datetime | None = None) -> dict | None:
    """The approved version with the latest effective_from <= `at` (default now), or None (ISO 9001 7.5)."""
    at = at or datetime.now(UTC)
    return await (
        StandardVersion.select()
        .where(
            (StandardVersion.service == service_id)
            & (StandardVersion.status == "approved")
            & (StandardVersion.effective_from <= at)
        )
        .order_by(StandardVersion.effective_from, ascending=False)
        .order_by(StandardVersion.version, ascending=False)
        .first()
        .run()
    )


async def standard_versions(service_id: int) -> list[dict]:
    """Every version of a service's standard, newest first (drafts included)."""
    return await (
        StandardVersion.select()
        .where(StandardVersion.service == service_id)
        .order_by(StandardVersion.version, ascending=False)
        .run()
    )


async def service_by_slug(slug: str) -> dict | None:
    return await Service.select().where(Service.slug == slug).first().run()


async def unit_by_slug(slug: str) -> dict | None:
    return await Unit.select().where(Unit.slug == slug).first().run()


async def unit_by_id(unit_id: int) -> dict | None:
    return await Unit.select().where(Unit.id == unit_id).first().run()
