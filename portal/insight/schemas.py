"""msgspec structs of the insight API: results of a service or unit over a period (open data, aggregates only)."""

from __future__ import annotations

from datetime import date

import msgspec

from portal.errors import Invalid, _t


class Period(msgspec.Struct):
    from_: str = msgspec.field(name="from")
    to: str = ""


class UnsurScore(msgspec.Struct):
    """One unsur of the period: its NRR (null without answers), grade A-D and number of answers."""

    code: str
    nrr: float | None
    grade: str | None
    answers: int


class Response(msgspec.Struct):
    """The response funnel (visits served, shown the survey, answering) and the answers stored but not counted
    under the counting rule, by reason (no_stamp, reused_stamp, too_fast, over_cap, manager_out)."""

    served: int
    offered: int
    responded: int
    all_responses: int
    offer_rate: float | None
    response_rate: float | None
    response_ci95: list[float] | None
    coverage: float | None
    coverage_ci95: list[float] | None
    not_counted: dict[str, int]
    not_counted_total: int


class Satisfaction(msgspec.Struct):
    """SKM satisfaction (PermenPANRB 14/2017): respondents, IKM 25-100, mutu A-D, bootstrap 95 % interval,
    NRR of U1..U9 (null when an unsur has no answers); `certain` when both ends of the interval fall in one
    category; per unsur its grade; the sample needed (Krejcie-Morgan) for the visits served; the funnel and
    the answers not counted; counted answers by channel. A unit pools all its respondents."""

    n: int
    ikm: float | None
    category: str | None
    ci95: list[float] | None
    nrr: list[float | None]
    certain: bool | None = None
    ci_method: str | None = None
    unsur: list[UnsurScore] = msgspec.field(default_factory=list)
    weakest: list[str] = msgspec.field(default_factory=list)
    population: int | None = None
    sample_needed: int | None = None
    sample_met: bool | None = None
    response: Response | None = None
    channels: dict[str, int] | None = None


class TimeVersion(msgspec.Struct):
    """Completed cases judged against one standard version (its number and limit), within its limit."""

    version: int | None
    limit: float | None
    limit_unit: str | None
    n: int
    within: int
    rate: float | None
    ci95: list[float] | None


class TimeRate(msgspec.Struct):
    """Time against the standard's limit. `rate` and `ci95` are THE headline: for a multi-day limit (`basis`
    "kaplan_meier") the Kaplan-Meier estimate of completion counting open cases (open past their deadline are
    breaches), read at `horizon_days` (the limit, or the follow-up reached when shorter: `horizon_limited`),
    log-log interval; a unit pools its services, each against its own limit. For same-day limits (`basis`
    "completed") the share of completed visits within the limit (Wilson interval). `completed_rate` and
    `completed_ci95`: completed cases only (leaves the open ones out; never the headline). `n` = cases behind
    the headline, `within` = completed within the limit; `completed`, `open`, `open_late` (multi-day).
    `provisional` while a case is still open inside its deadline; final after `final_after`. `verdict`
    against `target`: meets, below, inconclusive (with `extra_needed` cases), or provisional (never meets).
    `estimate`/`estimate_ci95` repeat the Kaplan-Meier headline for earlier readers."""

    n: int
    within: int
    rate: float | None
    ci95: list[float] | None
    basis: str = "completed"
    completed_rate: float | None = None
    completed_ci95: list[float] | None = None
    completed: int | None = None
    open: int | None = None
    open_late: int | None = None
    estimate: float | None = None
    estimate_ci95: list[float] | None = None
    limit: float | None = None
    limit_unit: str | None = None
    horizon_days: float | None = None
    horizon_limited: bool = False
    provisional: bool | None = None
    final_after: str | None = None
    target: float | None = None
    verdict: str | None = None
    p_value: float | None = None
    extra_needed: int | None = None
    versions: list[TimeVersion] = msgspec.field(default_factory=list)
    combined_versions: bool = False


