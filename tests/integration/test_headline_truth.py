"""Issue 22: the first figure a head reads is the right estimate. Constructed data, a moved clock (time-machine):
follow-up shorter than the limit; a unit pooling two limits; a rejected visit with a citizen answer; and every
figure the dashboard shows equals the results API's."""

from __future__ import annotations

import calendar
import secrets
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import numpy as np
import time_machine
from scipy import stats

from portal.complaints import services as complaint_services
from portal.complaints.schemas import ComplaintInput
from portal.db.tables import StandardVersion, SurveyResponse, Visit
from portal.db.tables_insight import RollupDay
from portal.feedback.services import submit_response
from portal.formatting import count, number, percent
from portal.insight import ledger, rollups
from portal.timeutil import local_day
from survey.clock import WEEKMASK, deadline_day, holiday_calendar
from survey.compliance import proportion
from survey.survival import pooled
from tests.factories import make_counter, make_service, make_unit, make_user, refresh
from tests.integration.test_insight_support import add_response, add_visit, at

# A Wednesday at noon in Kupang (WITA): every "now" and "today" of these tests, whatever the real date.
NOW = datetime(2031, 9, 17, 4, 0, tzinfo=UTC)


def working_days_before(day: date, k: int) -> date:
    """The working day k working days before `day` (national holidays and cuti bersama skipped)."""
    cal = np.busdaycalendar(weekmask=WEEKMASK, holidays=holiday_calendar([day.year - 1, day.year]))
    found = np.busday_offset(np.datetime64(day, "D"), -k, roll="backward", busdaycal=cal).item()
    assert isinstance(found, date)
    return found


async def _set_target(service: dict, target: float) -> None:
    await StandardVersion.update({StandardVersion.target_time: target}).where(
        StandardVersion.service == service["id"]).run()


async def _completed(unit, service, day: date, working_days: int, i: int = 0, **values) -> int:
    """A case that arrived on `day` and was delivered `working_days` working days later."""
    arrived = at(unit, day, 9, i % 60)
    delivered = at(unit, deadline_day(day, working_days, "working_days"), 10)
    return await add_visit(unit, service, arrived, minutes=30, delivered_at=delivered, **values)


async def _open(unit, service, day: date, i: int = 0) -> int:
    """A case that arrived on `day`, was finished at the counter and is still waiting for its product."""
    return await add_visit(unit, service, at(unit, day, 10, i % 60), outcome=None, minutes=30)


async def test_follow_up_shorter_than_the_limit_is_read_at_its_horizon_and_never_meets(client, app):
    """40 cases done in 2 working days and one still open, 6 working days after they arrived, against a limit of
    10: the estimate is P(done within 6 working days), said so, provisional until the open case's deadline, and
    it does not "meet" the 80 % target even though 40 of 41 are done (issue 22 items 1 and 2)."""
    with time_machine.travel(NOW, tick=False):
        unit = await make_unit(timezone="Asia/Makassar")
        svc = await make_service(unit, time_limit=(10, "working_days"))
        await _set_target(svc, 0.8)
        today = local_day(unit["timezone"])
        start = working_days_before(today, 6)
        for i in range(40):
            await _completed(unit, svc, start, 2, i)
        await _open(unit, svc, start)
        await refresh()
        query = f"from={start.isoformat()}&to={today.isoformat()}"
        tm = (await client.get(f"/api/v1/services/{svc['slug']}/results?{query}")).json()["time"]

        expected = stats.ecdf(stats.CensoredData(uncensored=[2.0] * 40, right=[6.0])).cdf.evaluate(6.0)
        assert tm["basis"] == "kaplan_meier"
        assert tm["rate"] == tm["estimate"] == float(expected) == 40 / 41
        assert (tm["horizon_days"], tm["horizon_limited"], tm["limit"], tm["limit_unit"]) == \
            (6, True, 10, "working_days")
        assert (tm["n"], tm["completed"], tm["open"], tm["open_late"], tm["completed_rate"]) == (41, 40, 1, 0, 1.0)
        assert tm["provisional"] is True
        assert tm["final_after"] == deadline_day(start, 10, "working_days").isoformat()
        # final, 40 of 41 would meet 80 %: provisional, it is not judged yet
        assert proportion(40, 41, 0.8).verdict == "meets"
        assert (tm["verdict"], tm["extra_needed"]) == ("provisional", None)

        head = await make_user("head", [unit])
        assert (await client.login(head["username"], head["password"])).status_code == 303
        html = (await client.get(f"/dashboard?unit={unit['slug']}&service={svc['slug']}&{query}&lang=en")).text
        tile = html.split('id="tile-time"')[1].split("</article>")[0]
        assert "97.6\u00a0%" in tile  # a no-break space: the figure never wraps from its sign
        assert "meets the target" not in tile and "provisional" in tile
        assert "within 6 working days (limit 10 working days, not reached yet)" in tile
        public = (await client.get(f"/performance/services/{svc['slug']}?period={today:%Y-%m}&lang=en")).text
        assert "meets the target" not in public.split('id="fact-time"')[1].split("</div>")[0]


