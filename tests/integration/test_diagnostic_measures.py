"""Automatic indicators move with the portal's own data: closing a corrective action or approving a standard
changes the figure and colour before verification; verification freezes them; the demo data feeds at least
five governance indicators."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from portal.db.tables import StandardVersion
from portal.db.tables_diagnostic import DiagnosticRating
from portal.diagnostic import measures, queries
from portal.insight import actions, periods
from tests.factories import make_service, make_unit, make_user
from tests.integration.queue_support import post
from tests.integration.test_diagnostic_flow import as_user

YEAR = 2024


async def _open_items(unit: dict, service: dict, labels: list[str]) -> list[int]:
    return [await actions.open_item(unit["id"], service["id"], "overcharge", periods.parse(label),
                                    "1 of 10 above the fee", {"k": 1, "n": 10}) for label in labels]


async def test_closing_a_corrective_action_changes_the_colour_before_verification(app):
    unit = await make_unit()
    service = await make_service(unit)
    gov = await queries.government_of_unit(unit)
    q = f"?unit={unit['slug']}"
    url = f"/console/diagnostic/{YEAR}/indicators/G05"
    first, second = await _open_items(unit, service, ["2024-Q1", "2024-Q2"])
    manager, head = await make_user("manager", [unit]), await make_user("head", [unit])
    actor = {"id": manager["id"], "username": manager["username"]}

    async with as_user(app, manager) as m:
        page = await m.get(url + q + "&lang=en")
        assert page.status_code == 200
        assert "0 of 2 nonconformities (0.0%) closed with verification." in page.text
        assert "Green from 80%, yellow from 50%" in page.text  # the rule is shown beside the colour
        assert (await post(m, url + "/rate" + q, {"colour": "red"})).status_code == 303

    # the unit head closes one action (ISO 9001 10.2) through the insight capability
    await actions.plan(first, actor, "Kas tunai di loket", "Pembayaran non-tunai", "Kasi Pelayanan",
                       date(2024, 9, 1))
    await actions.close(first, {"id": head["id"], "username": head["username"]}, "Tidak ada laporan baru")

    async with as_user(app, head) as h:
        page = await h.get(url + q + "&lang=en")
        assert "1 of 2 nonconformities (50.0%) closed with verification." in page.text
        assert 'class="light light-yellow"' in page.text.split('id="measure"')[1].split("</section>")[0]
        # the rating took the old measured colour: it cannot be confirmed as it stands
        stale = await post(h, url + "/verify" + q, {"decision": "confirm"})
        assert stale.status_code == 409 and "has changed since the rating" in stale.text
        assert (await post(h, url + "/verify" + q, {"decision": "return",
                                                    "note": "Angka sudah berubah"})).status_code == 303

    async with as_user(app, manager) as m:
        assert (await post(m, url + "/rate" + q, {"colour": "yellow"})).status_code == 303
    async with as_user(app, head) as h:
        assert (await post(h, url + "/verify" + q, {"decision": "confirm"})).status_code == 303

    # verified: the figure is frozen as it was verified, whatever happens next
    await actions.plan(second, actor, "Sebab", "Tindakan", "Pemilik", date(2024, 10, 1))
    await actions.close(second, {"id": head["id"], "username": head["username"]}, "Efektif")
    scope = await queries.scope_of(gov, unit)
    live = await measures.measure("G05", measures.Context([unit["id"]], YEAR))
    assert live.colour == "green" and live.values["k"] == 2
    async with as_user(app, manager) as m:
        page = await m.get(url + q + "&lang=en")
        assert "1 of 2 nonconformities (50.0%) closed with verification." in page.text
        api = (await m.get(f"/api/v1/diagnostic/{YEAR}{q}")).json()
        assert next(i for i in api["indicators"] if i["code"] == "G05")["colour"] == "yellow"
    row = await DiagnosticRating.select().where(DiagnosticRating.code == "G05").where(
        DiagnosticRating.assessment == (await queries.assessment(scope, YEAR))["id"]).first().run()
    assert row["status"] == "verified" and row["source"] == "automatic"


async def test_approving_a_standard_changes_the_figure_and_an_override_needs_a_reason(app):
    unit = await make_unit()
    await make_service(unit)
    draft = await make_service(unit, approved=False)
    manager = await make_user("manager", [unit])
    year = datetime.now(UTC).year
    q = f"?unit={unit['slug']}&lang=en"
    url = f"/console/diagnostic/{year}/indicators/G01"
    async with as_user(app, manager) as m:
        page = await m.get(url + q)
        assert "1 of 2 active services (50.0%) have a standard in force." in page.text
        await StandardVersion.update({StandardVersion.status: "approved",
                                      StandardVersion.effective_from: datetime.now(UTC) - timedelta(days=1)}).where(
            StandardVersion.service == draft["id"]).run()
        page = await m.get(url + q)
        assert "2 of 2 active services (100.0%) have a standard in force." in page.text
        refused = await post(m, url + "/rate" + q, {"colour": "yellow"})
        assert refused.status_code == 400 and "The measured colour is Green" in refused.text
        ok = await post(m, url + "/rate" + q, {"colour": "yellow", "override_reason": "Satu standar belum "
                                                                                    "diumumkan di loket"})
        assert ok.status_code == 303
        page = await m.get(url + q)
        assert "differs from the measured colour" in page.text and "belum diumumkan di loket" in page.text


async def test_fill_automatic_rates_measured_indicators_only(app):
    unit = await make_unit()
    await make_service(unit)
    manager = await make_user("manager", [unit])
    q = f"?unit={unit['slug']}"
    async with as_user(app, manager) as m:
        r = await post(m, f"/console/diagnostic/{YEAR}/automatic{q}", {})
        assert r.status_code == 303
    gov = await queries.government_of_unit(unit)
    assessment = await queries.assessment(await queries.scope_of(gov, unit), YEAR)
    ratings = await queries.ratings(assessment["id"])
    assert set(ratings) == {"G01"}  # the only figure this empty unit has for the year
    assert ratings["G01"]["source"] == "automatic" and ratings["G01"]["status"] == "submitted"


async def test_demo_data_feeds_at_least_five_governance_indicators(demo, app):
    gov = await queries.government_by_slug(demo["government"])
    scope = await queries.scope_of(gov)
    year = (datetime.now(UTC) - timedelta(days=31)).year
    found = await measures.measure_all(sorted(measures.MEASURES), measures.Context(list(scope.unit_ids), year))
    coloured = {code: m for code, m in found.items() if m.colour is not None}
    assert len(coloured) >= 5, {c: m.figure for c, m in found.items()}
    assert all(code.startswith("G") for code in coloured)
    for m in coloured.values():
        assert m.values and m.rule


async def test_demo_complaint_register_feeds_g07_and_the_pages(client, demo, app):
    """Issue 22 item 7: the demo seeds a plausible complaint register (received, answered on time, answered late,
    open), so G07 is measured from it with its rule shown, and the dashboard, the results API and the public
    performance page show its figures."""
    from portal.complaints import insight as complaint_insight
    from portal.db.tables import Unit
    from portal.db.tables_complaints import Complaint

    gov = await queries.government_by_slug(demo["government"])
    scope = await queries.scope_of(gov)
    units = await Unit.select().where(Unit.id.is_in(list(scope.unit_ids))).run()
    rows = await Complaint.select(Complaint.status, Complaint.answered_day, Complaint.deadline).where(
        Complaint.unit.is_in(list(scope.unit_ids))).run()
    answered = [r for r in rows if r["answered_day"] is not None]
    assert len(rows) >= 10
    assert any(r["answered_day"] <= r["deadline"] for r in answered)  # on time
    assert any(r["answered_day"] > r["deadline"] for r in answered)  # late
    assert any(r["status"] in ("received", "classified", "in_progress") for r in rows)  # still open
    year = (datetime.now(UTC) - timedelta(days=31)).year
    ctx = measures.Context(list(scope.unit_ids), year)
    g07 = await measures.measure("G07", ctx)
    assert g07 is not None and g07.colour in ("green", "yellow", "red")
    figures = await complaint_insight.figures(units, None, ctx.start, ctx.end, now=ctx.at)
    assert (g07.values["k"], g07.values["n"]) == (figures["on_time"]["k"], figures["on_time"]["n"])
    assert "answered within their deadline" in measures.describe(g07.as_json(), "en")["figure"]
    assert "Green from 90%" in measures.describe(g07.as_json(), "en")["rule"]
    # G03 pools every service of the city, each against its own limit
    g03 = await measures.measure("G03", ctx)
    assert g03 is not None and g03.colour is not None and "cases finished within their time limit" in g03.figure

    unit = next(u for u in units if u["slug"] == "disdukcapil-kupang")
    body = (await client.get(f"/api/v1/units/{unit['slug']}/results?from={ctx.start}&to={ctx.end}")).json()
    assert body["complaints"]["received"] > 0
    public = (await client.get(f"/performance/units/{unit['slug']}?period={year}&lang=en")).text
    assert 'class="complaints-received">' in public and "No complaint was received" not in public
