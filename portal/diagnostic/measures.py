"""Automatic indicators: figures the portal measures itself for a year, each with the colour its rule gives.

The registry MEASURES maps an indicator code to `async def measure(ctx: Context) -> Measured`; another
capability adds its own with `register(code, fn)`. A measure reads the
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
from portal.complaints import insight as complaint_insight
from portal.db.tables import Service, Unit, Visit
from portal.db.tables_insight import Nonconformity
from portal.errors import _t
from portal.formatting import count, local_date
from portal.insight import time_headline
from portal.insight.results import unit_parts, unit_results
from portal.locale import gettext
from portal.timeutil import utcnow
from survey.ikm import round_half_up
from survey.sampling import krejcie_morgan


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


#: Values that are days (ISO text in the stored measure), shown as people write a date.
DATES = ("final",)


def _shown(key: str, value: Any, lang: str) -> Any:
    """A measure's value as its sentence shows it: counts with thousands separators ("25.796" / "25,796"), the
    percentage and IKM (already rounded text) with the Indonesian decimal comma, days as "15 Januari 2027"."""
    if key in DATES and isinstance(value, str):
        return local_date(value, lang=lang)
    if isinstance(value, int) and not isinstance(value, bool):
        return count(value, lang)
    if key in DECIMALS and isinstance(value, str) and lang == "id":
        return value.replace(".", ",")
    return value


def describe(measured: dict | None, lang: str) -> dict | None:
    """A stored or fresh measure (as_json form) with its figure and rule in `lang`."""
    if not measured or "figure" not in measured:
        return None
    values = {k: _shown(k, v, lang) for k, v in (measured.get("values") or {}).items()}
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
        self._strata: list[dict] | None = None

    async def results(self) -> dict[int, dict]:
        """portal.insight.results.unit_results of each unit over the year (unit-local days)."""
        if self._results is None:
            self._results = {u: await unit_results(u, self.start, self.end) for u in self.unit_ids}
        return self._results

    async def time_strata(self) -> list[dict]:
        """The time stratum of every service of the scope over the year (portal.insight.results.unit_parts),
        to pool across units (the city) as a unit pools its services."""
        if self._strata is None:
            self._strata = []
            for unit in await Unit.select().where(Unit.id.is_in(self.unit_ids or [0])).order_by(Unit.id).run():
                _services, parts = await unit_parts(unit, self.start, self.end)
                self._strata += [p["stratum"] for p in parts]
        return self._strata


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
    """G03: the year's cases finished within their time limit, as the results API's headline gives it
    (portal.insight.time_headline, issue 22): every service of the scope is a stratum judged against its own
    limit (same-day services by their completed visits, multi-day services by the Kaplan-Meier estimate that
    counts open cases, read at the horizon the follow-up reaches), pooled with case weights. A provisional
    estimate (a case still open inside its deadline) is at most yellow: it cannot meet the target yet."""
    rule = _t("Green from 95%%, yellow from 80%% of cases finished within their time limit (estimate counting "
              "open cases, each service against its own limit); a provisional estimate is at most yellow.")
    strata = await ctx.time_strata()
    time = time_headline.headline(strata, 0.95)
    if not time["n"] or time["rate"] is None:
        return Measured(None, _t("No cases this year."), rule, {"k": 0, "n": 0})
    colour = banded(time["rate"], 0.95, 0.80)
    values = {"n": time["n"], "pct": pct(time["rate"]), "open": time["open"] or 0, "late": time["open_late"] or 0}
    if time["provisional"]:
        return Measured("yellow" if colour == "green" else colour,
                        _t("Estimated %(pct)s%% of %(n)s cases finished within their time limit, counting the "
                           "%(open)s still open (%(late)s of them late); provisional until %(final)s."), rule,
                        {**values, "final": time["final_after"]})
    return Measured(colour, _t("%(pct)s%% of %(n)s cases finished within their time limit (%(open)s still open, "
                               "all past their deadline and counted as late)."), rule, values)


async def cost_compliance(ctx: Context) -> Measured:
    """G04: payments above the official fee (every case counts): visits, one verdict each (the officer's record
    or the citizen's answer bound to it), and answers bound to no visit, judged apart (one transaction may be
    in both, so they are never added into one rate; issue 22). Green when neither has a case; otherwise the
    higher of the two shares decides yellow (up to 1 %) or red."""
    rule = _t("Green when no payment exceeds the official fee, yellow up to 1%%, red above 1%% (visits and answers "
              "bound to no visit judged apart; the higher share counts).")
    results = await ctx.results()
    k = sum(r["cost"]["overcharged"] for r in results.values())
    n = sum(r["cost"]["n"] for r in results.values())
    ku = sum((r["cost"].get("unbound") or {}).get("overcharged", 0) for r in results.values())
    nu = sum((r["cost"].get("unbound") or {}).get("n", 0) for r in results.values())
    if n + nu == 0:
        return Measured(None, _t("No payments recorded or reported this year."), rule, {"k": 0, "n": 0})
    worst = max(k / n if n else 0.0, ku / nu if nu else 0.0)
    colour = "green" if k + ku == 0 else "yellow" if worst <= 0.01 else "red"
    return Measured(colour, _t("%(k)s of %(n)s visits (%(pct)s%%) paid above the official fee; %(ku)s of %(nu)s "
                               "answers bound to no visit reported paying above it."), rule,
                    {"k": k, "n": n, "pct": pct(k / n) if n else "0.0", "ku": ku, "nu": nu})


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


async def complaints_answered(ctx: Context) -> Measured:
    """G07: complaints received in the year answered within their deadline, from the complaint register
    (portal.complaints.insight: k = answered on or before the deadline day, n = answered plus still open past
    the deadline, rejected ones left out; ISO 10002 8.4). The colours follow the catalogue's criteria: nearly
    all on time green (>= 90 %), answered but often late yellow (>= 50 %), most unanswered or late red."""
    rule = _t("Green from 90%%, yellow from 50%% of the year's complaints answered within their deadline "
              "(open ones past it count as late).")
    units = await Unit.select().where(Unit.id.is_in(ctx.unit_ids or [0])).run()
    figures = await complaint_insight.figures(units, None, ctx.start, ctx.end, now=ctx.at)
    share = figures["on_time"]
    if not figures["received"]:
        return Measured(None, _t("No complaints received this year."), rule, {"k": 0, "n": 0})
    if not share["n"]:
        return Measured(None, _t("%(received)s complaints received, none due yet."), rule,
                        {"received": figures["received"], "k": 0, "n": 0})
    return Measured(banded(share["rate"], 0.90, 0.50),
                    _t("%(k)s of %(n)s complaints due (%(pct)s%%) answered within their deadline; %(open)s "
                       "still open, %(overdue)s of them overdue."), rule,
                    {"k": share["k"], "n": share["n"], "pct": pct(share["rate"]), "open": figures["open"],
                     "overdue": figures["overdue"], "received": figures["received"]})


for _code, _measure in (("G01", standards_in_force), ("G02", satisfaction), ("G03", time_compliance),
                        ("G04", cost_compliance), ("G05", corrective_actions), ("G06", sample_adequacy),
                        ("G07", complaints_answered)):
    register(_code, _measure)


async def measure(code: str, ctx: Context) -> Measured | None:
    """The automatic figure of `code` for this context, or None when the indicator is rated by hand."""
    fn = MEASURES.get(code)
    return await fn(ctx) if fn else None


async def measure_all(codes: list[str], ctx: Context) -> dict[str, Measured]:
    return {code: m for code in codes if (m := await measure(code, ctx)) is not None}
