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


class TimeRate(msgspec.Struct):
    """Completed cases within the standard's time limit, with a Wilson 95 % interval."""

    n: int
    within: int
    rate: float | None
    ci95: list[float] | None


class CostRate(msgspec.Struct):
    """Fees recorded by officers plus amounts reported by citizens; overcharged = above the official fee."""

    n: int
    overcharged: int
    rate: float | None
    ci95: list[float] | None


class AccuracyRate(msgspec.Struct):
    """First-time-right: completed cases needing no correction plus citizens reporting a correct product."""

    n: int
    first_time_right: int
    rate: float | None
    ci95: list[float] | None


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