class Quantile(msgspec.Struct):
    """A quantile in minutes with its distribution-free 95 % interval (a bound is null when too few values)."""

    est: float
    low: float | None
    high: float | None
    n: int


class Duration(msgspec.Struct):
    """Median and 90th percentile of a duration (minutes), from the rollups' duration sketches."""

    n: int
    median: Quantile | None
    p90: Quantile | None


class Durations(msgspec.Struct):
    """Waiting (arrival -> called) and handling (served -> finished)."""

    waiting: Duration
    handling: Duration


class Outcomes(msgspec.Struct):
    """How the period's visits ended: counts, and each ending's share of the visits that ended (Wilson)."""

    visits: int
    ended: int
    open: int
    completed: int
    completed_rate: float | None
    completed_ci95: list[float] | None
    rejected: int
    rejected_rate: float | None
    rejected_ci95: list[float] | None
    cancelled: int
    cancelled_rate: float | None
    cancelled_ci95: list[float] | None
    no_show: int
    no_show_rate: float | None
    no_show_ci95: list[float] | None


class UnboundCost(msgspec.Struct):
    """Payments reported in answers bound to no visit: their own line, never added to the visits."""

    n: int
    overcharged: int
    rate: float | None
    ci95: list[float] | None


class UnboundAccuracy(msgspec.Struct):
    """Products judged by answers bound to no visit: their own line, never added to the visits."""

    n: int
    first_time_right: int
    rate: float | None
    ci95: list[float] | None


class CostRate(msgspec.Struct):
    """The headline: one verdict per visit (overcharged when the officer's record or the citizen's answer bound to
    it is above the official fee); `unbound`: answers bound to no visit, their own line; `unrecorded_payments`:
    the citizen reports paying, the officer recorded Rp 0."""

    n: int
    overcharged: int
    rate: float | None
    ci95: list[float] | None
    unrecorded_payments: int = 0
    unbound: UnboundCost | None = None


class AccuracyRate(msgspec.Struct):
    """The headline: first-time-right, one verdict per product delivered at a visit: the officer's record where
    there is one, else the citizen's answer (a visit that ended without the product has none);
    `disagreements`: the two disagree (not right first time); verdict against `target`; `unbound`: answers
    bound to no visit, their own line."""

    n: int
    first_time_right: int
    rate: float | None
    ci95: list[float] | None
    disagreements: int = 0
    target: float | None = None
    verdict: str | None = None
    p_value: float | None = None
    extra_needed: int | None = None
    unbound: UnboundAccuracy | None = None


class Requirements(msgspec.Struct):
    """Counted answers not asked for more than the published requirements, of those answering."""

    n: int
    consistent: int
    rate: float | None
    ci95: list[float] | None


class ComplaintShare(msgspec.Struct):
    """Complaints answered within their deadline (k) of those due (n), Wilson interval, verdict against 95 %."""

    k: int
    n: int
    rate: float | None
    ci95: list[float] | None
    target: float | None
    verdict: str | None
    p_value: float | None
    extra_needed: int | None


class AnswerTime(msgspec.Struct):
    """Kaplan-Meier probability of an answer within `limit` working days, read at `horizon_days` (the limit,
    or the follow-up reached when shorter); `provisional` while a complaint is open short of the limit."""

    limit: int
    prob: float | None
    ci95: list[float] | None
    n: int
    answered: int
    open: int
    horizon_days: float | None = None
    horizon_limited: bool = False
    provisional: bool = False


class CategoryCount(msgspec.Struct):
    category: str
    count: int


class Complaints(msgspec.Struct):
    """Complaints received on the period's days (docs/complaints.md, "Insight")."""

    received: int
    open: int
    overdue: int
    rejected: int
    categories: list[CategoryCount]
    on_time: ComplaintShare
    km: list[AnswerTime]


