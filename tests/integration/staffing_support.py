"""A unit with a known weekly queue for the staffing tests: busy Monday mornings, three services on three counters
(two of them sharing a counter), ten weeks of history, and last Monday's 09:00 served by one counter only."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from portal.db.tables import Visit
from portal.insight.rollups import touch
from tests.factories import make_counter, make_service, make_unit, make_user

TZ = "Asia/Makassar"
#: Wednesday 18 November 2026, 10:00 WITA (the tests travel there): weekdays from 7 September on are generated; the
#: plan's own calendar leaves out any holiday among them.
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=ZoneInfo(TZ))
HISTORY_WEEKS = 10
CALL_AFTER, SERVE_AFTER, FINISH_AFTER = 5.0, 6.0, 16.0  # minutes after arrival: busy 11 minutes from the call
LONG_WAIT = 40.0  # last Monday 09:00, one counter open


def arrivals_of(weekday: int) -> dict[str, dict[int, int]]:
    """Arrivals per service and local hour on a weekday: service A has 8 at 09:00 on Mondays, 3 on other days."""
    return {"a": {9: 8 if weekday == 0 else 3, 13: 1}, "b": {10: 1}, "d": {11: 1}}


async def staffing_scene(now: datetime = NOW) -> dict:
    unit = await make_unit(timezone=TZ, name="Dinas Antrean Uji")
    a = await make_service(unit, name="Layanan A")
    b = await make_service(unit, name="Layanan B")
    d = await make_service(unit, name="Layanan D")
    c1 = await make_counter(unit, [a], code=f"A{secrets.token_hex(3).upper()}")
    c2 = await make_counter(unit, [a, b], code=f"B{secrets.token_hex(3).upper()}")
    c3 = await make_counter(unit, [d], code=f"C{secrets.token_hex(3).upper()}")
    services = {"a": a, "b": b, "d": d}
    today = now.astimezone(ZoneInfo(TZ)).date()
    this_monday = today - timedelta(days=today.weekday())
    last_monday = this_monday - timedelta(days=7)
    first_monday = this_monday - timedelta(days=7 * HISTORY_WEEKS)
    rows, touched = [], set()
    day = first_monday
    while day < today:
        if day.weekday() < 5:
            for key, hours in arrivals_of(day.weekday()).items():
                for hour, count in hours.items():
                    for i in range(count):
                        arrived = datetime(day.year, day.month, day.day, hour, 5 * i, tzinfo=ZoneInfo(TZ))
                        counter = c3 if key == "d" else c2 if key == "b" else (c1, c2)[i % 2]
                        wait = CALL_AFTER
                        if day == last_monday and key == "a" and hour == 9:
                            counter, wait = c1, LONG_WAIT  # only one counter open that hour
                        rows.append(Visit(
                            unit=unit["id"], service=services[key]["id"], counter=counter["id"], local_day=day,
                            token=secrets.token_urlsafe(24), arrived_at=arrived, arrived_source="officer",
                            called_at=arrived + timedelta(minutes=wait),
                            served_at=arrived + timedelta(minutes=wait + SERVE_AFTER - CALL_AFTER),
                            finished_at=arrived + timedelta(minutes=wait + FINISH_AFTER - CALL_AFTER),
                            outcome="completed", survey_offered=True))
                        touched.add((services[key]["id"], day))
        day += timedelta(days=1)
    for start in range(0, len(rows), 200):
        await Visit.insert(*rows[start:start + 200]).run()
    for service_id, day_ in sorted(touched):
        await touch(service_id, day_)
    users = {role: await make_user(role, [unit]) for role in ("head", "manager", "officer")}
    return {"unit": unit, "services": services, "counters": [c1, c2, c3], "users": users, "today": today,
            "this_monday": this_monday, "last_monday": last_monday, "visits": len(rows)}


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
