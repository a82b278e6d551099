"""Per-(service, counter, local day) aggregates computed from raw visits and responses (what a rollup row holds).

Definitions (the single place they are coded; results.py and the rollups only add these counts up):

- counting rule (issue 10): a response stored with `counted` False adds only `nc_<reason>` (NOT_COUNTED_FIELDS);
  everything below counts only the counted responses.
- channel (issue 14): `ch_qr`, `ch_ticket`, `ch_kiosk`, `ch_paper`, `ch_other` = counted responses by
  survey_response.channel (portal.db.tables_insight.CHANNEL_FIELDS; a row without one has the column default,
  the counter QR); they add up to `responses`, so the dashboard can show the share of counted answers by channel
  beside the IKM. Answers not counted are left out here as everywhere below (they keep only their reason).
- satisfaction: every counted response of the day; `u{i}_{s}` = answers with score s to unsur i; `responses` = all
  response rows, `respondents` = responses with at least one of the nine answers (the n `portal ikm` reports);
  `profiles` = the respondent-profile histogram of survey.ikm.profiles_from_answers (respondents by items
  answered m and answer total t), which the canonical respondent-bootstrap interval needs.
- time: completed visits (outcome "completed") with an arrival time and a completion time; the completion time is
  `delivered_at` (falling back to `finished_at`) for multi-day limits (working or calendar days) and
  `finished_at` (falling back to `delivered_at`) for limits in minutes or hours. The duration is measured with
  survey.clock.durations in the unit's timezone with its closures, against the standard version recorded on the
  visit (the one in force at arrival) or, when missing, the approved version in force at arrival.
- cost (issue 17: one verdict per visit): a visit with `fee_charged` recorded or a bound response reporting
  `amount_paid` is one case, overcharged when either source says more than the official fee of the version it
  is judged against (`cost_visit_n`, `cost_visit_over`); `cost_unrecorded` = visits where the officer recorded
  Rp 0 and the citizen reports paying (a possible unrecorded levy, shown as its own line). A response bound to
  no visit is its own case (`cost_resp_n`, `cost_resp_over`, version in force at submission).
- accuracy (first-time-right; issue 17: one verdict per delivered product): a visit is one product, judged by
  the officer's record (completed with `correction_needed` recorded: right = no correction) where there is
  one, else by the bound response's product_correct ("yes" right, "no" not; "not_yet" is no product yet);
  when both exist and disagree the product is not right first time and counts in `ftr_disagree` (for review).
  A response bound to no visit answering yes/no is its own product (`ftr_resp_n`, `ftr_resp_ok`). A visit that
  ended without the product (rejected as incomplete, cancelled, no-show) has no product: a citizen's answer
  bound to it is not an accuracy verdict (issue 22 item 5).
- requirements consistency: responses answering extra_requirements (consistent = not asked for more).
- time per standard version: `time_version_n` {version id: 1} and `time_version_within` {version id: 1 if
  within}, so that a period spanning two versions reports each version's limit and compliance.
- durations: `wait_hist` (arrival -> called) and `handle_hist` (served -> finished) in minutes, as additive
  log-binned sketches (portal.insight.sketch), for medians and 90th percentiles without raw rows.
- Kaplan-Meier inputs (multi-day limits only): `km_hist` = completed durations in the limit's unit
  {whole days: count}; `km_open` = visits still open (no outcome and no delivery yet, even when finished at the
  counter), judged at read time by portal.insight.timecases (censored within the limit, a breach past it).
- outcomes (issue 22 item 6): `rejected`, `cancelled`, `no_show` = visits that ended with outcome
  rejected_incomplete, cancelled or no_show (OUTCOME_FIELDS); with `completed` they are the visits that ended.
- funnel: visits, served (served_at or finished_at recorded, or outcome completed), completed, offered
  (survey_offered on a served visit: the citizen was shown the survey; never more than served), responded
  (responses bound to a visit).
- hours, for the staffing plan (issue 29; `hourly_part`, HOURLY), by local hour (0-23) in the unit's timezone of
  events on the visit's own local day (an event on another day is left out): `arrival_hours` {hour of arrival:
  visits}; `activity_hours` {hour: calls, service starts and finishes at the visit's counter} (a counter with
  activity in an hour was open then); `wait_hours` {hour of arrival x WAIT_HOUR_STRIDE + sketch bin of the wait
  arrival -> called: visits}; `busy_hours` and `busy_seconds` {hour of the call: visits, whole seconds} of the time
  a counter is busy with a citizen, called (else served) -> finished.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from portal.catalog.queries import pick_in_force
from portal.db.tables import NOT_COUNTED_REASONS, Service, StandardVersion, SurveyResponse, Unit, Visit
from portal.db.tables_insight import CHANNEL_FIELDS, CHANNEL_OTHER, COUNT_FIELDS
from portal.insight import sketch
from survey.clock import durations, within_limit
from survey.ikm import DEFAULT_B, PROFILE_SHAPE, ikm_from_counts

MULTI_DAY = ("working_days", "calendar_days")
#: Outcomes that end a visit without its product, and the rollup column each adds to (OUTCOME_FIELDS).
OUTCOME_COLUMNS = {"rejected_incomplete": "rejected", "cancelled": "cancelled", "no_show": "no_show"}
NO_PRODUCT = tuple(OUTCOME_COLUMNS)
CASES = ("cases", None)  # key of the overcharge case list in compute()'s result
#: The hour-by-hour histograms of a rollup row (staffing plan, issue 29; see hourly_part).
HOURLY = ("arrival_hours", "activity_hours", "wait_hours", "busy_hours", "busy_seconds")
#: wait_hours cell = local hour of arrival x WAIT_HOUR_STRIDE + sketch bin (a bin stays below 1000 up to a wait of
#: 0.1 x 1.05^999 minutes, far beyond any day).
WAIT_HOUR_STRIDE = 1000


def empty() -> dict[str, Any]:
    """Zero counts, plus `profiles`: the sparse respondent-profile histogram {flat (m, t) index: count}."""
    agg: dict[str, Any] = dict.fromkeys(COUNT_FIELDS, 0)
    agg["profiles"] = {}
    agg["wait_hist"] = {}
    agg["handle_hist"] = {}
    agg["km_hist"] = {}
    agg["time_version_n"] = {}
    agg["time_version_within"] = {}
    for key in HOURLY:
        agg[key] = {}
    return agg


def add_into(total: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """Add a rollup row (or another aggregate) into `total`; its histograms are dicts (decoded by the reader)."""
    for key in COUNT_FIELDS:
        total[key] += int(row.get(key) or 0)
    add_profiles(total["profiles"], row.get("profiles"))
    for key in ("wait_hist", "handle_hist", "km_hist", "time_version_n", "time_version_within", *HOURLY):
        if key in total:
            add_profiles(total[key], row.get(key))
    return total


def add_profiles(target: dict[int, int], profiles: Mapping[Any, int] | None) -> None:
    """Add a sparse histogram {cell: count} into `target` (cells may be JSON's string keys)."""
    for cell, count in (profiles or {}).items():
        cell = int(cell)
        target[cell] = target.get(cell, 0) + int(count)


def counts_matrix(agg: dict[str, Any]) -> np.ndarray:
    """The (9, 4) unsur x score counts that survey.ikm.ikm_from_counts takes."""
    return np.array([[agg[f"u{i}_{s}"] for s in range(1, 5)] for i in range(1, 10)], dtype=np.int64)


def profiles_matrix(agg: dict[str, Any]) -> np.ndarray:
    """The (10, 37) respondent-profile histogram (survey.ikm.PROFILE_SHAPE) from the sparse form."""
    flat = np.zeros(PROFILE_SHAPE[0] * PROFILE_SHAPE[1], dtype=np.int64)
    for cell, count in agg["profiles"].items():
        flat[int(cell)] += int(count)
    return flat.reshape(PROFILE_SHAPE)


@lru_cache(maxsize=8192)
def _ikm_cached(counts: bytes, profiles: bytes, bootstrap: bool):
    c = np.frombuffer(counts, dtype=np.int64).reshape(9, 4)
    p = np.frombuffer(profiles, dtype=np.int64).reshape(PROFILE_SHAPE)
    return ikm_from_counts(c, profiles=p, bootstrap=DEFAULT_B if bootstrap else 0)


def ikm_of(agg: dict[str, Any], bootstrap: bool = True):
    """survey.ikm.ikm_from_counts on the aggregate's counts and respondent profiles (default seeded bootstrap).

    A pure function of its input, so results are memoised per distinct (counts, profiles): a warm dashboard
    does not redo the bootstrap for data it has already seen.
    """
    return _ikm_cached(counts_matrix(agg).tobytes(), profiles_matrix(agg).tobytes(), bootstrap)


def profiles_json(agg: dict[str, Any], key: str = "profiles") -> str:
    return json.dumps({str(k): v for k, v in sorted(agg[key].items())}, separators=(",", ":"))


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Standards:
    """A service's standard versions: by id, and the approved one in force at an instant (ISO 9001 7.5)."""

    def __init__(self, versions: list[dict]):
        self.by_id = {v["id"]: v for v in versions}
        approved = [v for v in versions if v["status"] == "approved" and v["effective_from"] is not None]
        for v in approved:
            v["effective_from"] = _aware(v["effective_from"])
        self.approved = sorted(approved, key=lambda v: (v["effective_from"], v["version"]))

    def in_force(self, at: datetime | None) -> dict | None:
        """portal.catalog.queries.pick_in_force at `at` (None: the latest approved version)."""
        if at is None:
            return self.approved[-1] if self.approved else None
        return pick_in_force(self.approved, at)

    def for_visit(self, visit: dict) -> dict | None:
        if visit.get("standard_version") and visit["standard_version"] in self.by_id:
            return self.by_id[visit["standard_version"]]
        return self.in_force(_aware(visit.get("arrived_at")) or _aware(visit.get("created_at")))


async def load_standards(service_id: int) -> Standards:
    return Standards(await StandardVersion.select().where(StandardVersion.service == service_id).run())


async def service_unit(service_id: int) -> tuple[dict, dict]:
    service = await Service.select().where(Service.id == service_id).first().run()
    if service is None:
        raise LookupError(f"no service {service_id}")
    unit = await Unit.select().where(Unit.id == service["unit"]).first().run()
    assert unit is not None  # a service's unit exists (foreign key)
    return service, unit


def cuti_bersama_of(unit: dict) -> bool:
    """Whether the unit is closed on cuti bersama (its working days skip them; default on, migration m0070)."""
    value = unit.get("cuti_bersama", True)
    return True if value is None else bool(value)


def closures_of(unit: Mapping[str, Any]) -> list[str]:
    """The unit's local closure dates (ISO strings) from its `closures` JSON column: the one decoder of it."""
    raw = unit.get("closures") or "[]"
    value = json.loads(raw) if isinstance(raw, str) else raw
    return [str(x) for x in value or []]


VISIT_COLUMNS = (Visit.id, Visit.counter, Visit.local_day, Visit.standard_version, Visit.arrived_at, Visit.called_at,
                 Visit.served_at, Visit.finished_at, Visit.delivered_at, Visit.outcome, Visit.fee_charged,
                 Visit.correction_needed, Visit.survey_offered, Visit.created_at)
RESPONSE_COLUMNS = (SurveyResponse.id, SurveyResponse.counter, SurveyResponse.local_day, SurveyResponse.visit,
                    SurveyResponse.u1, SurveyResponse.u2, SurveyResponse.u3, SurveyResponse.u4, SurveyResponse.u5,
                    SurveyResponse.u6, SurveyResponse.u7, SurveyResponse.u8, SurveyResponse.u9,
                    SurveyResponse.amount_paid, SurveyResponse.extra_requirements, SurveyResponse.product_correct,
                    SurveyResponse.submitted_at, SurveyResponse.counted, SurveyResponse.count_reason,
                    SurveyResponse.channel)


BOUND_COLUMNS = (SurveyResponse.id, SurveyResponse.visit, SurveyResponse.amount_paid, SurveyResponse.product_correct)
# A response bound to a visit is always counted (the counting rule), so its answers always join the visit's verdicts.


async def bound_responses(visit_ids: list[int]) -> dict[int, dict]:
    """The survey response bound to each of these visits (at most one per visit), by visit id."""
    out: dict[int, dict] = {}
    for start in range(0, len(visit_ids), 500):
        chunk = visit_ids[start:start + 500]
        for row in await SurveyResponse.select(*BOUND_COLUMNS).where(SurveyResponse.visit.is_in(chunk)).run():
            out[row["visit"]] = row
    return out


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def completion_time(visit: dict, time_unit: str) -> datetime | None:
    finished, delivered = _aware(visit.get("finished_at")), _aware(visit.get("delivered_at"))
    if time_unit in MULTI_DAY:
        return delivered or finished
    return finished or delivered


def hourly_part(v: Mapping[str, Any], tz: str, agg: dict[str, Any]) -> None:
    """Add the visit's hours (module docstring, "hours") into `agg`: local hours in zone `tz` on the visit's own
    local day."""
    zone = ZoneInfo(tz)
    day = _day(v["local_day"])

    def hour(value) -> int | None:
        at = _aware(value)
        if at is None:
            return None
        local = at.astimezone(zone)
        return local.hour if local.date() == day else None

    arrived, called = _aware(v.get("arrived_at")), _aware(v.get("called_at"))
    arrival_hour = hour(arrived)
    if arrival_hour is not None:
        agg["arrival_hours"][arrival_hour] = agg["arrival_hours"].get(arrival_hour, 0) + 1
        if arrived is not None and called is not None and called >= arrived:
            cell = arrival_hour * WAIT_HOUR_STRIDE + sketch.bin_of((called - arrived).total_seconds() / 60.0)
            agg["wait_hours"][cell] = agg["wait_hours"].get(cell, 0) + 1
    if v.get("counter"):
        for stage in ("called_at", "served_at", "finished_at"):
            h = hour(v.get(stage))
            if h is not None:
                agg["activity_hours"][h] = agg["activity_hours"].get(h, 0) + 1
    start, finished = called or _aware(v.get("served_at")), _aware(v.get("finished_at"))
    start_hour = hour(start)
    if start is not None and finished is not None and finished >= start and start_hour is not None:
        agg["busy_hours"][start_hour] = agg["busy_hours"].get(start_hour, 0) + 1
        seconds = round((finished - start).total_seconds())
        if seconds:  # a zero cell is never stored (the refresher drops cells that add up to 0)
            agg["busy_seconds"][start_hour] = agg["busy_seconds"].get(start_hour, 0) + seconds


def visit_part(v: dict, std: dict | None, duration: float | None,
               bound: dict | None = None, tz: str | None = None) -> tuple[dict[str, Any], dict | None]:
    """What one visit adds to the aggregate of its (counter, local day), and its overcharge case (or None).

    `std` is the standard version the visit is judged against (Standards.for_visit); `duration` is its
    completion time in the limit's unit (survey.clock.durations) for a completed, timed visit, else None.
    `bound` is the survey response bound to the visit (its id, amount_paid and product_correct), if any: the
    visit's single cost and accuracy verdicts combine the officer's record with the citizen's answer.
    `tz` is the unit's timezone: with it, the visit's hours are added too (hourly_part).
    The single definition of the visit counts: compute() sums it over raw rows and the write path
    (portal.insight.ledger) adds the difference of a visit before and after each change.
    """
    agg = empty()
    arrived = _aware(v.get("arrived_at"))
    completed = v.get("outcome") == "completed"
    agg["visits"] = 1
    agg["served"] = int(bool(v.get("served_at")) or bool(v.get("finished_at")) or completed)
    agg["completed"] = int(completed)
    if v.get("outcome") in OUTCOME_COLUMNS:
        agg[OUTCOME_COLUMNS[v["outcome"]]] = 1
    # offered = shown the survey; only a served visit counts as offered, so offered <= served (issue 17 item 4)
    agg["offered"] = int(bool(v.get("survey_offered")) and bool(agg["served"]))
    for a, b, hist in (("arrived_at", "called_at", "wait_hist"), ("served_at", "finished_at", "handle_hist")):
        start, end = _aware(v.get(a)), _aware(v.get(b))
        if start is not None and end is not None and end >= start:
            sketch.add(agg[hist], (end - start).total_seconds() / 60.0)
    case = None
    fee = std["fee"] if std is not None else None
    officer_amount, citizen_amount = v.get("fee_charged"), (bound or {}).get("amount_paid")
    if officer_amount is not None or citizen_amount is not None:
        # One cost verdict per visit: overcharged when either source says more than the fee in force.
        agg["cost_visit_n"] = 1
        officer_over = fee is not None and officer_amount is not None and officer_amount > fee
        citizen_over = fee is not None and citizen_amount is not None and citizen_amount > fee
        agg["cost_visit_over"] = int(officer_over or citizen_over)
        # The citizen reports paying and the officer recorded Rp 0: a possible unrecorded levy.
        agg["cost_unrecorded"] = int(officer_amount == 0 and (citizen_amount or 0) > 0)
        if officer_over:
            case = {"counter": v.get("counter") or 0, "day": _day(v["local_day"]), "source": "officer",
                    "ref_id": v["id"], "amount": officer_amount, "fee": fee}
        elif citizen_over and bound is not None:  # citizen_amount comes from bound
            case = {"counter": v.get("counter") or 0, "day": _day(v["local_day"]), "source": "citizen",
                    "ref_id": bound["id"], "amount": citizen_amount, "fee": fee}
    officer_right = None
    if completed and v.get("correction_needed") is not None:
        officer_right = not v["correction_needed"]
    citizen = (bound or {}).get("product_correct")
    # a visit that ended without the product (rejected, cancelled, no-show) has no product to judge (issue 22)
    citizen_right = {"yes": True, "no": False}.get(citizen) if citizen and v.get("outcome") not in NO_PRODUCT \
        else None
    if officer_right is not None or citizen_right is not None:
        # One accuracy verdict per delivered product: the officer's record where there is one, else the
        # citizen's answer; when both exist and disagree, not right first time (and counted for review).
        disagree = officer_right is not None and citizen_right is not None and officer_right != citizen_right
        right = (officer_right if officer_right is not None else citizen_right) and not disagree
        agg["ftr_visit_n"] = 1
        agg["ftr_visit_ok"] = int(bool(right))
        agg["ftr_disagree"] = int(disagree)
    if v.get("outcome") is None and std is not None and arrived is not None \
            and std["time_limit_unit"] in MULTI_DAY and v.get("delivered_at") is None:
        agg["km_open"] = 1  # finished at the counter but not delivered is still open (issue 17 item 1)
    if duration is not None and std is not None and np.isfinite(duration):
        agg["time_n"] = 1
        agg["time_within"] = int(bool(within_limit(np.array([duration]), std["time_limit_value"])[0]))
        agg["time_version_n"][std["id"]] = 1
        if agg["time_within"]:
            agg["time_version_within"][std["id"]] = 1
        if std["time_limit_unit"] in MULTI_DAY:
            agg["km_hist"][int(duration)] = 1
    if tz is not None:
        hourly_part(v, tz, agg)
    return agg, case


def timed_end(v: dict, std: dict | None) -> datetime | None:
    """The completion instant a completed visit is timed to (None when it is not timed)."""
    if v.get("outcome") != "completed" or std is None or _aware(v.get("arrived_at")) is None:
        return None
    return completion_time(v, std["time_limit_unit"])


def response_part(r: dict, std: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict | None]:
    """What one survey response adds to the aggregate of its (counter, local day), and its citizen overcharge
    case (or None). `std` is the version in force at submission (an answer bound to no visit). The amount paid
    and product answer of a response bound to a visit add nothing here: they are part of that visit's verdicts
    (visit_part with `bound`)."""
    agg = empty()
    if r.get("counted") is False:
        # Stored but not counted (issue 10's counting rule): only its reason is kept, nothing else is added.
        reason = r.get("count_reason")
        agg[f"nc_{reason if reason in NOT_COUNTED_REASONS else 'manager_out'}"] = 1
        return agg, None
    agg["responses"] = 1
    agg[CHANNEL_FIELDS.get(r.get("channel") or "qr_counter", CHANNEL_OTHER)] = 1
    m = total = 0
    for i in range(1, 10):
        score = r.get(f"u{i}")
        if score is not None and 1 <= score <= 4:
            agg[f"u{i}_{score}"] = 1
            m += 1
            total += score
    if m:
        agg["respondents"] = 1
        agg["profiles"][m * PROFILE_SHAPE[1] + total] = 1
    agg["responded"] = int(r.get("visit") is not None)
    case = None
    if r.get("visit") is not None:
        pass  # its cost and accuracy answers are part of its visit's single verdicts (visit_part)
    elif r.get("amount_paid") is not None:
        agg["cost_resp_n"] = 1
        over = std is not None and r["amount_paid"] > std["fee"]
        agg["cost_resp_over"] = int(over)
        if over and std is not None:
            case = {"counter": r.get("counter") or 0, "day": _day(r["local_day"]), "source": "citizen",
                    "ref_id": r["id"], "amount": r["amount_paid"], "fee": std["fee"]}
    if r.get("visit") is None and r.get("product_correct") in ("yes", "no"):
        agg["ftr_resp_n"] = 1
        agg["ftr_resp_ok"] = int(r["product_correct"] == "yes")
    if r.get("extra_requirements") is not None:
        agg["req_n"] = 1
        agg["req_ok"] = int(not r["extra_requirements"])
    return agg, case


def response_standard(standards: Standards, r: dict, arrival: datetime | None) -> dict | None:
    return standards.in_force(arrival or _aware(r.get("submitted_at")))


async def compute(service_id: int, day_from: date, day_to: date) -> dict[tuple[int, date], dict[str, Any]]:
    """Aggregates keyed by (counter id or 0, local day) for one service over [day_from, day_to], from raw rows:
    the sum of visit_part and response_part over the rows (durations computed in one vectorised call per
    standard version). Also returns, under the key ("cases", None), the overcharge cases found."""
    service, unit = await service_unit(service_id)
    standards = await load_standards(service_id)
    tz, closures = unit["timezone"], closures_of(unit)
    out: dict[tuple[int, date], dict[str, Any]] = defaultdict(empty)
    cases: list[dict] = []

    visits = await (Visit.select(*VISIT_COLUMNS)
                    .where((Visit.service == service_id) & (Visit.local_day >= day_from) & (Visit.local_day <= day_to))
                    .run())
    timed: dict[int, list[tuple[int, datetime, datetime]]] = defaultdict(list)
    stds = []
    for index, v in enumerate(visits):
        std = standards.for_visit(v)
        stds.append(std)
        end = timed_end(v, std)
        if end is not None:
            arrived = _aware(v["arrived_at"])
            assert std is not None and arrived is not None  # timed_end returns None without them
            timed[std["id"]].append((index, arrived, end))
    duration_of: dict[int, float] = {}
    for version_id, timed_cases in timed.items():
        std = standards.by_id[version_id]
        d = durations([c[1] for c in timed_cases], [c[2] for c in timed_cases], std["time_limit_unit"], tz, closures,
                      cuti_bersama=cuti_bersama_of(unit))
        for (index, _s, _e), dur in zip(timed_cases, d, strict=True):
            duration_of[index] = float(dur)
    bound_by_visit = await bound_responses([v["id"] for v in visits])
    for index, v in enumerate(visits):
        part, case = visit_part(v, stds[index], duration_of.get(index), bound_by_visit.get(v["id"]))
        target = out[(v["counter"] or 0, _day(v["local_day"]))]
        add_into(target, part)
        hourly_part(v, tz, target)  # the same as visit_part(..., tz), added in place
        if case:
            cases.append(case)

    responses = await (SurveyResponse.select(*RESPONSE_COLUMNS)
                       .where((SurveyResponse.service == service_id) & (SurveyResponse.local_day >= day_from)
                              & (SurveyResponse.local_day <= day_to))
                       .run())
    for r in responses:
        part, case = response_part(r, None if r["visit"] else response_standard(standards, r, None))
        add_into(out[(r["counter"] or 0, _day(r["local_day"]))], part)
        if case:
            cases.append(case)
    result: dict = dict(out)
    result[CASES] = cases
    return result
