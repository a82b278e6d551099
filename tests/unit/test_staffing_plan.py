"""The staffing plan's pure pieces: weeks, the unit's calendar, pools of counters, slots, waits within a target,
and the history arrays (closed days are not zeros)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.insight import sketch
from portal.staffing import plan
from portal.staffing.queries import HourRow, UnitRow

UNIT = UnitRow(id=1, slug="u", name="U", timezone="Asia/Makassar", closures='["2026-11-19"]', cuti_bersama=True)


def test_weeks_are_read_as_iso_weeks_and_bad_ones_refused():
    today = date(2026, 11, 18)  # a Wednesday
    assert plan.parse_week("", today) == date(2026, 11, 23)  # default: next week
    assert plan.parse_week("2026-W48", today) == date(2026, 11, 23)
    assert plan.parse_week("2026-W53", today) == date(2026, 12, 28)  # 2026 has 53 ISO weeks
    assert plan.week_label(date(2027, 1, 1)) == "2026-W53"
    for bad, message in (("2026-48", "written as"), ("2025-W53", "no week"), ("2027-W30", "too far ahead")):
        with pytest.raises(plan.WeekError) as caught:
            plan.parse_week(bad, today)
        assert message in str(caught.value)


def test_the_units_calendar_says_why_a_day_is_closed():
    days = [date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26), date(2026, 11, 19), date(2026, 11, 18)]
    reasons = plan.closed_reasons(UNIT, days)
    assert reasons == {date(2026, 12, 24): "holiday",  # cuti bersama, the unit closes on it
                       date(2026, 12, 25): "holiday", date(2026, 12, 26): "weekend",
                       date(2026, 11, 19): "closure", date(2026, 11, 18): None}
    open_on_leave = UnitRow(**{**UNIT, "cuti_bersama": False})
    assert plan.closed_reasons(open_on_leave, [date(2026, 12, 24)]) == {date(2026, 12, 24): None}


def test_counters_that_share_services_form_one_pool():
    services = [{"id": i, "slug": f"s{i}", "name": f"S{i}", "name_en": ""} for i in (1, 2, 3, 4)]
    counters = [{"id": 10 + i, "code": f"C{i}", "name": ""} for i in (1, 2, 3)]
    links = [{"counter": 11, "service": 1}, {"counter": 12, "service": 1}, {"counter": 12, "service": 2},
             {"counter": 13, "service": 3}]
    pools = plan.pools_of(services, counters, links)  # type: ignore[arg-type]
    assert [([c["code"] for c in p.counters], [s["id"] for s in p.services]) for p in pools] == [
        (["C1", "C2"], [1, 2]), (["C3"], [3]), ([], [4])]


def test_hours_before_opening_wait_for_it_and_evening_is_outside():
    assert [plan.slot_of(h) for h in (6, 7, 8, 12, 15, 16, 20)] == [0, 0, 0, 4, 7, None, None]


def test_share_within_the_target_from_a_wait_sketch():
    hist: dict[int, int] = {}
    for minutes in (2, 4, 6, 8, 30, 45):
        sketch.add(hist, minutes)
    assert plan.share_within(hist, 15) == pytest.approx(4 / 6)
    assert plan.share_within(hist, 0.05) == 0.0 and plan.share_within(hist, 60) == 1.0
    assert plan.share_within({}, 15) is None
    lo, hi = sketch.edges(sketch.bin_of(10))  # inside a bin: linear, so within its 5 % width
    assert 0 < plan.share_within({sketch.bin_of(10): 1}, (lo + hi) / 2) < 1


def test_history_leaves_closed_days_out_and_sums_busy_time():
    monday = date(2026, 11, 16)
    mondays = [monday - timedelta(days=7), monday]
    reasons = plan.closed_reasons(UNIT, [m + timedelta(days=i) for m in mondays for i in range(5)])
    rows = [HourRow(service=1, counter=5, day=date(2026, 11, 16), arrival_hours={7: 2, 9: 3, 17: 1},
                    activity_hours={9: 4}, wait_hours={}, busy_hours={9: 3}, busy_seconds={9: 1800}),
            HourRow(service=1, counter=6, day=date(2026, 11, 16), arrival_hours={9: 1}, activity_hours={},
                    wait_hours={}, busy_hours={9: 1}, busy_seconds={9: 600})]
    past = plan.history(rows, [1], mondays, reasons, first=date(2026, 11, 10))
    assert past.weeks == 2
    assert past.counts[1][1, 0, 0] == 2 and past.counts[1][1, 0, 1] == 4 and past.counts[1].sum() == 6
    assert not past.observed[1, 3].any()  # 19 November, the unit's closure
    assert not past.observed[0, 0].any() and past.observed[0, 1].all()  # before the first visit (10 November)
    assert past.busy[1] == (4, 2400)
