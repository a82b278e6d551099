"""Unit tests of the feedback logic: survey validation, amounts, form stamps, paper parsing, multi-day progress."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.feedback import antiabuse
from portal.feedback.paper import parse_paper, read_table
from portal.feedback.progress import case_progress, due_day
from portal.feedback.schemas import COMMENT_MAX, parse_amount, parse_survey
from survey.csvio import TallyError

SECRET = "unit-test-secret"


@pytest.mark.parametrize(("text", "value"), [("", None), ("  ", None), ("25000", 25000), ("25.000", 25000),
                                             ("Rp 25.000", 25000), ("rp25,000", 25000), ("1.250.000", 1250000),
                                             ("0", 0)])
def test_amounts_as_citizens_type_them(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize("text", ["lima ribu", "25.00", "1,5", "12.3456", "25000x"])
def test_text_in_amount_is_refused(text):
    with pytest.raises(ValueError):
        parse_amount(text)


def test_negative_amount_is_its_own_error():
    with pytest.raises(ArithmeticError):
        parse_amount("-5000")


def test_survey_answers_and_blanks():
    answers, errors = parse_survey({"u1": "4", "u2": "", "u9": "1", "extra_requirements": "no",
                                    "product_correct": "not_yet", "comment": " ok "}, "id")
    assert errors == []
    assert answers.u == (4, None, None, None, None, None, None, None, 1)
    assert answers.extra_requirements is False and answers.product_correct == "not_yet" and answers.comment == "ok"
    assert answers.low_answer is True
    columns = answers.columns()
    assert columns["u1"] == 4 and columns["u9"] == 1 and columns["amount_paid"] is None


@pytest.mark.parametrize("bad", [{"u1": "5"}, {"u1": "0"}, {"u4": "3.5"}, {"u2": "sangat"},
                                 {"comment": "x" * (COMMENT_MAX + 1)}, {"sex": "other"}, {"age_band": "99"},
                                 {"occupation": "dokter"}, {"extra_requirements": "maybe"}])
def test_bad_survey_values_are_errors_in_both_languages(bad):
    for lang in ("id", "en"):
        answers, errors = parse_survey(bad, lang)
        assert answers is None and len(errors) == 1 and errors[0].field == next(iter(bad))


def test_error_message_names_the_unsur_in_the_language():
    _, [error_id] = parse_survey({"u7": "9"}, "id")
    _, [error_en] = parse_survey({"u7": "9"}, "en")
    assert "Perilaku pelaksana" in error_id.message and "Staff conduct" in error_en.message


def test_stamp_round_trip_and_speed():
    stamp = antiabuse.new_stamp(SECRET, now=1_000_000)
    fast = antiabuse.read_stamp(SECRET, stamp, now=1_000_003)
    slow = antiabuse.read_stamp(SECRET, stamp, now=1_000_060)
    assert fast.valid and fast.too_fast and fast.nonce
    assert slow.valid and not slow.too_fast and slow.nonce == fast.nonce


@pytest.mark.parametrize("value", [None, "", "garbage", "1.2", "1000000.abc.0000", "x.y.z"])
def test_bad_stamps_are_invalid_and_count_as_fast(value):
    stamp = antiabuse.read_stamp(SECRET, value, now=1_000_000)
    assert not stamp.valid and stamp.too_fast and stamp.nonce is None


def test_stamp_signed_with_another_key_or_too_old_is_invalid():
    stamp = antiabuse.new_stamp("other-secret", now=1_000_000)
    assert not antiabuse.read_stamp(SECRET, stamp, now=1_000_100).valid
    old = antiabuse.new_stamp(SECRET, now=1_000_000)
    assert not antiabuse.read_stamp(SECRET, old, now=1_000_000 + antiabuse.MAX_AGE_SECONDS + 1).valid
    tampered = old.replace(old.split(".")[0], "999000", 1)
    assert not antiabuse.read_stamp(SECRET, tampered, now=1_000_100).valid


def test_paper_rows_from_semicolon_csv():
    content = ("u1;u2;u3;u4;u5;u6;u7;u8;u9;date;amount_paid\n"
               "4;4;4;4;4;4;4;4;4;2026-01-05;Rp 10.000\n"
               ";;;;;;;;;;\n"
               "1;2;3;4;1;2;3;4;1;;\n").encode("utf-8-sig")
    rows = parse_paper(read_table(content, "x.csv"), date(2026, 1, 1), date(2026, 1, 31))
    assert len(rows) == 2
    assert rows[0]["u1"] == 4 and rows[0]["amount_paid"] == 10000 and rows[0]["local_day"] == date(2026, 1, 5)
    assert rows[1]["u2"] == 2 and rows[1]["local_day"] == date(2026, 1, 31)


def test_paper_errors_carry_row_column_reason():
    content = b"u1,u2,u3,u4,u5,u6,u7,u8,u9,sex\n4,4,4,4,4,4,4,4,7,x\n"
    with pytest.raises(TallyError) as info:
        parse_paper(read_table(content, "x.csv"), date(2026, 1, 1), date(2026, 1, 31))
    assert [(r, c) for r, c, _ in info.value.errors] == [(2, "sex"), (2, "u9")]


def test_empty_or_headless_files_are_errors():
    for content in (b"", b"u1,u2,u3,u4,u5,u6,u7,u8,u9\n"):
        with pytest.raises(TallyError):
            parse_paper(read_table(content, "x.csv"), date(2026, 1, 1), date(2026, 1, 31))
    with pytest.raises(TallyError):
        read_table(b"PK\x03\x04 not really a workbook", "x.xlsx")


def test_due_day_counts_working_days_after_submission():
    # Monday 2 Nov 2026: 14 working days later is Friday 20 Nov (no national holiday in between).
    assert due_day(date(2026, 11, 2), 14, "working_days", []) == date(2026, 11, 20)
    # a local closure pushes it one working day
    assert due_day(date(2026, 11, 2), 14, "working_days", ["2026-11-10"]) == date(2026, 11, 23)
    assert due_day(date(2026, 11, 2), 14, "calendar_days", []) == date(2026, 11, 16)


def test_case_progress_day_three_of_fourteen():
    start = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday morning in WITA
    progress = case_progress(start, None, 14, "working_days", "Asia/Makassar", [],
                             now=datetime(2026, 11, 5, 3, 0, tzinfo=UTC))
    assert (progress["elapsed"], progress["limit"], progress["done"], progress["overdue"]) == (3, 14, False, 0)
    late = case_progress(start, None, 2, "working_days", "Asia/Makassar", [],
                         now=datetime(2026, 11, 5, 3, 0, tzinfo=UTC))
    assert late["overdue"] == 1 and not late["within"]
