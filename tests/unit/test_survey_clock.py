"""Unit tests of survey.clock: working days across weekends, holidays and closures, in WIB/WITA/WIT."""

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from survey.clock import durations, holiday_calendar, local_days, within_limit


def utc(*stamps):
    return np.array(stamps, dtype="datetime64[s]")


def test_holiday_calendar_has_national_days_and_closures():
    cal = holiday_calendar([2026])
    assert np.datetime64("2026-08-17") in cal  # Hari Kemerdekaan
    assert np.datetime64("2026-03-21") in cal  # Idul Fitri (per the holidays package)
    assert np.datetime64("2026-03-19") in cal  # Nyepi
    with_closure = holiday_calendar([2026], closures=["2026-08-19"])
    assert np.datetime64("2026-08-19") in with_closure and np.datetime64("2026-08-19") not in cal
    assert np.all(np.diff(with_closure) > np.timedelta64(0, "D"))


def test_working_days_weekend_and_independence_day():
    # Fri 14 Aug 2026 10:00 WIB -> Tue 18 Aug: Sat, Sun, Mon 17 Aug (holiday) skipped, Tue counts
    s = utc("2026-08-14T03:00")
    assert durations(s, utc("2026-08-18T03:00"), "working_days").tolist() == [1.0]
    assert durations(s, utc("2026-08-17T03:00"), "working_days").tolist() == [0.0]
    assert durations(s, utc("2026-08-14T08:00"), "working_days").tolist() == [0.0]  # same day
    assert durations(s, utc("2026-08-21T03:00"), "working_days").tolist() == [4.0]  # Tue..Fri
    # a local closure on Wed 19 Aug removes one more day
    assert durations(s, utc("2026-08-21T03:00"), "working_days", closures=["2026-08-19"]).tolist() == [3.0]
    assert durations(s, utc("2026-08-21T03:00"), "calendar_days").tolist() == [7.0]


def test_working_days_around_nyepi_and_idul_fitri_2026():
    # Wed 18 Mar -> Mon 23 Mar: Thu 19 (Nyepi) off, Sat 21/Sun 22 (Idul Fitri); Fri 20 and Mon 23 are cuti
    # bersama. A unit open on cuti bersama counts Fri 20 and Mon 23.
    s = utc("2026-03-18T02:00")
    assert durations(s, utc("2026-03-23T02:00"), "working_days", cuti_bersama=False).tolist() == [2.0]
    # the default counts the collective leave (cuti bersama, `holidays` government category) as non-working,
    # as the same days given as local closures did before
    closures = ["2026-03-20", "2026-03-23", "2026-03-24"]
    assert durations(s, utc("2026-03-25T02:00"), "working_days", closures=closures,
                     cuti_bersama=False).tolist() == [1.0]
    assert durations(s, utc("2026-03-25T02:00"), "working_days").tolist() == [1.0]
    assert durations(s, utc("2026-03-23T02:00"), "working_days").tolist() == [0.0]


def test_cuti_bersama_are_the_government_category_of_the_holidays_package():
    import holidays

    gov = holidays.country_holidays("ID", years=[2025, 2026], categories=("government",))
    public = holidays.country_holidays("ID", years=[2025, 2026])
    assert len(gov) >= 10 and not set(gov) & set(public)
    assert all("Joint Holiday" in name for name in gov.values())  # cuti bersama, in the package's words
    with_cb = holiday_calendar([2025, 2026])
    without = holiday_calendar([2025, 2026], cuti_bersama=False)
    expected = np.array(sorted(set(gov) | set(public)), dtype="datetime64[D]")
    np.testing.assert_array_equal(with_cb, expected)
    np.testing.assert_array_equal(without, np.array(sorted(public), dtype="datetime64[D]"))
    # SKB 3 Menteri 2026: cuti bersama Idul Fitri on 20, 23 and 24 March
    for day in ("2026-03-20", "2026-03-23", "2026-03-24", "2026-12-24"):
        assert np.datetime64(day) in with_cb and np.datetime64(day) not in without
    # Mon 21 Dec -> Mon 28 Dec 2026: Thu 24 (cuti bersama) and Fri 25 (Christmas) off
    s, e = utc("2026-12-21T02:00"), utc("2026-12-28T02:00")
    assert durations(s, e, "working_days").tolist() == [3.0]  # Tue 22, Wed 23, Mon 28
    assert durations(s, e, "working_days", cuti_bersama=False).tolist() == [4.0]


def test_makassar_vs_jakarta_around_midnight_utc():
    # 16:30 UTC Thu 13 Aug = 23:30 Thu in Jakarta (UTC+7) but 00:30 Fri in Makassar (UTC+8)
    s = utc("2026-08-13T16:30")
    e = utc("2026-08-14T03:00")  # Friday morning everywhere
    assert durations(s, e, "working_days", tz="Asia/Jakarta").tolist() == [1.0]
    assert durations(s, e, "working_days", tz="Asia/Makassar").tolist() == [0.0]
    assert durations(s, e, "calendar_days", tz="Asia/Jakarta").tolist() == [1.0]
    assert durations(s, e, "calendar_days", tz="Asia/Makassar").tolist() == [0.0]
    assert durations(s, e, "hours", tz="Asia/Makassar").tolist() == [10.5]
    assert durations(s, e, "minutes").tolist() == [630.0]


def test_local_days_match_zoneinfo():
    rng = np.random.default_rng(0)
    t = np.datetime64("2025-01-01T00:00", "s") + rng.integers(0, 3 * 365 * 86400, 200).astype("timedelta64[s]")
    for tz in ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"):
        zone = ZoneInfo(tz)
        expected = [
            np.datetime64(dt.datetime.fromtimestamp(int(v.astype(np.int64)), dt.UTC).astimezone(zone).date())
            for v in t
        ]
        np.testing.assert_array_equal(local_days(t, tz), np.array(expected, dtype="datetime64[D]"))


def test_aware_datetimes_and_open_cases():
    wib = ZoneInfo("Asia/Jakarta")
    start = [dt.datetime(2026, 8, 14, 10, 0, tzinfo=wib), dt.datetime(2026, 8, 14, 10, 0, tzinfo=wib)]
    end = [dt.datetime(2026, 8, 18, 9, 0, tzinfo=wib), None]
    d = durations(start, end, "working_days")
    assert d[0] == 1.0 and np.isnan(d[1])
    assert durations(start, end, "minutes")[0] == pytest.approx((4 * 24 - 1) * 60)
    assert np.isnan(durations(start, end, "calendar_days")[1])
    with pytest.raises(ValueError):
        durations([dt.datetime(2026, 1, 1)], [dt.datetime(2026, 1, 2)], "hours")
    with pytest.raises(ValueError):
        durations(start, end, "weeks")


def test_span_over_new_year_uses_both_years():
    # Wed 31 Dec 2025 -> Fri 2 Jan 2026: 1 Jan is a holiday, so only Fri counts
    assert durations(utc("2025-12-31T02:00"), utc("2026-01-02T02:00"), "working_days").tolist() == [1.0]


def test_within_limit():
    assert within_limit(np.array([1.0, 3.0, np.nan, 3.5]), 3).tolist() == [True, True, False, False]
