"""`seed_demo`: the demo city (DEMO DATA) plus months of simulated visits and SKM responses, seeded and idempotent.

The simulation is a seeded numpy model (np.random.default_rng(seed)): arrivals per service per working day
(Poisson, weekdays only, Indonesian national holidays skipped via survey.clock.holiday_calendar), arrival times in
the unit's local opening hours, lognormal waiting (arrival -> called) and handling (served -> finished) times,
multi-day products delivered after a number of working days, outcomes, fees, and survey answers U1..U9 correlated
through a latent satisfaction per respondent (PermenPANRB 14/2017 instrument). Deliberate patterns for the
dashboards: a licence breaching its time limit (izin-reklame), citizens reporting payments above a free service's
fee (kartu-keluarga), low U3/U8 at the hospital registration (pendaftaran-rawat-jalan), open multi-day cases
(censored for Kaplan-Meier), a few visits of today still in the queue, and a week worth planning for (issue 29):
busy Monday mornings, a counter roster (content.ROSTER) that leaves some busy hours short of counters, and the
day's longest waits in its most crowded hours (`_staffed`, from a random stream of its own). Each unit also gets a
complaint register (issue 22 item 7): complaints received on working days, classified, then answered on time,
answered late, left open or rejected, filed and moved through the complaints capability's own services (audited).
"""

from __future__ import annotations

import secrets
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from portal.accounts.auth import CurrentUser
from portal.accounts.passwords import hash_password
from portal.accounts.services import create_or_reset_user as create_user
from portal.catalog.queries import pick_in_force
from portal.complaints import queries as complaint_queries
from portal.complaints import services as complaint_services
from portal.complaints.schemas import ComplaintInput
from portal.db.tables import (
    AuditLog,
    Counter,
    CounterService,
    Government,
    Service,
    StandardVersion,
    SurveyResponse,
    Unit,
    User,
    Visit,
)
from portal.db.tables_complaints import Complaint
from portal.db.tables_insight import RollupDirty
from portal.demo import content
from portal.timeutil import local_midnight_utc, utcnow
from portal.tokens import new_token
from survey.clock import WEEKMASK, holiday_calendar

CHUNK = 500
OUTCOME_P = {"completed": 0.90, "rejected_incomplete": 0.05, "no_show": 0.03, "cancelled": 0.02}
AGE_BANDS = ["17-25", "26-35", "36-45", "46-55", "56+"]
EDUCATION = ["SD", "SMP", "SMA", "D1-D3", "S1", "S2", "S3"]
EDUCATION_P = [0.08, 0.14, 0.40, 0.12, 0.22, 0.035, 0.005]
OCCUPATION = ["PNS", "TNI", "POLRI", "swasta", "wirausaha", "lainnya"]
OCCUPATION_P = [0.15, 0.03, 0.03, 0.30, 0.25, 0.24]
OVERCHARGE_AMOUNT = 50_000


def _say(quiet: bool):
    def say(message: str) -> None:
        if not quiet:
            print(message, flush=True)

    return say


async def seed_demo(months: int = 6, scale: float = 1.0, seed: int = 2026, quiet: bool = False,
                    secret_key: str | None = None, now: datetime | None = None) -> dict:
    """Seed the demo city once (keyed on the government slug); a second call changes nothing and says so.

    Returns a summary: created (bool), counts of units, services, counters, visits, responses, and the demo
    accounts {username: password}. Everything runs in one transaction: all or nothing.
    """
    if months < 1 or scale <= 0:
        raise ValueError("months must be >= 1 and scale > 0")
    say = _say(quiet)
    started = time.perf_counter()
    now = (now or utcnow()).astimezone(UTC)
    accounts = {username: password for username, password, *_ in content.ACCOUNTS}
    async with Government._meta.db.transaction():
        existing = await Government.select(Government.id).where(Government.slug == content.GOVERNMENT["slug"]) \
            .first().run()
        if existing:
            summary = await _summary(existing["id"], created=False, accounts=accounts)
            say(f"Demo data for {content.GOVERNMENT['name']} is already present: nothing changed.")
            _print_accounts(say, summary["accounts"])
            return summary
        builder = _Builder(months, scale, seed, secret_key or secrets.token_hex(32), now, say)
        await builder.run()
    from portal.insight.refresher import run_once

    say("rollups and published figures…")
    await run_once(full=True)  # the server starts with figures ready, not with months of days to recompute
    summary = await _summary(builder.government_id, created=True, accounts=accounts)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    say(f"done in {summary['seconds']} s: {summary['units']} units, {summary['services']} services, "
        f"{summary['counters']} counters, {summary['visits']} visits, {summary['responses']} responses")
    _print_accounts(say, summary["accounts"])
    return summary


def _print_accounts(say, accounts: dict[str, str]) -> None:
    say("Demo accounts (DEMO PASSWORDS — change or remove them before any real use):")
    for username, password in accounts.items():
        say(f"  {username:<18} {password}")