async def test_unit_pools_two_limits_each_against_its_own(client, app):
    """A unit with a 2-working-day service and a 5-working-day one: the unit's time estimate pools their cases,
    each judged against its own limit (issue 22 item 3), with the same fields as a service."""
    with time_machine.travel(NOW, tick=False):
        unit = await make_unit(timezone="Asia/Makassar")
        quick = await make_service(unit, time_limit=(2, "working_days"))
        slow = await make_service(unit, time_limit=(5, "working_days"))
        today = local_day(unit["timezone"])
        day = working_days_before(today, 20)
        for i, k in enumerate([1, 2, 3, 3]):  # 2 of 4 within 2 working days
            await _completed(unit, quick, day, k, i)
        await _open(unit, quick, today)  # arrived today: inside its deadline, censored at 0
        for i, k in enumerate([4, 4, 5, 6, 7, 1]):  # 4 of 6 within 5 working days
            await _completed(unit, slow, day, k, i)
        await _open(unit, slow, day, 9)  # 20 working days old: a breach now
        await refresh()
        query = f"from={day.isoformat()}&to={today.isoformat()}"
        body = (await client.get(f"/api/v1/units/{unit['slug']}/results?{query}")).json()
        tm = body["time"]
        each = {e["service"]: e["time"] for e in body["services"]}
        assert (each[quick["slug"]]["rate"], each[slow["slug"]]["rate"]) == (0.5, 4 / 7)
        # pooled with case weights: 5/12 x 1/2 + 7/12 x 4/7 (one limit for both would give 8/12 or 3/12)
        assert abs(tm["rate"] - (5 / 12 * 0.5 + 7 / 12 * 4 / 7)) < 1e-12
        variances = [each[quick["slug"]], each[slow["slug"]]]
        assert all(v["basis"] == "kaplan_meier" for v in variances)
        assert (tm["basis"], tm["n"], tm["within"], tm["completed"], tm["open"], tm["open_late"]) == \
            ("kaplan_meier", 12, 6, 10, 2, 1)
        assert (tm["limit"], tm["limit_unit"], tm["horizon_days"]) == (None, "working_days", None)
        # the interval: the strata's Greenwood variances added with the squared weights, log-log
        var_quick = 0.5 * 0.5 / 4  # no censoring before the event times that matter: binomial
        expected = pooled([(5, 0.5, var_quick), (7, 4 / 7, (4 / 7) * (3 / 7) / 7)])
        assert np.allclose(tm["ci95"], expected.ci95)
        # provisional (today's case), but even if it is done in time 7 of 12 is below 95 %: certain
        assert (tm["provisional"], tm["verdict"]) == (True, "below")
        csv_text = (await client.get(f"/api/v1/units/{unit['slug']}/results.csv?{query}")).text
        assert "time_horizon_days" in csv_text.splitlines()[0]


