"""Paper SKM forms from a CSV or XLSX file: every bad cell reported as (row, column, reason), all or nothing.

The u1..u9 cells go through survey.csvio.read_tally (the same reader and messages as `portal ikm`); the other
columns are checked here. Row numbers count the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import asyncio
import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator
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
from portal.locale import gettext
from survey.csvio import U_COLUMNS, TallyError, read_tally

OPTIONAL_COLUMNS = ("date", "amount_paid", "extra_requirements", "product_correct", "comment", "sex", "age_band",
                    "education", "occupation")
MAX_ROWS = 20_000
_YES = {"yes", "ya", "y", "1", "true"}
_NO = {"no", "tidak", "t", "n", "0", "false"}
_NOT_YET = {"not_yet", "not yet", "belum"}
_CHOICES = {"sex": SEXES, "age_band": AGE_BANDS, "education": EDUCATION, "occupation": OCCUPATIONS}
_SEX_ALIASES = {"l": "male", "laki-laki": "male", "p": "female", "perempuan": "female"}


MAX_CELL_CHARS = 10_000  # a comment is at most 2,000 characters; anything longer is not a paper form
MAX_COLUMNS = 64
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # an XLSX (a zip) that unpacks beyond this is refused before parsing
MAX_ROWS_SCANNED = 5 * MAX_ROWS  # empty rows count here, so a sparse sheet cannot keep a worker busy either


async def read_and_parse(content: bytes, filename: str, period_from: date, period_to: date) -> list[dict]:
    """read_table + parse_paper in a worker thread: parsing a file never blocks the event loop."""
    return await asyncio.to_thread(lambda: parse_paper(read_table(content, filename), period_from, period_to))


def read_table(content: bytes, filename: str) -> list[list[str]]:
    """The cells of a CSV (comma or semicolon, UTF-8) or of an XLSX file's first sheet, as text.

    Read as a stream: reading stops at the row cap (MAX_ROWS data rows), so a file of a million rows costs no more
    than one just over the cap; a cell longer than MAX_CELL_CHARS or holding a NUL byte is refused with its row."""
    if filename.lower().endswith(".xlsx") or content[:2] == b"PK":
        return _capped(_xlsx_rows(content))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TallyError([(1, "-", "the file is not UTF-8 text, CSV or XLSX")]) from exc
    first = text.split("\n", 1)[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    return _capped(_csv_rows(reader))


def _csv_rows(reader) -> Iterator[list[str]]:
    try:
        yield from reader
    except csv.Error as exc:
        raise TallyError([(reader.line_num, "-", f"the CSV cannot be read here: {exc}")]) from exc


def _capped(rows: Iterable[list[str]]) -> list[list[str]]:
    """Rows until the cap: MAX_ROWS data rows after the header (the first row over it is an error)."""
    out: list[list[str]] = []
    data_rows = 0
    for number, row in enumerate(rows, start=1):
        if number > MAX_ROWS_SCANNED:
            raise TallyError([(number, "-", f"too many rows: at most {MAX_ROWS} per file")])
        row = row[:MAX_COLUMNS]
        for index, cell in enumerate(row):
            if len(cell) > MAX_CELL_CHARS:
                raise TallyError([(number, _column(out, index), f"cell longer than {MAX_CELL_CHARS} characters")])
            if "\x00" in cell:
                raise TallyError([(number, _column(out, index), "cell contains a NUL character")])
        if number > 1 and any(cell.strip() for cell in row):
            data_rows += 1
            if data_rows > MAX_ROWS:
                raise TallyError([(number, "-", f"too many rows: at most {MAX_ROWS} per file")])
        out.append(row)
    return out


def _column(rows: list[list[str]], index: int) -> str:
    header = rows[0] if rows else []
    return header[index].strip().lower() if index < len(header) and header[index].strip() else f"column {index + 1}"


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise TallyError([(1, "-", "the file cannot be read as XLSX")]) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise TallyError([(1, "-", f"the XLSX unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB")])
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged or non-XLSX file
        raise TallyError([(1, "-", "the file cannot be read as XLSX")]) from exc
    number = 0
    try:
        for values in workbook.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS):
            number += 1
            yield [_cell_text(v) for v in values]
    except TallyError:
        raise
    except Exception as exc:  # a damaged row found while streaming, e.g. a numeric cell holding "inf"
        raise TallyError([(number + 1, "-", "this row cannot be read: a damaged cell or a number that is "
                                            "not a number")]) from exc
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def _not_finite(text: str) -> bool:
    """inf, nan, 1e400 and the like: numbers no score or amount can be."""
    try:
        return not math.isfinite(float(text.replace(",", ".")))
    except ValueError:
        return False


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
    if sum(1 for row in rows[1:] if any(cell.strip() for cell in row)) > MAX_ROWS:
        raise TallyError([(MAX_ROWS + 2, "-", f"too many rows: at most {MAX_ROWS} per file")])
    # u-columns: survey.csvio's reader; a hidden key column makes it return each row on its own.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    u_index = {c: header.index(c) for c in U_COLUMNS if c in header}
    writer.writerow([*[c for c in U_COLUMNS if c in u_index], "service"])
    errors: list[tuple[int, str, str]] = []
    for number, row in enumerate(rows[1:], start=2):
        cells = []
        for name, i in u_index.items():
            text = row[i] if i < len(row) else ""
            if _not_finite(text):
                errors.append((number, name, f"not a score from 1 to 4: {text[:20]!r}"))
                text = ""
            cells.append(text)
        writer.writerow([*cells, f"r{number}"])
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


#: The reasons survey.csvio and this module give (English, as `portal import-paper` prints them), as msgids with
#: their variables, so the import page shows each problem in the reader's language.
_REASONS = (
    (re.compile(r"^score (?P<value>.+) outside 1-4$"), "score %(value)s is outside 1–4"),
    (re.compile(r"^not a score: (?P<value>.+) \(expected 1-4 or blank\)$"),
     "not a score: %(value)s (expected 1–4 or blank)"),
    (re.compile(r"^empty file: expected a header with columns u1\.\.u9$"),
     "empty file: expected a header with the columns u1..u9"),
    (re.compile(r"^missing column$"), "missing column"),
    (re.compile(r"^not a date: (?P<value>.+) \(expected YYYY-MM-DD or DD/MM/YYYY\)$"),
     "not a date: %(value)s (expected YYYY-MM-DD or DD/MM/YYYY)"),
    (re.compile(r"^(?P<value>\S+) is outside the period (?P<start>\S+) to (?P<end>\S+)$"),
     "%(value)s is outside the period %(start)s to %(end)s"),
    (re.compile(r"^negative amount$"), "negative amount"),
    (re.compile(r"^above the form's limit of (?P<value>\d+) rupiah$"), "above the form's limit of %(value)s rupiah"),
    (re.compile(r"^not an amount in rupiah: (?P<value>.+)$"), "not an amount in rupiah: %(value)s"),
    (re.compile(r"^expected yes or no, got (?P<value>.+)$"), "expected yes or no, got %(value)s"),
    (re.compile(r"^expected yes, no or not_yet, got (?P<value>.+)$"), "expected yes, no or not yet, got %(value)s"),
    (re.compile(r"^longer than (?P<value>\d+) characters$"), "longer than %(value)s characters"),
    (re.compile(r"^expected one of (?P<choices>.+), got (?P<value>.+)$"), "expected one of %(choices)s, got %(value)s"),
)


def explain(reason: str, lang: str) -> str:
    """One import problem in the reader's language (a reason this module does not know is shown as given)."""
    for pattern, msgid in _REASONS:
        m = pattern.match(reason)
        if m:
            return gettext(lang, msgid, **m.groupdict())
    return reason