async def _summary(government_id: int, created: bool, accounts: dict[str, str]) -> dict:
    units = await Unit.select(Unit.id).where(Unit.government == government_id).run()
    unit_ids = [u["id"] for u in units]
    if not unit_ids:
        return {"created": created, "government": content.GOVERNMENT["slug"], "units": 0, "services": 0,
                "counters": 0, "visits": 0, "responses": 0, "accounts": accounts}
    return {
        "created": created,
        "government": content.GOVERNMENT["slug"],
        "units": len(unit_ids),
        "services": await Service.count().where(Service.unit.is_in(unit_ids)).run(),
        "counters": await Counter.count().where(Counter.unit.is_in(unit_ids)).run(),
        "visits": await Visit.count().where(Visit.unit.is_in(unit_ids)).run(),
        "responses": await SurveyResponse.count().where(SurveyResponse.unit.is_in(unit_ids)).run(),
        "accounts": accounts,
    }


def _minutes_to_dt(base: datetime, minutes: float) -> datetime:
    return base + timedelta(minutes=float(minutes))


class _Builder:
    """Creates the structure (units, services, versions, counters, accounts) and then the simulation."""

    def __init__(self, months: int, scale: float, seed: int, secret_key: str, now: datetime, say) -> None:
        self.months, self.scale, self.secret_key, self.now, self.say = months, scale, secret_key, now, say
        self.rng = np.random.default_rng(seed)
        # The roster's own draws (which waits go to the busiest hours) come from a stream of their own, so that
        # every other figure of the simulation stays what the seed made it.
        self.roster_rng = np.random.default_rng([seed, 29])
        self.units: dict[str, dict] = {}
        self.services: dict[str, dict] = {}
        self.counters: dict[str, int] = {}
        self.users: dict[str, int] = {}
        self.government_id = 0
        self.dirty: set[tuple[int, date]] = set()
        years = range(now.year - months // 12 - 2, now.year + 2)
        self.calendar = np.busdaycalendar(weekmask=WEEKMASK, holidays=holiday_calendar(list(years)))

    async def run(self) -> None:
        await self._structure()
        await self._simulate()
        await self._complaints()

    # ----------------------------------------------------------------- structure
    async def _structure(self) -> None:
        rows = await Government.insert(Government(**content.GOVERNMENT)  # pyright: ignore[reportArgumentType]  # columns
                                       ).returning(Government.id).run()
        self.government_id = rows[0]["id"]
        today = self.now.date()
        for spec in content.UNITS:
            parent = self.units[spec["parent"]]["id"] if spec["parent"] else None
            unit = Unit(
                government=self.government_id, parent=parent, slug=spec["slug"], name=spec["name"],
                short_name=spec["short_name"], kind=spec["kind"], timezone=spec["timezone"],
                address=spec["address"], phone=spec["phone"], email=spec["email"],
                maklumat_text=content.MAKLUMAT, maklumat_signer=spec["signer"],
                maklumat_date=today - timedelta(days=spec["maklumat_days"]),
            )
            rows = await Unit.insert(unit).returning(Unit.id).run()
            self.units[spec["slug"]] = {**spec, "id": rows[0]["id"],
                                        "offset": ZoneInfo(spec["timezone"]).utcoffset(self.now.replace(tzinfo=None))}
        self.say(f"units… {len(self.units)}")

        for username, password, role, unit_slugs, display_name in content.ACCOUNTS:
            existing = await User.select(User.id).where(User.username == username).first().run()
            if existing:  # never overwrite a real account that happens to share the name
                self.users[username] = existing["id"]
                continue
            self.users[username] = await create_user(username, await hash_password(password), role, unit_slugs,
                                                     display_name=display_name)
        self.say(f"accounts… {len(self.users)}")

        v1_days = max(365, self.months * 31 + 14)
        for spec in content.SERVICES:
            unit = self.units[spec["unit"]]
            rows = await Service.insert(Service(unit=unit["id"], slug=spec["slug"], name=spec["name"],
                                                name_en=spec["name_en"], description=spec["description"])) \
                .returning(Service.id).run()
            service = {**spec, "id": rows[0]["id"], "unit_id": unit["id"], "versions": []}
            await self._versions(service, unit, v1_days, spec["versions"])
            self.services[spec["slug"]] = service
        self.say(f"services… {len(self.services)}")

        for code, unit_slug, name in content.COUNTERS:
            rows = await Counter.insert(Counter(unit=self.units[unit_slug]["id"], code=code, name=name)) \
                .returning(Counter.id).run()
            self.counters[code] = rows[0]["id"]
        links = [CounterService(counter=self.counters[code], service=service["id"])
                 for service in self.services.values() for code in service["counters"]]
        await CounterService.insert(*links).run()
        self.say(f"counters… {len(self.counters)}")

    async def _versions(self, service: dict, unit: dict, v1_days: int, specs: list[dict]) -> None:
        tz = unit["timezone"]
        today = self.now.astimezone(ZoneInfo(tz)).date()
        approver = self.users.get(content.APPROVER.get(unit["slug"], "admin")) or self.users["admin"]
        manager = next((self.users[u] for u, _p, role, slugs, _d in content.ACCOUNTS
                        if role == "manager" and unit["slug"] in slugs), self.users["admin"])
        current: dict = {}
        wa = f"0812-3700-0{unit['phone'][-3:]}"
        for number, spec in enumerate(specs, start=1):
            current = {**current, **{k: v for k, v in spec.items() if k not in ("days_ago", "days_ahead", "draft")}}
            if spec.get("draft"):
                effective = approved_at = None
                status, approved_by, created_at = "draft", None, self.now - timedelta(days=3)
            else:
                day = today + timedelta(days=spec["days_ahead"]) if "days_ahead" in spec else \
                    today - timedelta(days=spec.get("days_ago", v1_days))
                effective = local_midnight_utc(tz, day)
                approved_at = min(effective - timedelta(days=7), self.now - timedelta(hours=1))
                status, approved_by, created_at = "approved", approver, approved_at - timedelta(days=7)
            value, time_unit = current["time_limit"]
            row = StandardVersion(
                service=service["id"], version=number, status=status,
                requirements=current["requirements"], procedure=current["procedure"],
                time_limit_value=value, time_limit_unit=time_unit, fee=current["fee"], product=current["product"],
                complaint_channel=content.complaint(unit["phone"], unit["email"], wa),
                legal_basis=current["legal_basis"], facilities=current["facilities"], staff_count=current["staff"],
                service_guarantee=current["guarantee"], target_time=current.get("target_time", 0.95),
                effective_from=effective, approved_by=approved_by, approved_at=approved_at,
                created_by=manager, created_at=created_at,
                change_note=current.get("change_note", "Standar pelayanan pertama (penetapan awal).")
                if number > 1 else "Standar pelayanan pertama (penetapan awal).",
            )
            rows = await StandardVersion.insert(row).returning(StandardVersion.id).run()
            current.pop("change_note", None)
            service["versions"].append({"id": rows[0]["id"], "status": status, "effective": effective,
                                        "limit": (value, time_unit), "fee": current["fee"]})

    # ----------------------------------------------------------------- simulation
    async def _simulate(self) -> None:
        plans = [self._plan_service(service) for service in self.services.values()]
        plans = self._live_queue(plans)
        total = sum(len(p) for p in plans)
        self.say(f"visits… 0/{total}")
        inserted = 0
        visits_with_ids: list[tuple[dict, dict, int]] = []
        pending: list[tuple[dict, dict]] = []
        for service, plan in zip(self.services.values(), plans, strict=True):
            for visit in plan:
                pending.append((service, visit))
                if len(pending) >= CHUNK:
                    visits_with_ids += await self._insert_visits(pending)
                    inserted += len(pending)
                    pending = []
                    if inserted % 10_000 < CHUNK:
                        self.say(f"visits… {inserted}/{total}")
        if pending:
            visits_with_ids += await self._insert_visits(pending)
            inserted += len(pending)
        self.say(f"visits… {inserted}/{total}")
        responses = self._responses(visits_with_ids)
        for start in range(0, len(responses), CHUNK):
            await SurveyResponse.insert(*responses[start:start + CHUNK]).run()
        self.say(f"responses… {len(responses)}")
        dirty = [RollupDirty(service=s, day=d) for s, d in sorted(self.dirty)]
        for start in range(0, len(dirty), CHUNK):
            await RollupDirty.insert(*dirty[start:start + CHUNK]).run()
        await AuditLog.insert(AuditLog(action="demo_seeded", entity="government", entity_id=self.government_id,
                                       actor_name="portal demo",
                                       details={"months": self.months, "scale": self.scale,
                                                "visits": inserted, "responses": len(responses)})).run()
        self.say(f"rollups marked… {len(dirty)} service-days")

    async def _complaints(self) -> None:
        """A plausible complaint register per unit (DEMO DATA), through the complaints capability's own services
        (each filing and step audited, deadlines from the unit's class table): received on working days of the
        simulated months, classified the next working day, then answered on time, answered late, still open
        (mostly the recent ones) or rejected. Steps that would fall after `now` have not happened yet."""
        rng, plan = self.rng, _ComplaintPlan
        filed = 0
        for spec in content.UNITS:
            unit = self.units[spec["slug"]]
            services = [s for s in self.services.values() if s["unit"] == spec["slug"]]
            if not services:
                continue
            row = await complaint_queries.unit_by_id(unit["id"])
            assert row is not None  # inserted above
            staff = next((u for u, _p, role, slugs, _d in content.ACCOUNTS
                          if role in ("manager", "head") and spec["slug"] in slugs), "admin")
            actor = CurrentUser(self.users[staff], staff, staff, "admin" if staff == "admin" else "manager",
                                frozenset([unit["id"]]))
            offset = unit["offset"]
            today = (self.now + offset).date()
            start = today - timedelta(days=round(self.months * 30.44))
            days = np.arange(np.datetime64(start), np.datetime64(today) + 1, dtype="datetime64[D]")
            days = days[np.is_busday(days, busdaycal=self.calendar)]
            counts = rng.poisson(plan.PER_DAY * max(self.scale, 0.25), len(days))
            for day64, count in zip(days, counts, strict=True):
                for _ in range(int(count)):
                    d: date = day64.item()
                    received = datetime(d.year, d.month, d.day, tzinfo=UTC) - offset + \
                        timedelta(minutes=int(rng.integers(8 * 60, 15 * 60)))
                    if received > self.now:
                        continue
                    category = str(rng.choice(list(plan.CATEGORIES), p=list(plan.CATEGORIES.values())))
                    service = services[int(rng.integers(0, len(services)))]
                    code, _ = await complaint_services.file_complaint(
                        ComplaintInput(category, plan.TEXT[category], None, None, "",
                                       channel=str(rng.choice(["web", "paper", "phone", "lapor"],
                                                              p=[0.55, 0.2, 0.15, 0.1]))),
                        unit=row, service_id=service["id"], counter_id=None, actor=actor, now=received)
                    filed += 1
                    complaint = await Complaint.select(Complaint.id, Complaint.deadline).where(
                        Complaint.code == code).first().run()
                    assert complaint is not None  # just filed
                    await self._complaint_steps(complaint["id"], d, offset, actor)
        self.say(f"complaints… {filed}")

    async def _complaint_steps(self, complaint_id: int, day: date, offset: timedelta, actor) -> None:
        """Classify, then answer on time or late, leave open, or reject one demo complaint received on `day`."""
        rng, plan = self.rng, _ComplaintPlan

        def on_working_day(k: int, hour: float) -> datetime:
            """Local `hour` on the k-th working day after `day` (national holidays skipped), as UTC."""
            target = np.busday_offset(np.datetime64(day, "D") + np.timedelta64(1, "D"), k - 1, roll="forward",
                                      busdaycal=self.calendar).item()
            assert isinstance(target, date)  # a datetime64[D] item
            return (datetime(target.year, target.month, target.day, tzinfo=UTC) - offset
                    + timedelta(minutes=round(hour * 60)))

        ending = str(rng.choice(list(plan.ENDING), p=list(plan.ENDING.values())))
        if ending == "rejected":
            at = on_working_day(1, 10)
            if at <= self.now:
                await complaint_services.transition(complaint_id, "reject", actor,
                                                    {"reason": "Bukan pengaduan pelayanan (DEMO)."}, now=at)
            return
        classified = on_working_day(1, 9.5)
        if classified > self.now:
            return
        severity = str(rng.choice(list(plan.SEVERITY), p=list(plan.SEVERITY.values())))
        await complaint_services.transition(complaint_id, "classify", actor, {"severity": severity}, now=classified)
        if ending == "open":
            return
        row = await Complaint.select(Complaint.deadline_days).where(Complaint.id == complaint_id).first().run()
        assert row is not None
        limit = int(row["deadline_days"])
        k = int(rng.integers(1, limit + 1)) if ending == "on_time" else limit + int(rng.integers(1, 6))
        answered = on_working_day(max(k, 1), float(rng.uniform(9, 15)))
        if answered > self.now:
            return
        await complaint_services.transition(complaint_id, "answer", actor,
                                            {"answer": "Terima kasih, sudah kami tindak lanjuti (DEMO)."},
                                            now=answered)
        closed = on_working_day(max(k, 1) + 2, 10)
        if rng.random() < 0.6 and closed <= self.now:
            await complaint_services.transition(complaint_id, "close", actor, {}, now=closed)

    def _plan_service(self, service: dict) -> list[dict]:
        """Simulated visits of one service as dicts of Python values (UTC datetimes), ticket-numbered."""
        rng, sim = self.rng, service["sim"]
        unit = self.units[service["unit"]]
        offset = unit["offset"]
        local_now = self.now + offset
        today = local_now.date()
        start = today - timedelta(days=round(self.months * 30.44))
        days = np.arange(np.datetime64(start), np.datetime64(today) + 1, dtype="datetime64[D]")
        days = days[np.is_busday(days, busdaycal=self.calendar)]
        weekday = (days.astype("datetime64[D]").view("int64") - 4) % 7  # 0 = Monday
        factor = np.array([1.2, 1.05, 1.0, 0.95, 0.8])[np.minimum(weekday, 4)]
        counts = rng.poisson(sim["per_day"] * self.scale * factor)
        n = int(counts.sum())
        if n == 0:
            return []
        day_of = np.repeat(np.arange(len(days)), counts)
        visit_weekday = np.minimum(weekday[day_of], 4)
        # Arrival: a morning peak around 09:30 plus a flat share, clipped to opening hours (Friday shorter). Monday
        # mornings are busier still (issue 29, the staffing plan): Monday's peak comes at 09:00, a quarter tighter.
        peak = rng.normal(9.5 * 60, 60, n)
        flat = rng.uniform(7.75 * 60, 14.5 * 60, n)
        at_peak = rng.random(n) < 0.7
        close = np.where(weekday[day_of] == 4, 11.25 * 60, 14.5 * 60)
        drawn_min = np.clip(np.where(at_peak, peak, flat), 7.75 * 60, close)
        past = (days < np.datetime64(today))[day_of]  # today's visits stay as drawn (the live queue, the responses)
        monday_peak = np.where((visit_weekday == 0) & past, 9.0 * 60 + 0.75 * (peak - 9.5 * 60), peak)
        arrive_min = np.clip(np.where(at_peak, monday_peak, flat), 7.75 * 60, close)
        wait = rng.lognormal(np.log(sim["wait"][0]), sim["wait"][1], n)
        gap = rng.uniform(0.3, 2.0, n)
        handle = rng.lognormal(np.log(sim["handle"][0]), sim["handle"][1], n)
        outcome = rng.choice(list(OUTCOME_P), size=n, p=list(OUTCOME_P.values()))
        handle = np.where(outcome == "rejected_incomplete", handle * 0.5, handle)
        # Visits are made in the order of the drawn arrivals (the survey answers drawn later follow this order);
        # their tickets are numbered by the arrival times they end up with (below).
        order = np.lexsort((drawn_min, day_of))
        counters = [self.counters[c] for c in service["counters"]]
        officer = next((self.users[u] for u, _p, role, slugs, _d in content.ACCOUNTS
                        if role == "officer" and unit["slug"] in slugs), None)
        letter = chr(ord("A") + [s["slug"] for s in content.SERVICES if s["unit"] == unit["slug"]]
                     .index(service["slug"]))
        versions = [v for v in service["versions"] if v["status"] == "approved"]
        overcharge_share = sim.get("overcharge", 0.0)
        late_draw = rng.random(n)
        spread = rng.normal(0, 1, n)
        late_extra = rng.integers(1, (sim.get("days") or (0, 0, 0, 1))[3] + 1, n)
        deliver_min = rng.uniform(9 * 60, 15 * 60, n)
        correction = rng.random(n) < 0.03
        overcharged = rng.random(n) < overcharge_share * 0.25
        counter_pick = rng.integers(0, len(counters), n)
        wait, counter_at = _staffed(service["counters"], day_of, visit_weekday, arrive_min, wait, counter_pick,
                                    days < np.datetime64(today), self.roster_rng)
        plan: list[dict] = []
        i: int  # a row index (numpy's stubs type an untyped index as an array)
        for i in order.tolist():
            d: date = days[day_of[i]].item()  # a datetime64[D] item is a date
            midnight = datetime(d.year, d.month, d.day, tzinfo=UTC) - offset
            arrived = _minutes_to_dt(midnight, arrive_min[i])
            if arrived > self.now:
                continue
            version = _in_force(versions, arrived)
            if version is None:
                continue
            limit_value, limit_unit = version["limit"]
            called = _minutes_to_dt(arrived, wait[i])
            served = _minutes_to_dt(called, gap[i])
            finished = _minutes_to_dt(served, handle[i])
            kind = str(outcome[i])
            delivered = None
            late = False
            if kind == "completed":
                if limit_unit == "working_days":
                    typical, sd, late_share, _extra = sim["days"]
                    if late_draw[i] < late_share:
                        k = limit_value + int(late_extra[i])
                        late = True
                    else:
                        k = int(np.clip(round(typical + sd * spread[i]), 0, limit_value))
                    if k == 0:
                        delivered = finished + timedelta(minutes=30 + 120 * float(late_draw[i]))
                    else:
                        dd = np.busday_offset(days[day_of[i]], k, roll="forward", busdaycal=self.calendar).item()
                        assert isinstance(dd, date)  # a datetime64[D] item
                        delivered = _minutes_to_dt(datetime(dd.year, dd.month, dd.day, tzinfo=UTC) - offset,
                                                   deliver_min[i])
                        delivered = max(delivered, finished + timedelta(minutes=5))
                else:
                    delivered = finished
                    limit_minutes = limit_value * (60 if limit_unit == "hours" else 1)
                    late = (finished - arrived).total_seconds() / 60 > limit_minutes
            row = {
                "service_id": service["id"], "unit_id": unit["id"], "version_id": version["id"], "local_day": d,
                "ticket": "", "counter": self.counters[counter_at[i]],
                "arrived": arrived, "called": None, "served": None, "finished": None, "delivered": None,
                "outcome": None, "fee_charged": None, "correction": None, "officer": None, "late": late,
                "tz_offset": offset, "fee": version["fee"], "overcharged": False,
            }
            if kind != "cancelled":
                row["called"] = called
            if kind in ("completed", "rejected_incomplete"):
                row.update(served=served, finished=finished, officer=officer)
            if kind == "completed":
                row["delivered"] = delivered
                row["correction"] = bool(correction[i])
                row["fee_charged"] = version["fee"]
                if overcharged[i]:
                    row["fee_charged"] = version["fee"] + OVERCHARGE_AMOUNT
                    row["overcharged"] = True
            elif kind == "rejected_incomplete":
                row["fee_charged"] = 0
            row["outcome"] = kind
            _truncate_at(row, self.now)
            plan.append(row)
        by_day: dict[date, list[dict]] = defaultdict(list)
        for row in plan:
            by_day[row["local_day"]].append(row)
        for rows in by_day.values():  # tickets in order of arrival, as an officer issues them
            for number, row in enumerate(sorted(rows, key=lambda r: r["arrived"]), start=1):
                row["ticket"] = f"{letter}-{number:03d}"
        return plan

    def _live_queue(self, plans: list[list[dict]]) -> list[list[dict]]:
        """A handful of visits of today still waiting, called or being served, so the queue board shows something.
        Today's tickets of these services are then numbered again in arrival order (the order calls take), and
        each counter keeps at most one ticket in service (_one_open_per_counter)."""
        live_services = {"ktp-el", "pendaftaran-rawat-jalan", "pemeriksaan-umum-puskesmas"}
        for service, plan in zip(self.services.values(), plans, strict=True):
            if service["slug"] not in live_services:
                continue
            unit = self.units[service["unit"]]
            today = (self.now + unit["offset"]).date()
            versions = [v for v in service["versions"] if v["status"] == "approved"]
            version = _in_force(versions, self.now)
            if version is None:
                continue
            letter = plan[0]["ticket"].split("-")[0] if plan else "A"
            counters = [self.counters[c] for c in service["counters"]]
            for minutes_ago, state in ((38, "served"), (31, "called"), (24, "waiting"), (17, "waiting"),
                                       (9, "waiting"), (4, "waiting")):
                arrived = self.now - timedelta(minutes=minutes_ago)
                # the called ticket stands at a second counter (one ticket in service per counter), or waits
                counter = counters[1 if state == "called" and len(counters) > 1 else 0]
                if state == "called" and len(counters) == 1:
                    state = "waiting"
                row = {
                    "service_id": service["id"], "unit_id": unit["id"], "version_id": version["id"],
                    "local_day": today, "ticket": "", "counter": counter, "arrived": arrived, "called": None,
                    "served": None, "finished": None, "delivered": None, "outcome": None, "fee_charged": None,
                    "correction": None, "officer": None, "late": False, "tz_offset": unit["offset"],
                    "fee": version["fee"], "overcharged": False,
                }
                if state in ("called", "served"):
                    row["called"] = arrived + timedelta(minutes=minutes_ago - 3)
                if state == "served":
                    row["served"] = arrived + timedelta(minutes=minutes_ago - 2)
                plan.append(row)
            todays = sorted((v for v in plan if v["local_day"] == today), key=lambda v: v["arrived"])
            for number, v in enumerate(todays, start=1):
                v["ticket"] = f"{letter}-{number:03d}"
        return _one_open_per_counter(plans, self.now)

    async def _insert_visits(self, pending: list[tuple[dict, dict]]) -> list[tuple[dict, dict, int]]:
        rows = []
        for _service, v in pending:
            rows.append(Visit(
                unit=v["unit_id"], service=v["service_id"], counter=v["counter"], standard_version=v["version_id"],
                origin="ticket", ticket_number=v["ticket"], local_day=v["local_day"],
                token=new_token(self.secret_key), arrived_at=v["arrived"], arrived_source="officer",
                called_at=v["called"], called_source="officer" if v["called"] else None,
                served_at=v["served"], served_source="officer" if v["served"] else None,
                finished_at=v["finished"], finished_source="officer" if v["finished"] else None,
                delivered_at=v["delivered"], delivered_source="officer" if v["delivered"] else None,
                outcome=v["outcome"], fee_charged=v["fee_charged"], correction_needed=v["correction"],
                officer=v["officer"], created_at=v["arrived"],
                # offered = the citizen was shown the survey: the officer started the service (the citizen's
                # page shows the survey from then on); no-shows and cancellations before it never see it
                survey_offered=v["served"] is not None or v["finished"] is not None,
            ))
            self.dirty.add((v["service_id"], v["local_day"]))
        result = await Visit.insert(*rows).returning(Visit.id, Visit.token).run()
        ids = {r["token"]: r["id"] for r in result}
        return [(service, v, ids[row.token]) for (service, v), row in zip(pending, rows, strict=True)]

    def _responses(self, visits: list[tuple[dict, dict, int]]) -> list[SurveyResponse]:
        """SKM responses: verified ones bound to finished visits, unverified counter scans, and paper forms."""
        rng = self.rng
        out: list[SurveyResponse] = []
        by_service: dict[int, list[tuple[dict, int]]] = defaultdict(list)
        for service, visit, visit_id in visits:
            by_service[service["id"]].append((visit, visit_id))
        for service in self.services.values():
            items = by_service.get(service["id"], [])
            if not items:
                continue
            share = rng.uniform(0.35, 0.5)
            sat = np.array(service["sim"]["sat"], dtype=float)
            overcharge_share = service["sim"].get("overcharge", 0.0)
            reported = 0
            finished = [(v, vid) for v, vid in items if v["finished"] is not None]
            respond = rng.random(len(finished)) < share
            for (visit, visit_id), yes in zip(finished, respond, strict=True):
                if not yes:
                    continue
                submitted = visit["finished"] + timedelta(minutes=float(rng.uniform(1, 25)))
                if submitted > self.now:
                    continue
                overcharged = visit["overcharged"] or (overcharge_share and rng.random() < overcharge_share)
                reported += bool(overcharged)
                out.append(self._response(service, visit, sat, submitted, counter=visit["counter"],
                                          visit_id=visit_id, channel="qr_ticket", verified=True,
                                          overcharged=bool(overcharged)))
            # The required pattern must show even in a small sample: at least three reports above the fee.
            if overcharge_share:
                candidates = [r for r in out if r.service == service["id"] and r.amount_paid is None]
                for response in candidates[: max(0, 3 - reported)]:
                    response.amount_paid = self.services[service["slug"]]["versions"][0]["fee"] + OVERCHARGE_AMOUNT
                    response.u4 = 1
            # Unverified responses scanned at the counter (no ticket) and a few paper forms.
            for channel, ratio in (("qr_counter", 0.06), ("paper", 0.02)):
                k = int(rng.binomial(len(items), ratio))
                for j in rng.integers(0, len(items), k):
                    visit = items[int(j)][0]
                    d = visit["local_day"]
                    local_minutes = float(rng.uniform(9 * 60, 15 * 60)) if channel == "qr_counter" else 15.5 * 60
                    submitted = datetime(d.year, d.month, d.day, tzinfo=UTC) - visit["tz_offset"] + \
                        timedelta(minutes=local_minutes)
                    if submitted > self.now:
                        continue
                    out.append(self._response(
                        service, visit, sat, submitted, counter=visit["counter"] if channel == "qr_counter" else None,
                        visit_id=None, channel=channel, verified=False, overcharged=False))
        return out

    def _response(self, service: dict, visit: dict, sat: np.ndarray, submitted: datetime, *, counter, visit_id,
                  channel: str, verified: bool, overcharged: bool) -> SurveyResponse:
        rng = self.rng
        means = sat.copy()
        if visit["late"]:
            means[2] -= 0.9  # U3 waktu penyelesaian: a late case is felt
        if overcharged:
            means[3] -= 1.8  # U4 biaya
        if visit["fee"] == 0:
            means[3] = max(means[3], 3.7) if not overcharged else means[3]
        latent = rng.normal()
        scores = means + 0.35 * latent + 0.3 * rng.normal(size=9)
        answers = np.clip(np.floor(scores + 0.5), 1, 4).astype(int)
        missing = rng.random(9) < 0.02
        values = [None if missing[k] else int(answers[k]) for k in range(9)]
        fee = visit["fee"]
        amount_paid = fee + OVERCHARGE_AMOUNT if overcharged else (fee if rng.random() < 0.6 else None)
        open_case = visit["finished"] is not None and visit["delivered"] is None and visit["outcome"] is None
        draw = rng.random()
        product = "not_yet" if open_case else ("yes" if draw < 0.92 else "no" if draw < 0.95 else None)
        extra = rng.choice(np.array([False, True, None], dtype=object), p=[0.93, 0.04, 0.03])
        local_day = (submitted + visit["tz_offset"]).date()
        self.dirty.add((service["id"], local_day))
        return SurveyResponse(
            visit=visit_id, counter=counter, service=service["id"], unit=visit["unit_id"],
            u1=values[0], u2=values[1], u3=values[2], u4=values[3], u5=values[4], u6=values[5], u7=values[6],
            u8=values[7], u9=values[8], amount_paid=amount_paid, extra_requirements=None if extra is None else bool(extra),
            product_correct=product, comment="",
            sex=str(rng.choice(["male", "female"])) if rng.random() < 0.7 else None,
            age_band=str(rng.choice(AGE_BANDS, p=[0.2, 0.28, 0.24, 0.17, 0.11])) if rng.random() < 0.6 else None,
            education=str(rng.choice(EDUCATION, p=EDUCATION_P)) if rng.random() < 0.5 else None,
            occupation=str(rng.choice(OCCUPATION, p=OCCUPATION_P)) if rng.random() < 0.5 else None,
            channel=channel, verified=verified, flagged_fast=False, language="en" if rng.random() < 0.03 else "id",
            client_hash=None, local_day=local_day, submitted_at=submitted,
        )


def _staffed(codes: list[str], day_of: np.ndarray, weekday: np.ndarray, arrive_min: np.ndarray, wait: np.ndarray,
             pick: np.ndarray, past_days: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """The waits and counters of one service's simulated visits under the counters' roster (content.ROSTER).

    Each past day keeps exactly the waits drawn for it (so every wait and time figure keeps its distribution);
    they are handed out by how crowded the citizen's arrival hour was: that hour's arrivals per counter open (with
    some noise), the longest waits to the most crowded hours. Today's waits stay as drawn (which of today's
    visits have happened by now, and so every later draw, is left unchanged). A visit is then served at a counter
    open at its call hour (the drawn pick among them): hours with fewer counters open show fewer counters with
    activity, and longer waits."""
    hours = np.arange(8, 16)
    open_ = np.array([[[content.open_at(code, d, int(h)) for code in codes] for h in hours] for d in range(5)])
    slot = np.clip(arrive_min // 60, 8, 15).astype(int) - 8
    arrivals = np.zeros((len(past_days), len(hours)))
    np.add.at(arrivals, (day_of, slot), 1)
    crowd = arrivals[day_of, slot] / np.maximum(open_.sum(axis=2)[weekday, slot], 0.5)
    score = crowd * rng.lognormal(0.0, 0.5, len(wait))
    # Today's visits keep their own waits: each is its own group in the shuffle below.
    group = np.where(past_days[day_of], day_of, len(past_days) + np.arange(len(wait)))
    shuffled = np.empty_like(wait)
    shuffled[np.lexsort((score, group))] = wait[np.lexsort((wait, group))]
    call_slot = np.clip((arrive_min + shuffled) // 60, 8, 15).astype(int) - 8
    counter_at = []
    for i in range(len(wait)):
        staffed = [code for code, is_open in zip(codes, open_[weekday[i], call_slot[i]], strict=True) if is_open]
        choice = staffed or codes
        counter_at.append(choice[int(pick[i]) % len(choice)])
    return shuffled, counter_at


class _ComplaintPlan:
    """How the demo's complaint register behaves: complaints per unit per working day, their subjects, the class
    a manager gives them, and how they end (answered on time, answered late, still open, rejected)."""

    PER_DAY = 0.35  # per unit, before the scale: a few complaints a week, tens a quarter
    CATEGORIES = {"time": 0.34, "conduct": 0.18, "requirements": 0.16, "facilities": 0.14, "overcharge": 0.08,
                  "other": 0.10}
    SEVERITY = {"light": 0.30, "normative": 0.50, "plain": 0.15, "investigation": 0.05}
    ENDING = {"on_time": 0.76, "late": 0.14, "open": 0.06, "rejected": 0.04}
    TEXT = {"time": "Berkas sudah lewat batas waktu standar tetapi belum selesai.",
            "conduct": "Petugas loket kurang ramah saat menjelaskan persyaratan.",
            "requirements": "Diminta dokumen tambahan yang tidak ada di standar pelayanan.",
            "facilities": "Ruang tunggu panas dan kursi kurang.",
            "overcharge": "Diminta membayar di luar tarif resmi tanpa kuitansi.",
            "other": "Informasi jam layanan di papan berbeda dengan di situs."}


def _in_force(versions: list[dict], at: datetime) -> dict | None:
    """The simulated version in force at `at`, by the portal's one rule (portal.catalog.queries.pick_in_force);
    the simulation's versions are numbered in order."""
    return pick_in_force([{**v, "effective_from": v["effective"], "version": number}
                          for number, v in enumerate(versions, start=1)], at)


def _one_open_per_counter(plans: list[list[dict]], now: datetime) -> list[list[dict]]:
    """At most one ticket in service per counter and day (the database's ux_visit_counter_open, m0130): of the
    tickets called and neither finished nor closed at one counter on one day, the last called stays; an earlier
    one not yet served becomes a no-show, one being served is finished a few minutes after it started."""
    open_rows: dict[tuple[int, object], list[dict]] = defaultdict(list)
    for plan in plans:
        for v in plan:
            if v["called"] is not None and v["finished"] is None and v["outcome"] is None:
                open_rows[(v["counter"], v["local_day"])].append(v)
    for rows in open_rows.values():
        for v in sorted(rows, key=lambda r: r["called"])[:-1]:
            if v["served"] is None:
                v["outcome"] = "no_show"
            else:
                v["finished"] = min(now, v["served"] + timedelta(minutes=4))
    return plans


def _truncate_at(row: dict, now: datetime) -> None:
    """Events after `now` have not happened yet: the case is still waiting, being served or open."""
    for key in ("called", "served", "finished", "delivered"):
        if row[key] is not None and row[key] > now:
            for later in ("called", "served", "finished", "delivered")[
                    ("called", "served", "finished", "delivered").index(key):]:
                row[later] = None
            break
    if row["delivered"] is None and row["outcome"] == "completed":
        row["outcome"] = None  # still in progress (multi-day product not yet delivered, or still at the counter)
        row["fee_charged"] = row["fee_charged"] if row["finished"] is not None else None
        row["correction"] = None
    if row["finished"] is None and row["outcome"] == "rejected_incomplete":
        row["outcome"], row["fee_charged"] = None, None
    if row["called"] is None and row["outcome"] == "no_show":
        row["outcome"] = None
    if row["served"] is None:
        row["officer"] = None
