"""Automatic indicators: figures the portal measures itself for a year, each with the colour its rule gives.

The registry MEASURES maps an indicator code to `async def measure(ctx: Context) -> Measured`; another
capability adds its own with `register("G07", fn)` (e.g. complaints answered on time). A measure reads the
year's data through existing functions (portal.insight.results.unit_results, portal.catalog.queries) or
Piccolo reads of the tables; it never writes. Colour thresholds are documented in docs/diagnostic.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from portal.catalog.queries import approved_versions_of, pick_in_force
from portal.db.tables import Service, Visit
from portal.db.tables_insight import Nonconformity
from portal.insight.results import unit_results
from portal.locale import gettext
from portal.timeutil import utcnow
from survey.ikm import round_half_up
from survey.sampling import krejcie_morgan


def _t(message: str) -> str:
    """Marks a message id for extraction; translated when shown (see `describe`)."""
    return message


@dataclass(frozen=True)
class Measured:
    """A figure for the year: `colour` (None = nothing to measure this year), the figure and the rule as English
    msgids with their variables (translated when shown)."""

    colour: str | None
    figure: str
    rule: str
    values: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict:
        return asdict(self)


DECIMALS = ("pct", "ikm")


def describe(measured: dict | None, lang: str) -> dict | None:
    """A stored or fresh measure (as_json form) with its figure and rule in `lang`."""
    if not measured or "figure" not in measured:
        return None
    values = dict(measured.get("values") or {})
    if lang == "id":  # decimal comma in Indonesian
        values = {k: v.replace(".", ",") if k in DECIMALS and isinstance(v, str) else v for k, v in values.items()}
    return {"colour": measured.get("colour"), "figure": gettext(lang, measured["figure"], **values),
            "rule": gettext(lang, measured["rule"]) % {}, "values": values}


class Context:
    """The scope (units) and the year being measured; results read once per context and shared."""

    def __init__(self, unit_ids: list[int], year: int, timezone: str = "Asia/Jakarta",
                 now: datetime | None = None) -> None:
        self.unit_ids = list(unit_ids)
        self.year = year
        self.start, self.end = date(year, 1, 1), date(year, 12, 31)
        year_end = datetime(year, 12, 31, 23, 59, 59, tzinfo=ZoneInfo(timezone))
        self.at = min(now or utcnow(), year_end)
        self._results: dict[int, dict] | None = None

    async def results(self) -> dict[int, dict]:
        """portal.insight.results.unit_results of each unit over the year (unit-local days)."""
        if self._results is None:
            self._results = {u: await unit_results(u, self.start, self.end) for u in self.unit_ids}
        return self._results


Measure = Callable[[Context], Awaitable[Measured]]
MEASURES: dict[str, Measure] = {}


def register(code: str, measure: Measure) -> Measure:
    """Make `measure` the automatic figure of indicator `code` (one per code)."""
    MEASURES[code] = measure
    return measure


def banded(rate: float, green: float, yellow: float) -> str:
    return "green" if rate >= green else "yellow" if rate >= yellow else "red"


def pct(rate: float) -> str:
    return f"{round_half_up(rate * 100, 1):.1f}"


async def standards_in_force(ctx: Context) -> Measured:
    """G01: active services of the scope with an approved standard in force at the year's end (or now)
    (UU 25/2009 Pasal 21; the version rule of portal.catalog.queries.pick_in_force)."""
    rule = _t("Green from 90%%, yellow from 60%% of active services with an approved standard in force.")
    services = await Service.select(Service.id).where(
        Service.unit.is_in(ctx.unit_ids or [0]) & (Service.active == True)).run()  # noqa: E712
    ids = [s["id"] for s in services]
    versions = await approved_versions_of(ids)
    k = sum(1 for i in ids if pick_in_force(versions.get(i, []), ctx.at) is not None)
    n = len(ids)
    if n == 0:
        return Measured(None, _t("No active services."), rule, {"k": 0, "n": 0})
    return Measured(banded(k / n, 0.90, 0.60), _t("%(k)s of %(n)s active services (%(pct)s%%) have a standard in force."),
                    rule, {"k": k, "n": n, "pct": pct(k / n)})


IKM_COLOURS = {"A": "green", "B": "yellow", "C": "red", "D": "red"}


async def satisfaction(ctx: Context) -> Measured:
    """G02: IKM of the year (PermenPANRB 14/2017): each unit's IKM from unit_results; for several units the
    respondent-weighted mean, classified on the same bands (>= 88.31 A, >= 76.61 B, >= 65.00 C)."""
    rule = _t("Green for IKM grade A, yellow for B, red for C or D.")
    results = await ctx.results()
    parts = [(r["satisfaction"]["n"], r["satisfaction"]["ikm"]) for r in results.values()
             if r["satisfaction"]["n"] and r["satisfaction"]["ikm"] is not None]
    n = sum(p[0] for p in parts)
    if n == 0:
        return Measured(None, _t("No survey responses this year."), rule, {"n": 0})
    ikm = sum(k * v for k, v in parts) / n
    rounded = round_half_up(ikm, 2)
    category = "A" if rounded >= 88.31 else "B" if rounded >= 76.61 else "C" if rounded >= 65.00 else "D"
    return Measured(IKM_COLOURS[category], _t("IKM %(ikm)s (grade %(category)s) from %(n)s respondents."), rule,
                    {"ikm": f"{rounded:.2f}", "category": category, "n": n})


async def time_compliance(ctx: Context) -> Measured:
    """G03: completed cases within the time limit of the standard in force at arrival (portal.insight.results)."""
    rule = _t("Green from 95%%, yellow from 80%% of completed cases within the time limit.")
    results = await ctx.results()
    k = sum(r["time"]["within"] for r in results.values())
    n = sum(r["time"]["n"] for r in results.values())
    if n == 0:
        return Measured(None, _t("No completed cases this year."), rule, {"k": 0, "n": 0})
    return Measured(banded(k / n, 0.95, 0.80), _t("%(k)s of %(n)s completed cases (%(pct)s%%) within the time limit."),
                    rule, {"k": k, "n": n, "pct": pct(k / n)})


async def cost_compliance(ctx: Context) -> Measured:
    """G04: payments above the official fee, recorded by officers or reported by citizens (every case counts)."""
    rule = _t("Green when no payment exceeds the official fee, yellow up to 1%%, red above 1%%.")
    results = await ctx.results()
    k = sum(r["cost"]["overcharged"] for r in results.values())
    n = sum(r["cost"]["n"] for r in results.values())
    if n == 0:
        return Measured(None, _t("No payments recorded or reported this year."), rule, {"k": 0, "n": 0})
    colour = "green" if k == 0 else "yellow" if k / n <= 0.01 else "red"
    return Measured(colour, _t("%(k)s of %(n)s payments (%(pct)s%%) above the official fee."), rule,
                    {"k": k, "n": n, "pct": pct(k / n)})


async def corrective_actions(ctx: Context) -> Measured:
    """G05: nonconformities of the year's periods closed with a verification of effectiveness (ISO 9001 10.2)."""
    rule = _t("Green from 80%%, yellow from 50%% of the year's nonconformities closed with verification.")
    rows = await Nonconformity.select(Nonconformity.status, Nonconformity.verification_note).where(
        Nonconformity.unit.is_in(ctx.unit_ids or [0]) & (Nonconformity.period_from >= ctx.start)
        & (Nonconformity.period_from <= ctx.end)).run()
    n = len(rows)
    k = sum(1 for r in rows if r["status"] == "closed" and (r["verification_note"] or "").strip())
    if n == 0:
        return Measured(None, _t("No nonconformities opened for this year."), rule, {"k": 0, "n": 0})
    return Measured(banded(k / n, 0.80, 0.50), _t("%(k)s of %(n)s nonconformities (%(pct)s%%) closed with verification."),
                    rule, {"k": k, "n": n, "pct": pct(k / n)})


