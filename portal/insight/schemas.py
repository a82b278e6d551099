"""msgspec structs of the insight API: results of a service or unit over a period (open data, aggregates only)."""

from __future__ import annotations

import msgspec


class Period(msgspec.Struct):
    from_: str = msgspec.field(name="from")
    to: str = ""


class Satisfaction(msgspec.Struct):
    """SKM satisfaction (PermenPANRB 14/2017): respondents, IKM 25-100, mutu A-D, bootstrap 95 % interval,
    NRR of U1..U9 (null when an unsur has no answers)."""

    n: int
    ikm: float | None
    category: str | None
    ci95: list[float] | None
    nrr: list[float | None]


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
    """Completed cases within the standard's time limit, with a Wilson 95 % interval (`n`, `within`, `rate`,
    `ci95`). For multi-day limits (`basis` "kaplan_meier") the headline is `estimate`: Kaplan-Meier completion
    within the limit with open cases censored and open cases past their deadline counted as breaches, with its
    log-log 95 % interval `estimate_ci95`, and the counts `completed`, `open`, `open_late`; `provisional` when
    most cases of the period are still open."""

    n: int
    within: int
    rate: float | None
    ci95: list[float] | None
    basis: str = "completed"
    completed: int | None = None
    open: int | None = None
    open_late: int | None = None
    estimate: float | None = None
    estimate_ci95: list[float] | None = None
    provisional: bool | None = None
    versions: list[TimeVersion] = msgspec.field(default_factory=list)
    combined_versions: bool = False


class CostRate(msgspec.Struct):
    """One verdict per visit (overcharged when the officer's record or the citizen's answer is above the official
    fee) plus one per answer bound to no visit; `unrecorded_payments`: the citizen reports paying, the officer
    recorded Rp 0."""

    n: int
    overcharged: int
    rate: float | None
    ci95: list[float] | None
    unrecorded_payments: int = 0


class AccuracyRate(msgspec.Struct):
    """First-time-right, one verdict per delivered product: the officer's record where there is one, else the
    citizen's answer; `disagreements`: the two disagree (counted as not right first time)."""

    n: int
    first_time_right: int
    rate: float | None
    ci95: list[float] | None
    disagreements: int = 0


class ServiceResults(msgspec.Struct):
    """Published results of one service over a period of unit-local days (inclusive)."""

    service: str
    period: Period
    satisfaction: Satisfaction
    time: TimeRate
    cost: CostRate
    accuracy: AccuracyRate


class UnitResults(msgspec.Struct):
    """Published results of a unit (all its services pooled) and of each of its services."""

    unit: str
    period: Period
    satisfaction: Satisfaction
    time: TimeRate
    cost: CostRate
    accuracy: AccuracyRate
    services: list[ServiceResults]


class TrendPoint(msgspec.Struct):
    """One calendar month: IKM with its interval and the share of completed cases within the time limit."""

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
