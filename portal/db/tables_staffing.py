"""Tables of the staffing capability: a unit's waiting target for the staffing plan (issue 29)."""

from __future__ import annotations

from piccolo.columns import DoublePrecision, ForeignKey, Timestamptz
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from portal.db.table import Table
from portal.db.tables import Unit, User


class StaffingTarget(Table, tablename="staffing_target"):
    """A unit's waiting target, "`share` of citizens wait at most `wait_minutes`" (arrival to call), set by a
    head or manager; a unit without a row uses portal.staffing.plan.DEFAULT_TARGET."""

    unit = ForeignKey(references=Unit, unique=True, null=False)
    wait_minutes = DoublePrecision(default=15.0)
    share = DoublePrecision(default=0.8)
    updated_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    updated_at = Timestamptz(default=TimestamptzNow())
