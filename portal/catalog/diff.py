"""What changed between two versions of a service standard: scalar fields old -> new, lists as added/removed lines.

Lists (requirements, procedure) are compared line by line with difflib, so a reworded step shows as one line
removed and one added, and unchanged lines are kept for context.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portal.catalog.queries import StandardVersionRow

#: Scalar fields of a StandardVersion compared one by one, in the order the standard publishes them.
SCALAR_FIELDS = (
    "time_limit", "fee", "product", "complaint_channel", "legal_basis", "facilities", "staff_count",
    "service_guarantee", "target_time", "target_cost", "target_accuracy",
)
LIST_FIELDS = ("requirements", "procedure")


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: object
    new: object


@dataclass(frozen=True)
class LineChange:
    kind: str  # "added" | "removed" | "same"
    text: str


@dataclass(frozen=True)
class VersionDiff:
    old_version: int
    new_version: int
    scalars: list[FieldChange] = field(default_factory=list)
    lists: dict[str, list[LineChange]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.scalars) or any(line.kind != "same" for lines in self.lists.values() for line in lines)

    def list_changed(self, name: str) -> bool:
        return any(line.kind != "same" for line in self.lists.get(name, []))


def _value(version: StandardVersionRow, name: str) -> object:
    if name == "time_limit":
        return (version["time_limit_value"], version["time_limit_unit"])
    return version.get(name)


def line_diff(old: list[str], new: list[str]) -> list[LineChange]:
    out: list[LineChange] = []
    for line in difflib.ndiff(list(old), list(new)):
        tag, text = line[:2], line[2:]
        if tag == "- ":
            out.append(LineChange("removed", text))
        elif tag == "+ ":
            out.append(LineChange("added", text))
        elif tag == "  ":
            out.append(LineChange("same", text))
        # "? " hint lines of ndiff are not content
    return out


def compare(old: StandardVersionRow, new: StandardVersionRow) -> VersionDiff:
    """Field-by-field differences from version `old` to version `new` (dicts of StandardVersion columns)."""
    scalars = [FieldChange(name, _value(old, name), _value(new, name)) for name in SCALAR_FIELDS
               if _value(old, name) != _value(new, name)]
    lists = {name: line_diff(old.get(name) or [], new.get(name) or []) for name in LIST_FIELDS}
    return VersionDiff(old["version"], new["version"], scalars, lists)