class ServiceResults(msgspec.Struct):
    """Published results of one service over a period of unit-local days (inclusive)."""

    service: str
    period: Period
    satisfaction: Satisfaction
    time: TimeRate
    cost: CostRate
    accuracy: AccuracyRate
    durations: Durations | None = None
    outcomes: Outcomes | None = None
    requirements: Requirements | None = None
    complaints: Complaints | None = None


class UnitResults(msgspec.Struct):
    """Published results of a unit (all its services pooled) and of each of its services."""

    unit: str
    period: Period
    satisfaction: Satisfaction
    time: TimeRate
    cost: CostRate
    accuracy: AccuracyRate
    services: list[ServiceResults]
    durations: Durations | None = None
    outcomes: Outcomes | None = None
    requirements: Requirements | None = None
    complaints: Complaints | None = None


class TrendPoint(msgspec.Struct):
    """One calendar month: IKM with its interval and the month's headline time figure (for multi-day services
    the estimate counting open cases, read at the horizon reached, provisional while cases are open)."""

    month: str
    satisfaction: Satisfaction
    time: TimeRate


class FollowUp(msgspec.Struct):
    """A planned corrective action of the follow-up plan (rencana tindak lanjut), without personal data."""

    service: str
    source: str
    period: str
    status: str
    action: str
    due_date: str | None


class WeakUnsur(msgspec.Struct):
    """The lowest-scoring unsur of the period (the follow-up plan starts there)."""

    code: str
    name: str
    nrr: float | None
    grade: str | None


class ServicePerformance(msgspec.Struct):
    """Public performance of a service: the closed period's results, the monthly trend, the follow-up plan."""

    results: ServiceResults
    period_label: str
    trend: list[TrendPoint]
    weakest_unsur: list[WeakUnsur]
    follow_up: list[FollowUp]


class UnitPerformance(msgspec.Struct):
    """Public performance of a unit: the closed period's results, the monthly trend, the follow-up plan."""

    results: UnitResults
    period_label: str
    trend: list[TrendPoint]
    weakest_unsur: list[WeakUnsur]
    follow_up: list[FollowUp]


# --- the corrective-action forms (typed inputs: Litestar reads the form body into these) ------------------------

class ActionPlanForm(msgspec.Struct):
    """Root cause, corrective action, owner and due date of a nonconformity (ISO 9001 10.2.1 b-c)."""

    root_cause: str = ""
    action: str = ""
    owner: str = ""
    due_date: str = ""

    def values(self) -> dict[str, str]:
        return {k: getattr(self, k).strip() for k in ("root_cause", "action", "owner", "due_date")}

    def validated(self, closed: bool) -> tuple[str, str, str, date]:
        values, errors = self.values(), {}
        for key, message in (("root_cause", _t("Write the root cause.")), ("action", _t("Write the corrective action.")),
                             ("owner", _t("Name the owner of the action."))):
            if not values[key]:
                errors[key] = message
            elif len(values[key]) > 4000:
                errors[key] = _t("A field is too long (at most 4000 characters).")
        due = None
        try:
            due = date.fromisoformat(values["due_date"])
        except ValueError:
            errors["due_date"] = _t("Give the due date as YYYY-MM-DD.")
        if closed:
            errors[""] = _t("This item is closed.")
        if errors or due is None:
            raise Invalid.fields(errors)
        return values["root_cause"], values["action"], values["owner"], due


class ActionCloseForm(msgspec.Struct):
    verification_note: str = ""

    def validated(self, status: str) -> str:
        note, errors = self.verification_note.strip(), {}
        if not note:
            errors["verification_note"] = _t("A verification note is required to close.")
        elif len(note) > 4000:
            errors["verification_note"] = _t("A field is too long (at most 4000 characters).")
        if status == "closed":
            errors[""] = _t("This item is closed.")
        elif status != "action_planned":
            errors[""] = _t("Record the root cause and action before closing.")
        if errors:
            raise Invalid.fields(errors)
        return note
