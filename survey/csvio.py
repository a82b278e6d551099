"""Read SKM answer tallies (columns u1..u9, optional service) from CSV, reporting every bad cell."""

from __future__ import annotations

import csv
import io
import os
from typing import IO

import numpy as np

U_COLUMNS = tuple(f"u{i}" for i in range(1, 10))


class TallyError(ValueError):
    """Bad CSV input; `errors` lists (row_number, column, reason) with the header as row 1."""

    def __init__(self, errors: list[tuple[int, str, str]]):
        self.errors = list(errors)
        super().__init__("; ".join(f"row {r}, column {c}: {why}" for r, c, why in self.errors))


def _open(path_or_file) -> tuple[IO, bool]:
    if isinstance(path_or_file, (str, os.PathLike)):
        return open(path_or_file, newline="", encoding="utf-8-sig"), True
    return path_or_file, False


def _score(cell: str) -> tuple[int | None, str | None]:
    text = cell.strip()
    if text == "":
        return 0, None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None, f"not a score: {text!r} (expected 1-4 or blank)"
    if value != int(value) or not 1 <= value <= 4:
        return None, f"score {text} outside 1-4"
    return int(value), None


def read_tally(path_or_file) -> dict[str | None, np.ndarray]:
    """Answers per service from a CSV with columns u1..u9 (header case-insensitive, blank = unanswered).

    With a `service` column the rows are grouped by its value (blank -> None); without it the single key is
    None. With a `counted` column (as `portal export-responses` writes), rows whose value is no/false/0 are
    skipped: they are stored but not counted under the portal's counting rule. Other columns are ignored; rows
    with nothing at all are skipped. Comma or semicolon separated
    (Indonesian Excel exports use ';'); UTF-8 with or without BOM. Raises TallyError listing all problems:
    missing u-columns, text in a score, score outside 1-4. Returns (n, 9) int8 arrays (0 = unanswered).
    """
    fh, close = _open(path_or_file)
    try:
        text = fh.read()
    finally:
        if close:
            fh.close()
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    text = text.removeprefix("\ufeff")
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(rows, None)
    if header is None:
        raise TallyError([(1, "u1", "empty file: expected a header with columns u1..u9")])
    names = [h.strip().lower() for h in header]
    missing = [c for c in U_COLUMNS if c not in names]
    if missing:
        raise TallyError([(1, c, "missing column") for c in missing])
    idx = [names.index(c) for c in U_COLUMNS]
    s_idx = names.index("service") if "service" in names else None
    c_idx = names.index("counted") if "counted" in names else None
    errors: list[tuple[int, str, str]] = []
    groups: dict[str | None, list[list[int]]] = {}
    for rownum, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if c_idx is not None and c_idx < len(row) and row[c_idx].strip().lower() in ("no", "false", "0"):
            continue
        scores = []
        for col, i in zip(U_COLUMNS, idx, strict=True):
            value, why = _score(row[i] if i < len(row) else "")
            if why:
                errors.append((rownum, col, why))
            scores.append(value or 0)
        service = None
        if s_idx is not None and s_idx < len(row) and row[s_idx].strip():
            service = row[s_idx].strip()
        groups.setdefault(service, []).append(scores)
    if errors:
        raise TallyError(errors)
    if not groups:
        groups[None] = []
    return {k: np.asarray(v, dtype=np.int8).reshape(-1, 9) for k, v in groups.items()}
