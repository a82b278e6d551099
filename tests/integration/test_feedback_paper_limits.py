# ruff: noqa: F811  (pytest fixtures imported from test_feedback_support)
"""Hostile paper-form files: a million-row XLSX stops at the row cap while streaming (quickly, off the event loop);
inf, nan, 1e400, huge amounts, NUL bytes and cells over the size cap are refused with row and column; nothing is
stored and nothing answers 5xx, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import io
import time
import zipfile

import pytest
from openpyxl import Workbook

from portal.feedback import paper
from survey.csvio import TallyError
from tests.integration.test_feedback_paper import manager_client, upload
from tests.integration.test_feedback_support import place, responses_of  # noqa: F401

HEADER = ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "amount_paid", "comment"]


PLACEHOLDER = 987654321


def _xlsx(rows: list[list], raw_number: str | None = None) -> bytes:
    """An XLSX of these rows; `raw_number` replaces the numeric cell PLACEHOLDER as written in the sheet XML
    (openpyxl itself will not write inf or nan, but a file from elsewhere can hold them)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    if raw_number is None:
        return buffer.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(f"<v>{PLACEHOLDER}</v>".encode(), f"<v>{raw_number}</v>".encode())
            target.writestr(item, data)
    return out.getvalue()


def test_huge_xlsx_stops_at_the_row_cap_while_streaming():
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for _ in range(paper.MAX_ROWS + 5_000):
        sheet.append([4, 4, 4, 4, 4, 4, 4, 4, 4])
    buffer = io.BytesIO()
    book.save(buffer)
    started = time.perf_counter()
    with pytest.raises(TallyError) as raised:
        paper.read_table(buffer.getvalue(), "big.xlsx")
    assert raised.value.errors == [(paper.MAX_ROWS + 2, "-", f"too many rows: at most {paper.MAX_ROWS} per file")]
    assert time.perf_counter() - started < 30


def test_rows_are_read_lazily_up_to_the_cap():
    """The reader is never drained past the first row over the cap (a million rows cost no more than 20,001)."""
    consumed = 0

    def rows():
        nonlocal consumed
        yield HEADER
        for _ in range(1_000_000):
            consumed += 1
            yield ["4"] * 9

    with pytest.raises(TallyError):
        paper._capped(rows())
    assert consumed == paper.MAX_ROWS + 1


P = PLACEHOLDER


@pytest.mark.parametrize(("cells", "raw", "column", "words"), [
    ([4, 4, P, 4, 4, 4, 4, 4, 4], "inf", "3", "cannot be read"),
    ([4, 4, 4, P, 4, 4, 4, 4, 4], "NaN", "3", "cannot be read"),
    ([4, 4, 4, 4, P, 4, 4, 4, 4], "1e400", "u5", "score"),
    ([4, 4, 4, 4, "1e400", 4, 4, 4, 4], None, "u5", "score"),
    ([4] * 9 + [P], "1e400", "amount_paid", "rupiah"),
    ([4] * 9 + [1e300], None, "amount_paid", "rupiah"),
    ([4] * 9 + [str(2**70)], None, "amount_paid", "rupiah"),
    ([4] * 9 + ["inf"], None, "amount_paid", "rupiah"),
    ([4] * 9 + [0, "x" * (paper.MAX_CELL_CHARS + 1)], None, "comment", "longer"),
])
async def test_bad_cells_are_reported_with_row_and_column(client, place, cells, raw, column, words):
    await manager_client(client, place["unit"])
    response = await upload(client, place["service"], _xlsx([[4] * 9, cells], raw), filename="forms.xlsx")
    assert response.status_code == 400, response.text[-1500:]
    assert column in response.text and words in response.text
    assert await responses_of(place["service"]) == []


async def test_csv_with_nul_or_a_giant_cell_is_refused(client, place):
    await manager_client(client, place["unit"])
    nul = ",".join(HEADER).encode() + b"\n4,4,4,4,4,4,4,4,4,0,a\x00b\n"
    response = await upload(client, place["service"], nul)
    assert response.status_code == 400 and "NUL" in response.text
    giant = ",".join(HEADER).encode() + b"\n4,4,4,4,4,4,4,4,4,0," + b"y" * 140_000 + b"\n"
    response = await upload(client, place["service"], giant)
    assert response.status_code == 400
    assert await responses_of(place["service"]) == []


async def test_parsing_runs_off_the_event_loop(monkeypatch):
    """read_and_parse hands the work to a thread: the loop keeps ticking while a slow parse runs."""
    def slow(rows, period_from, period_to):
        time.sleep(0.5)
        return []

    monkeypatch.setattr(paper, "parse_paper", slow)
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    task = asyncio.create_task(ticker())
    await paper.read_and_parse(b"u1\n4\n", "f.csv", None, None)
    task.cancel()
    assert ticks >= 10