async def _visit(unit, service, hour: int, outcome: str, **values) -> int:
    arrived = at(unit, date(2031, 9, 8), hour)
    async with Visit._meta.db.transaction():
        rows = await Visit.insert(Visit(
            unit=unit["id"], service=service["id"], local_day=date(2031, 9, 8), token=secrets.token_urlsafe(24),
            arrived_at=arrived, arrived_source="officer", called_at=arrived + timedelta(minutes=2),
            served_at=arrived + timedelta(minutes=3), finished_at=arrived + timedelta(minutes=20), outcome=outcome,
            survey_offered=True, **values,
        )).returning(*Visit.all_columns()).run()
        await ledger.visit_changed(None, rows[0])
    return rows[0]["id"]


async def test_rejected_or_cancelled_visit_has_no_product_to_judge(client, app):
    """Issue 22 item 5: a citizen's yes/no bound to a visit rejected as incomplete (or cancelled) is no accuracy
    verdict: no product was delivered. The visit counts in the rejection and cancellation rates instead."""
    with time_machine.travel(NOW, tick=False):
        unit = await make_unit()
        svc = await make_service(unit)
        done = await _visit(unit, svc, 8, "completed")
        rejected = await _visit(unit, svc, 9, "rejected_incomplete")
        cancelled = await _visit(unit, svc, 10, "cancelled")
        for visit, answer in ((done, "yes"), (rejected, "no"), (cancelled, "yes")):
            rid = await submit_response({"u1": 3, "service": svc["id"], "unit": unit["id"], "counter": None,
                                         "visit": visit, "local_day": date(2031, 9, 8), "channel": "qr_ticket",
                                         "submitted_at": NOW, "product_correct": answer}, None, standard=None)
            assert rid is not None
        await refresh()
        url = f"/api/v1/services/{svc['slug']}/results?from=2031-09-01&to=2031-09-30"
        body = (await client.get(url)).json()
        assert (body["accuracy"]["n"], body["accuracy"]["first_time_right"]) == (1, 1)
        assert body["accuracy"]["unbound"]["n"] == 0
        out = body["outcomes"]
        assert (out["ended"], out["completed"], out["rejected"], out["cancelled"], out["no_show"]) == (3, 1, 1, 1, 0)
        assert out["rejected_rate"] == 1 / 3 and out["rejected_ci95"] == list(proportion(1, 3).ci95)

        def snapshot(rows):
            return sorted(({k: v for k, v in r.items() if k not in ("id", "computed_at")} for r in rows),
                          key=lambda r: (r["counter"], str(r["day"])))

        incremental = snapshot(await RollupDay.select().where(RollupDay.service == svc["id"]).run())
        await rollups.rebuild([svc["id"]])
        assert snapshot(await RollupDay.select().where(RollupDay.service == svc["id"]).run()) == incremental
        assert (await client.get(url)).json() == body


