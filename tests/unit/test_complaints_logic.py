"""Complaint logic without a database: tracking codes (Damm check over GF(32)), working-day deadlines across a
holiday and a closure, and receipt photos (re-encoded without EXIF; non-images refused)."""

from __future__ import annotations

import io
import random
from datetime import date

import pytest
from PIL import Image

from portal.complaints import codes
from portal.complaints.deadlines import DEFAULT_DAYS, due_day
from portal.complaints.images import MAX_BYTES, ImageRefused, clean


def test_codes_are_short_unguessable_and_valid():
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    for code in made:
        assert len(code) == 11 and codes.is_valid(code) and set(code) <= set(codes.ALPHABET)
    assert len(codes.display(next(iter(made)))) == 13


def test_every_single_substitution_and_adjacent_swap_is_caught():
    rng = random.Random(5)
    for _ in range(200):
        code = codes.new_code()
        for i in range(len(code)):
            for c in codes.ALPHABET:
                if c != code[i]:
                    assert not codes.is_valid(code[:i] + c + code[i + 1:])
            if i + 1 < len(code) and code[i] != code[i + 1]:
                assert not codes.is_valid(code[:i] + code[i + 1] + code[i] + code[i + 2:])
        assert codes.parse(code[: rng.randrange(11)])[1] == "mistyped"  # a missing character too


def test_typing_by_hand_is_forgiving():
    code = codes.new_code()
    typed = codes.display(code).lower().replace("0", "o").replace("1", "l")
    assert codes.parse(typed) == (code, "ok")
    assert codes.parse("ABCD-EFGH-JK!") == (None, "mistyped")


def test_deadline_counts_working_days_after_receipt():
    # Monday 2026-03-09 + 2 working days = Wednesday 2026-03-11; received on a Saturday: Monday is day 1
    assert due_day(date(2026, 3, 9), 2) == date(2026, 3, 11)
    assert due_day(date(2026, 3, 14), 1) == date(2026, 3, 16)
    assert due_day(date(2026, 3, 9), 0) == date(2026, 3, 9)


def test_deadline_skips_a_national_holiday_and_a_unit_closure():
    # Received Wednesday 2026-04-01; Thursday 04-02 is day 1, Good Friday 04-03 is a national holiday
    # (the `holidays` package), so day 2 is Monday 04-06.
    assert due_day(date(2026, 4, 1), DEFAULT_DAYS["light"]) == date(2026, 4, 6)
    # The unit is closed on Monday 04-06 (a local closure): day 2 becomes Tuesday 04-07.
    assert due_day(date(2026, 4, 1), 2, closures=["2026-04-06"]) == date(2026, 4, 7)
    # Normative (5 days) across both: 04-02, 04-07, 04-08, 04-09, 04-10.
    assert due_day(date(2026, 4, 1), DEFAULT_DAYS["normative"], closures=["2026-04-06"]) == date(2026, 4, 10)


def _png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGBA", size, (0, 128, 0, 255))
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "lokasi rahasia")
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def test_png_is_reencoded_without_metadata():
    cleaned = clean(_png())
    assert cleaned.media_type == "image/png" and (cleaned.width, cleaned.height) == (40, 30)
    assert b"lokasi rahasia" not in cleaned.data


@pytest.mark.parametrize("data", [b"GIF89a" + b"\x00" * 100, b"%PDF-1.4", b"", b"\xff\xd8\xff\xe0broken jpeg"])
def test_anything_else_is_refused(data):
    with pytest.raises(ImageRefused) as err:
        clean(data)
    assert err.value.message == "Only a JPEG or PNG photo can be attached."


def test_a_photo_over_two_megabytes_is_refused_before_decoding():
    with pytest.raises(ImageRefused) as err:
        clean(b"\xff\xd8" + b"\x00" * MAX_BYTES)
    assert "2 MB" in err.value.message
