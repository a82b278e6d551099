"""The Piccolo `Table` base the tables subclass, with the implicit `id` primary key made visible to type checkers.

Piccolo adds `id = Serial(primary_key=True)` to each table at class creation (`Table.__init_subclass__`), so
pyright sees no `id`; at run time this module is exactly `piccolo.table.Table`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from piccolo.columns import Serial
    from piccolo.table import Table as _PiccoloTable

    class Table(_PiccoloTable):
        id: ClassVar[Serial]  # descriptor: `Model.id` is the column, `row.id` an int

else:
    from piccolo.table import Table

__all__ = ["Table"]
