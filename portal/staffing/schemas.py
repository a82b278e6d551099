"""msgspec structs of the staffing plan: the API's JSON and what the page shows."""

from __future__ import annotations

import msgspec


class StaffingWaitTarget(msgspec.Struct):
    """"`share` of citizens wait at most `wait_minutes`" (arrival to call); `source` unit (the unit's setting) or
    default (portal.staffing.plan.DEFAULT_TARGET)."""

    wait_minutes: float
    share: float
    source: str


class StaffingValidation(msgspec.Struct):
    """How a service's model was chosen: mean absolute error per observed hour of each model on the held-out
    weeks, and the chosen model's error relative to the mean arrivals per hour."""

    holdout_weeks: int
    hours_scored: int
    mae: dict[str, float]
    mean_arrivals: float
    relative_error: float | None


class StaffingModel(msgspec.Struct):
    """The forecast model of one service and its measured busy time per citizen (call to finish)."""

    service: str
    name: str
    name_en: str
    model: str
    dispersion: float
    weeks: int
    validation: StaffingValidation | None
    handle_minutes: float | None
    handled: int


class StaffingActual(msgspec.Struct):
    """What happened in a past hour: arrivals, counters with activity, the measured waits of the citizens who
    arrived then (median, share within the target wait; read from sketches, within 5 %) and the counters Erlang C
    would have asked for the arrivals that came."""

    arrivals: int
    counters_open: int
    waits: int
    wait_median_minutes: float | None
    within_target: float | None
    counters_needed_for_actual: int | None


class StaffingHour(msgspec.Struct):
    """One pool's hour: the forecast (mean and prediction interval), the counters needed for the target with the
    service level, probability of waiting, mean wait and occupancy they give, the counters of the pool, and
    (for a past hour) what happened. `shortfall` = needed − open (past hour) or needed − available (to come);
    `shortfall_basis` says which."""

    day: str
    hour: int
    arrivals: float
    arrivals_low: int
    arrivals_high: int
    handle_minutes: float | None
    counters_needed: int | None
    counters_needed_high: int | None
    service_level: float | None
    p_wait: float | None
    mean_wait_minutes: float | None
    occupancy: float | None
    counters_available: int
    shortfall: int | None
    shortfall_basis: str
    actual: StaffingActual | None = None


class StaffingDay(msgspec.Struct):
    day: str
    weekday: int
    closed_reason: str | None  # weekend | holiday | closure, None on a working day


class StaffingPool(msgspec.Struct):
    """Counters that share services (connected through the counter assignments) and the services they serve."""

    key: str
    counters: list[str]
    services: list[str]
    handle_minutes: float | None
    hours: list[StaffingHour]


class StaffingHistory(msgspec.Struct):
    start: str | None
    end: str | None
    weeks: int


class StaffingPlan(msgspec.Struct):
    """A unit's staffing plan for one ISO week (08:00-16:00 on its working days)."""

    unit: str
    week: str
    start: str
    end: str
    today: str
    hours: list[int]
    level: float
    target: StaffingWaitTarget
    training: StaffingHistory
    days: list[StaffingDay]
    models: list[StaffingModel]
    pools: list[StaffingPool]
    notes: list[str]
    generated_at: str



class TargetForm(msgspec.Struct):
    """A unit's waiting target ("P % wait at most T minutes") as the console form sends it."""

    unit: str = ""
    wait_minutes: str = ""
    share_percent: str = ""
    week: str = ""

    def values(self) -> dict[str, str]:
        return {name: getattr(self, name)[:200] for name in ("unit", "wait_minutes", "share_percent", "week")}