async def sample_adequacy(ctx: Context) -> Measured:
    """G06: units whose respondents reach the Krejcie-Morgan sample for the visits they served in the year
    (survey.sampling.krejcie_morgan, as PermenPANRB 14/2017 asks)."""
    rule = _t("Green from 90%%, yellow from 50%% of units with enough respondents (Krejcie-Morgan).")
    results = await ctx.results()
    k = n = 0
    for unit_id, r in results.items():
        served = await Visit.count().where((Visit.unit == unit_id) & (Visit.local_day >= ctx.start)
                                           & (Visit.local_day <= ctx.end) & Visit.served_at.is_not_null()).run()
        if not served:
            continue
        n += 1
        k += r["satisfaction"]["n"] >= krejcie_morgan(int(served))
    if n == 0:
        return Measured(None, _t("No visits served this year."), rule, {"k": 0, "n": 0})
    return Measured(banded(k / n, 0.90, 0.50), _t("%(k)s of %(n)s units reach the minimum sample."), rule,
                    {"k": k, "n": n})


for _code, _measure in (("G01", standards_in_force), ("G02", satisfaction), ("G03", time_compliance),
                        ("G04", cost_compliance), ("G05", corrective_actions), ("G06", sample_adequacy)):
    register(_code, _measure)


async def measure(code: str, ctx: Context) -> Measured | None:
    """The automatic figure of `code` for this context, or None when the indicator is rated by hand."""
    fn = MEASURES.get(code)
    return await fn(ctx) if fn else None


async def measure_all(codes: list[str], ctx: Context) -> dict[str, Measured]:
    return {code: m for code in codes if (m := await measure(code, ctx)) is not None}
