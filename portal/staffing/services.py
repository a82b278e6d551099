"""Staffing writes: a unit's waiting target (the row and its audit entry in one transaction)."""

from __future__ import annotations

import math

from portal.accounts import audit
from portal.accounts.auth import CurrentUser
from portal.db.tables import Unit
from portal.db.tables_staffing import StaffingTarget
from portal.errors import Invalid
from portal.insight.ledger import locked
from portal.timeutil import utcnow

#: What a target may say: a wait of 1 minute to 8 hours, a share of 1 % to 99.9 % (100 % no staffing can promise).
WAIT_RANGE = (1.0, 480.0)
SHARE_RANGE = (0.01, 0.999)


class TargetError(Invalid, ValueError):
    """A target refused (portal.errors); `message` is an English message id, `field` the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


def parse_target(wait_minutes: str, share_percent: str) -> tuple[float, float]:
    """(wait in minutes, share as a fraction) from the form's text (decimal comma or point), or TargetError."""
    def number(text: str, field: str) -> float:
        try:
            value = float(text.strip().replace(",", "."))
        except ValueError:
            raise TargetError(field, "Write a number.") from None
        if not math.isfinite(value):
            raise TargetError(field, "Write a number.")
        return value

    wait = number(wait_minutes, "wait_minutes")
    if not WAIT_RANGE[0] <= wait <= WAIT_RANGE[1]:
        raise TargetError("wait_minutes", "The waiting time must be between 1 and 480 minutes.")
    share = number(share_percent, "share_percent") / 100.0
    if not SHARE_RANGE[0] <= share <= SHARE_RANGE[1]:
        raise TargetError("share_percent", "The share must be between 1 and 99.9 percent.")
    return wait, share


async def set_target(unit_id: int, wait_minutes: float, share: float, actor: CurrentUser) -> bool:
    """Store the unit's waiting target with its audit entry (one transaction); False when nothing changed."""
    async with StaffingTarget._meta.db.transaction():
        # The unit's row locked first (PostgreSQL; SQLite's write transaction is already exclusive): two heads
        # saving at once are applied one after the other, each with its own audit entry.
        await locked(Unit.select(Unit.id).where(Unit.id == unit_id), Unit).run()
        before = await (StaffingTarget.select(StaffingTarget.id, StaffingTarget.wait_minutes, StaffingTarget.share)
                        .where(StaffingTarget.unit == unit_id).first().run())
        after = {"wait_minutes": wait_minutes, "share": share}
        if before is not None and (before["wait_minutes"], before["share"]) == (wait_minutes, share):
            return False
        now = utcnow()
        if before is None:
            rows = await StaffingTarget.insert(StaffingTarget(
                unit=unit_id, wait_minutes=wait_minutes, share=share, updated_by=actor.id, updated_at=now,
            )).returning(StaffingTarget.id).run()
            target_id = rows[0]["id"]
        else:
            target_id = before["id"]
            await StaffingTarget.update({StaffingTarget.wait_minutes: wait_minutes, StaffingTarget.share: share,
                                         StaffingTarget.updated_by: actor.id, StaffingTarget.updated_at: now}
                                        ).where(StaffingTarget.id == target_id).run()
        await audit.record(actor, "update", "staffing_target", target_id, unit_id=unit_id,
                           before={"wait_minutes": before["wait_minutes"], "share": before["share"]}
                           if before else None, after=after)
    return True
