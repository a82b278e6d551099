"""Unit tests of survey.csvio: reading u1..u9 tallies and reporting every bad cell by spreadsheet row."""

import io

import numpy as np
import pytest

from survey.csvio import TallyError, read_tally

HEADER = "u1,u2,u3,u4,u5,u6,u7,u8,u9"


def test_reads_worked_fixture(tmp_path):
    from pathlib import Path

    a = read_tally(Path(__file__).resolve().parent / "data" / "worked_n29.csv")
    assert list(a) == [None] and a[None].shape == (29, 9)


def test_blank_is_unanswered_case_insensitive_extra_columns_semicolon():
    text = "Tanggal;U1;u2;U3;u4;u5;u6;u7;u8;u9\n2026-01-01;4;;3;4;4;4;4;4;4\n\n"
    a = read_tally(io.StringIO(text))[None]
    assert a.tolist() == [[4, 0, 3, 4, 4, 4, 4, 4, 4]]


def test_service_groups(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("service," + HEADER + "\nKTP," + "4," * 8 + "4\nKK," + "3," * 8 + "3\nKTP," + "2," * 8 + "2\n",
                 encoding="utf-8-sig")
    g = read_tally(p)
    assert sorted(g) == ["KK", "KTP"] and g["KTP"].shape == (2, 9)


def test_all_errors_collected_with_spreadsheet_rows():
    text = HEADER + "\n4,4,4,4,4,4,4,4,4\n5,4,4,4,4,4,4,4,4\n4,x,4,4,4,4,4,4,0\n"
    with pytest.raises(TallyError) as e:
        read_tally(io.StringIO(text))
    errs = e.value.errors
    assert [(r, c) for r, c, _ in errs] == [(3, "u1"), (4, "u2"), (4, "u9")]
    assert "outside 1-4" in errs[0][2] and "'x'" in errs[1][2]


def test_missing_columns():
    with pytest.raises(TallyError) as e:
        read_tally(io.StringIO("u1,u2,u3,u4,u5,u6,u7\n1,1,1,1,1,1,1\n"))
    assert e.value.errors == [(1, "u8", "missing column"), (1, "u9", "missing column")]


def test_bytes_file_and_empty():
    a = read_tally(io.BytesIO(("\ufeff" + HEADER + "\n1,2,3,4,1,2,3,4,1\n").encode()))
    assert a[None].dtype == np.int8 and a[None].shape == (1, 9)
    assert read_tally(io.StringIO(HEADER + "\n"))[None].shape == (0, 9)
