"""Paper SKM forms from a CSV or XLSX file: every bad cell reported as (row, column, reason), all or nothing.

The u1..u9 cells go through survey.csvio.read_tally (the same reader and messages as `portal ikm`); the other
columns are checked here. Row numbers count the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

from portal.feedback.schemas import (
    AGE_BANDS,
    AMOUNT_MAX,
    COMMENT_MAX,
    EDUCATION,
    OCCUPATIONS,
    SEXES,
    parse_amount,
)
from survey.csvio import U_COLUMNS, TallyError, read_tally

OPTIONAL_COLUMNS = ("date", "amount_paid", "extra_requirements", "product_correct", "comment", "sex", "age_band",
                    "education", "occupation")
MAX_ROWS = 20_000
_YES = {"yes", "ya", "y", "1", "true"}
_NO = {"no", "tidak", "t", "n", "0", "false"}
_NOT_YET = {"not_yet", "not yet", "belum"}
_CHOICES = {"sex": SEXES, "age_band": AGE_BANDS, "education": EDUCATION, "occupation": OCCUPATIONS}
_SEX_ALIASES = {"l": "male", "laki-laki": "male", "p": "female", "perempuan": "female"}


def read_table(content: bytes, filename: str) -> list[list[str]]:
    """The cells of a CSV (comma or semicolon, UTF-8) or of an XLSX file's first sheet, as text."""
    if filename.lower().endswith(".xlsx") or content[:2] == b"PK":
        return _xlsx_rows(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TallyError([(1, "-", "the file is not UTF-8 text, CSV or XLSX")]) from exc
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged or non-XLSX file
        raise TallyError([(1, "-", "the file cannot be read as XLSX")]) from exc
    rows = []
    for values in workbook.worksheets[0].iter_rows(values_only=True):
        rows.append([_cell_text(v) for v in values])
    workbook.close()
    return rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_date(text: str) -> date:
    text = text.strip()
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)  # DD/MM/YYYY as written in Indonesia
    if match:
        return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    return date.fromisoformat(text)


def parse_paper(rows: list[list[str]], period_from: date, period_to: date) -> list[dict]:
    """SurveyResponse column values for every data row; raises TallyError listing every problem."""
    if not rows:
        raise TallyError([(1, "u1", "empty file: expected a header with columns u1..u9")])
    header = [h.strip().lower() for h in rows[0]]
    if len(rows) - 1 > MAX_ROWS:
        raise TallyError([(MAX_ROWS + 2, "-", f"too many rows: at most {MAX_ROWS} per file")])
    # u-columns: survey.csvio's reader; a hidden key column makes it return each row on its own.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    u_index = {c: header.index(c) for c in U_COLUMNS if c in header}
    writer.writerow([*[c for c in U_COLUMNS if c in u_index], "service"])
    for number, row in enumerate(rows[1:], start=2):
        writer.writerow([*[(row[i] if i < len(row) else "") for i in u_index.values()], f"r{number}"])
    errors: list[tuple[int, str, str]] = []
    try:
        scores = read_tally(io.StringIO(buffer.getvalue()))
    except TallyError as exc:
        errors.extend(exc.errors)
        scores = {}
    col = {name: header.index(name) for name in OPTIONAL_COLUMNS if name in header}
    out: list[dict] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row=row) -> str:
            i = col.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        values: dict = {}
        answers = scores.get(f"r{number}")
        if answers is not None:
            values.update({f"u{i}": (int(v) or None) for i, v in enumerate(answers[0], start=1)})
        day = period_to
        if cell("date"):
            try:
                day = _parse_date(cell("date"))
            except ValueError:
                errors.append((number, "date", f"not a date: {cell('date')!r} (expected YYYY-MM-DD or DD/MM/YYYY)"))
            else:
                if not period_from <= day <= period_to:
                    errors.append((number, "date", f"{day.isoformat()} is outside the period "
                                                   f"{period_from.isoformat()} to {period_to.isoformat()}"))
        values["local_day"] = day
        try:
            values["amount_paid"] = parse_amount(cell("amount_paid"))
            if values["amount_paid"] is not None and values["amount_paid"] > AMOUNT_MAX:
                # the web form's cap (portal.feedback.schemas.AMOUNT_MAX); inf and nan fail parse_amount
                errors.append((number, "amount_paid", f"above the form's limit of {AMOUNT_MAX} rupiah"))
                values["amount_paid"] = None
        except ArithmeticError:
            errors.append((number, "amount_paid", "negative amount"))
        except ValueError:
            errors.append((number, "amount_paid", f"not an amount in rupiah: {cell('amount_paid')!r}"))
        extra = cell("extra_requirements").lower()
        if extra and extra not in _YES | _NO:
            errors.append((number, "extra_requirements", f"expected yes or no, got {extra!r}"))
        values["extra_requirements"] = None if not extra else extra in _YES
        product = cell("product_correct").lower()
        if product in _YES:
            values["product_correct"] = "yes"
        elif product in _NO:
            values["product_correct"] = "no"
        elif product in _NOT_YET:
            values["product_correct"] = "not_yet"
        elif product:
            errors.append((number, "product_correct", f"expected yes, no or not_yet, got {product!r}"))
        comment = cell("comment")
        if len(comment) > COMMENT_MAX:
            errors.append((number, "comment", f"longer than {COMMENT_MAX} characters"))
        values["comment"] = comment
        for name, choices in _CHOICES.items():
            raw = cell(name)
            value = _SEX_ALIASES.get(raw.lower(), raw) if name == "sex" else raw
            match = next((c for c in choices if c.lower() == value.lower()), None)
            if value and match is None:
                errors.append((number, name, f"expected one of {', '.join(choices)}, got {raw!r}"))
            values[name] = match
        out.append(values)
    if errors:
        raise TallyError(sorted(errors, key=lambda e: (e[0], e[1])))
    if not out:
        raise TallyError([(2, "u1", "no data rows")])
    return out