class _Figures(HTMLParser):
    """Every element of a page that carries `data-figure`: (path, shown text, attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, dict]] = []
        self._open: list[tuple[str, dict, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-figure" in a:
            self._open.append((tag, a, []))
        elif self._open:
            self._open.append((tag, {}, self._open[-1][2]))

    def handle_endtag(self, tag):
        if self._open:
            t, a, text = self._open.pop()
            if "data-figure" in a:
                self.found.append((a["data-figure"], " ".join("".join(text).split()), a))
                if self._open:
                    self._open[-1][2].extend(text)

    def handle_data(self, data):
        if self._open:
            self._open[-1][2].append(data)


def _lookup(body: dict, path: str):
    value = body
    for key in path.split("."):
        if isinstance(value, list):
            value = next((x for x in value if str(x.get("service", x.get("code", x.get("limit",
                                                                                       x.get("category"))))) == key),
                         None)
            if value is not None and "count" in value:
                value = value["count"]
        elif isinstance(value, dict):
            value = value.get(key)
        else:
            return None
    return value


def _shown(path: str, value, attrs: dict) -> str:
    """How the dashboard shows the API's value (English formatting: the dashboard is read with lang=en)."""
    last = path.split(".")[-1]
    if value is None:
        return "–"
    if last.endswith("ci95"):
        digits = int(attrs.get("data-digits", 1))
        fmt = (lambda x: number(x, digits, "en")) if path == "satisfaction.ci95" else (lambda x: percent(x, 1, "en"))
        return f"{fmt(value[0])} – {fmt(value[1])}"
    if last in ("rate", "coverage", "prob") or last.endswith("_rate"):
        return percent(value, 1, "en")
    if path == "satisfaction.ikm":
        return number(value, 2, "en")
    if "data-digits" in attrs:
        return number(value, int(attrs["data-digits"]), "en")
    if isinstance(value, int) and not isinstance(value, bool):
        return count(value, "en")  # counts carry the thousands separator ("1,017")
    return str(value)


def _compare(html: str, apis: dict[str, dict]) -> set[str]:
    """Every data-figure of `html` against the API body its prefix names ("" = the scope's own results)."""
    parser = _Figures()
    parser.feed(html)
    assert parser.found
    seen = set()
    for path, text, attrs in parser.found:
        prefix, _, rest = path.partition(".")
        if prefix == "services":  # the unit's table of services: the unit results' per-service entries
            body, key = apis["services"], path
        elif prefix in apis:  # the change table: "now" and "previous"
            body, key = apis[prefix], rest
        else:
            body, key = apis[""], path
        value = _lookup(body, key)
        if "data-value" in attrs:
            assert attrs["data-value"] == str(value).lower(), (path, attrs, value)
        else:
            shown_key = ".".join(key.split(".")[2:]) if prefix == "services" else key
            assert text == _shown(shown_key, value, attrs), (path, text, value)
        seen.add(path if prefix in apis else key)
    return seen


REQUIRED = {
    "time.rate", "time.ci95", "time.completed_rate", "time.completed", "time.open", "time.open_late",
    "satisfaction.ikm", "satisfaction.ci95", "satisfaction.certain", "satisfaction.n", "satisfaction.sample_needed",
    "satisfaction.response.served", "satisfaction.response.offered", "satisfaction.response.responded",
    "satisfaction.response.response_rate", "satisfaction.response.coverage", "satisfaction.response.all_responses",
    "satisfaction.response.not_counted_total", "satisfaction.response.not_counted.too_fast",
    "satisfaction.channels.qr", "satisfaction.unsur.U1.nrr", "satisfaction.unsur.U9.grade",
    "durations.waiting.median.est", "durations.handling.p90.est", "durations.waiting.n",
    "outcomes.rejected_rate", "outcomes.no_show", "outcomes.cancelled_ci95", "outcomes.ended",
    "cost.rate", "cost.overcharged", "cost.unbound.rate", "cost.unrecorded_payments",
    "accuracy.rate", "accuracy.unbound.rate", "accuracy.disagreements", "requirements.rate",
    "complaints.received", "complaints.open", "complaints.on_time.rate", "complaints.km.2.prob",
    "complaints.categories.time",
}


