"""Tables of the insight capability: which (service, local day) rollups need recomputing."""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.db.tables import Service


class RollupDirty(Table, tablename="rollup_dirty"):
    """A (service, local day) whose raw rows changed since its rollup was last computed."""

    service = ForeignKey(references=Service)
    day = Date()
    marked_at = Timestamptz(default=TimestamptzNow())