async def test_every_dashboard_figure_equals_the_results_api(client, app):
    """Issue 22 item 6: every figure on the dashboard carries the results API's name (data-figure) and shows the
    API's value, for a service and for its unit; the API carries the funnel, the answers not counted by reason,
    the per-unsur scores, the category certainty, complaints, waiting times and how the visits ended."""
    with time_machine.travel(NOW, tick=False):
        unit = await make_unit(timezone="Asia/Makassar")
        svc = await make_service(unit, fee=5000, time_limit=(5, "working_days"))
        other = await make_service(unit, time_limit=(30, "minutes"))
        counter = await make_counter(unit, [svc, other])
        today = local_day(unit["timezone"])
        day = today.replace(day=1)
        for i, k in enumerate([1, 2, 3, 4, 6, 7]):
            await _completed(unit, svc, day + timedelta(days=i % 3), k, i, counter=counter, fee_charged=5000 + 500 * i,
                             correction_needed=i == 2)
        await _open(unit, svc, day)
        await _open(unit, svc, today, 1)
        await add_visit(unit, svc, at(unit, day, 11), outcome="rejected_incomplete", minutes=15, counter=counter)
        await add_visit(unit, svc, at(unit, day, 12), outcome="no_show", minutes=None, served_after=None)
        await add_visit(unit, svc, at(unit, day, 13), outcome="cancelled", minutes=None, served_after=None,
                        called_after=None)
        await add_visit(unit, other, at(unit, day, 9), minutes=20, counter=counter)
        rng = np.random.default_rng(22)
        for i in range(30):
            answers = [int(x) for x in rng.choice([2, 3, 4], size=9, p=[0.2, 0.5, 0.3])]
            await add_response(unit, svc, day + timedelta(days=i % 4), answers, counter=counter,
                               amount_paid=[None, 5000, 9000][i % 3], extra_requirements=[False, True][i % 2],
                               product_correct=["yes", "no", None][i % 3], channel=["qr_counter", "paper"][i % 2])
        for reason in ("too_fast", "no_stamp", "too_fast"):
            await SurveyResponse.insert(SurveyResponse(
                unit=unit["id"], service=svc["id"], u1=1, local_day=day, submitted_at=NOW, counted=False,
                count_reason=reason, channel="qr_counter")).run()
            await rollups.touch(svc["id"], day)
        for category, received in (("time", at(unit, day, 9)), ("conduct", at(unit, today, 8))):
            await complaint_services.file_complaint(ComplaintInput(category, "uji", None, None, ""), unit=unit,
                                                    service_id=svc["id"], counter_id=None, now=received)
        await refresh()
        month = f"{today:%Y-%m}"
        last = (day - timedelta(days=1)).replace(day=1)
        span = f"from={day.isoformat()}&to={day.replace(day=calendar.monthrange(day.year, day.month)[1]).isoformat()}"
        previous = f"from={last.isoformat()}&to={(day - timedelta(days=1)).isoformat()}"
        head = await make_user("head", [unit])
        assert (await client.login(head["username"], head["password"])).status_code == 303

        api = (await client.get(f"/api/v1/services/{svc['slug']}/results?{span}")).json()
        before = (await client.get(f"/api/v1/services/{svc['slug']}/results?{previous}")).json()
        html = (await client.get(f"/dashboard?unit={unit['slug']}&service={svc['slug']}&period={month}&lang=en")).text
        seen = _compare(html, {"": api, "now": api, "previous": before})
        assert seen >= REQUIRED, REQUIRED - seen
        assert api["satisfaction"]["response"]["not_counted"] == {"no_stamp": 1, "reused_stamp": 0, "too_fast": 2,
                                                                  "over_cap": 0, "manager_out": 0}
        assert (api["complaints"]["received"], api["outcomes"]["rejected"]) == (2, 1)

        unit_api = (await client.get(f"/api/v1/units/{unit['slug']}/results?{span}")).json()
        unit_before = (await client.get(f"/api/v1/units/{unit['slug']}/results?{previous}")).json()
        unit_html = (await client.get(f"/dashboard?unit={unit['slug']}&period={month}&lang=en")).text
        seen = _compare(unit_html, {"": unit_api, "now": unit_api, "previous": unit_before, "services": unit_api})
        assert {"time.rate", "complaints.received", f"services.{svc['slug']}.time.rate",
                f"services.{other['slug']}.time.rate"} <= seen
