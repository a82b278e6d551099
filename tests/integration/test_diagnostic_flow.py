"""The diagnostic end to end through HTTP: every indicator rated by a manager, verified by a second account,
immutable afterwards, and the public page and API showing exactly the verified colours."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager

import httpx

from portal.db.tables import AuditLog
from portal.db.tables_diagnostic import DiagnosticAssessment, DiagnosticRating
from portal.diagnostic import measures, queries
from tests.conftest import PortalClient
from tests.factories import make_service, make_unit, make_user
from tests.integration.queue_support import login, post

YEAR = 2025
ROTATION = ("green", "yellow", "red")


@asynccontextmanager
async def as_user(app, user: dict):
    async with PortalClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver.local") as client:
        await login(client, user)
        yield client


async def scene() -> dict:
    unit = await make_unit()
    other = await make_unit(government=unit["government"])
    await make_service(unit)
    await make_service(other, approved=False)
    gov = await queries.government_of_unit(unit)
    return {"unit": unit, "other": other, "gov": gov, "q": f"?government={gov['slug']}",
            "manager": await make_user("manager", [unit]), "head": await make_user("head", [unit]),
            "admin": await make_user("admin", [])}


async def _assessment(gov_id: int) -> dict | None:
    return await DiagnosticAssessment.select().where((DiagnosticAssessment.government == gov_id)
                                                     & (DiagnosticAssessment.year == YEAR)).first().run()


def _page_url(s: dict, code: str, action: str = "") -> str:
    return f"/console/diagnostic/{YEAR}/indicators/{code}{'/' + action if action else ''}{s['q']}"


async def test_rate_everything_verify_by_another_account_then_immutable_and_published(app):
    s = await scene()
    scope = await queries.scope_of(s["gov"])
    live = await measures.measure_all(sorted(measures.MEASURES), measures.Context(list(scope.unit_ids), YEAR))
    assert live["G01"].colour == "red" and live["G01"].values == {"k": 1, "n": 2, "pct": "50.0"}

    async with as_user(app, s["manager"]) as manager:
        page = await manager.get(f"/console/diagnostic/{YEAR}{s['q']}")
        assert page.status_code == 200 and "1 dari 2 layanan aktif (50,0%) memiliki standar yang berlaku" in page.text
        assert await _assessment(s["gov"]["id"]) is None  # a GET writes nothing

        # an automatic indicator: another colour needs a written reason
        refused = await post(manager, _page_url(s, "G01", "rate"), {"colour": "yellow", "evidence_text": "x"})
        assert refused.status_code == 400 and "tuliskan mengapa" in refused.text
        assert not await DiagnosticRating.count().where(DiagnosticRating.code == "G01").where(
            DiagnosticRating.assessment.government == s["gov"]["id"]).run()
        # a hand-rated indicator needs evidence
        no_evidence = await post(manager, _page_url(s, "E01", "rate"), {"colour": "green"})
        assert no_evidence.status_code == 400 and "Berikan buktinya" in no_evidence.text
        bad_colour = await post(manager, _page_url(s, "E01", "rate") + "&lang=en", {"colour": "blue",
                                                                                   "evidence_text": "x"})
        assert bad_colour.status_code == 400 and "Choose red, yellow or green." in bad_colour.text

        assessment = None
        expected: dict[str, str] = {}
        _version, indicators = await queries.indicators_of(None)
        for n, indicator in enumerate(indicators):
            code = indicator["code"]
            measured = live.get(code)
            colour = measured.colour if measured and measured.colour else ROTATION[n % 3]
            r = await post(manager, _page_url(s, code, "rate"), {
                "colour": colour, "evidence_text": f"Bukti {code}: dokumen tahun {YEAR}",
                "evidence_link": "https://jdih.example.go.id/perda/1" if n % 2 else ""})
            assert r.status_code == 303, (code, r.text[-600:])
            expected[code] = colour
        assessment = await _assessment(s["gov"]["id"])
        assert assessment["status"] == "open"
        _version, indicators = await queries.indicators_of(assessment)
        assert {i["code"] for i in indicators} == set(expected) and len(expected) >= 39
        # the manager cannot verify (role), whatever the indicator
        assert (await post(manager, _page_url(s, "E01", "verify"), {"decision": "confirm"})).status_code == 403

    # the same account never both rates and verifies: an admin may do either, but not both on one indicator
    async with as_user(app, s["admin"]) as admin:
        r = await post(admin, _page_url(s, "E02", "rate"), {"colour": "yellow", "evidence_text": "Dicek ulang"})
        assert r.status_code == 303
        expected["E02"] = "yellow"
        same = await post(admin, _page_url(s, "E02", "verify"), {"decision": "confirm"})
        assert same.status_code == 403 and "tidak dapat memverifikasinya" in same.text
        page = await admin.get(_page_url(s, "E02"))
        assert "jadi akun lain yang harus memverifikasinya" in page.text and 'value="confirm"' not in page.text

    async with as_user(app, s["head"]) as head:
        # returned with a note, rated again, then verified
        no_note = await post(head, _page_url(s, "S01", "verify"), {"decision": "return", "note": " "})
        assert no_note.status_code == 400
        r = await post(head, _page_url(s, "S01", "verify"), {"decision": "return", "note": "Lampirkan data cakupan"})
        assert r.status_code == 303
        assert (await post(head, _page_url(s, "S01", "verify"), {"decision": "confirm"})).status_code == 409
        half = [i["code"] for i in indicators[: len(indicators) // 2] if i["code"] != "S01"]
        for code in half:
            r = await post(head, _page_url(s, code, "verify"), {"decision": "confirm"})
            assert r.status_code == 303, (code, r.text[-600:])

        # public page and API, half-way: exactly the verified colours, the rest null
        api = (await head.get(f"/api/v1/diagnostic/{YEAR}{s['q']}")).json()
        shown = {i["code"]: i["colour"] for i in api["indicators"]}
        assert shown == {c: (expected[c] if c in half else None) for c in expected}
        assert api["verified"] is False and api["counts"]["unverified"] == len(expected) - len(half)

    async with as_user(app, s["manager"]) as manager:
        page = await manager.get(_page_url(s, "S01"))
        assert "Lampirkan data cakupan" in page.text
        r = await post(manager, _page_url(s, "S01", "rate"), {"colour": "red", "evidence_text": "Data cakupan 2025"})
        assert r.status_code == 303
        expected["S01"] = "red"

    async with as_user(app, s["head"]) as head:
        for code in [c for c in expected if c not in half]:
            r = await post(head, _page_url(s, code, "verify"), {"decision": "confirm"})
            assert r.status_code == 303, (code, r.text[-600:])
        assessment = await _assessment(s["gov"]["id"])
        assert assessment["status"] == "verified"
        again = await post(head, _page_url(s, "G08", "verify"), {"decision": "confirm"})
        assert again.status_code == 409

    before = await DiagnosticRating.select().where(DiagnosticRating.assessment == assessment["id"]).run()
    async with as_user(app, s["manager"]) as manager:
        for code in ("G01", "E01", "L08"):
            r = await post(manager, _page_url(s, code, "rate"), {"colour": "green", "evidence_text": "ubah",
                                                                 "override_reason": "ubah"})
            assert r.status_code == 409 and "tidak dapat diubah lagi" in r.text
        r = await manager.post(_page_url(s, "E01", "evidence"), files={"file": ("a.pdf", b"%PDF-1.4\n%%EOF")},
                               data={"_csrf_token": manager.cookies.get("csrftoken")})
        assert r.status_code == 409
        r = await post(manager, f"/console/diagnostic/{YEAR}/automatic{s['q']}", {})
        assert r.status_code == 409
    after = await DiagnosticRating.select().where(DiagnosticRating.assessment == assessment["id"]).run()
    assert after == before

    # published: exactly the verified colours, counted per area, on the page and in the API
    async with PortalClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver.local") as public:
        api = (await public.get(f"/api/v1/diagnostic/{YEAR}{s['q']}")).json()
        assert api["verified"] is True and api["government"] == s["gov"]["slug"]
        assert {i["code"]: i["colour"] for i in api["indicators"]} == expected
        for colour in ("green", "yellow", "red"):
            assert api["counts"][colour] == sum(1 for c in expected.values() if c == colour)
        assert api["counts"]["unverified"] == 0
        by_area = {a["area"]: a["counts"] for a in api["areas"]}
        for area, counts in by_area.items():
            codes = [i["code"] for i in indicators if i["area"] == area]
            assert counts["green"] == sum(1 for c in codes if expected[c] == "green")
        assert api["history"][-1]["year"] == YEAR and api["history"][-1]["counts"] == api["counts"]
        page = await public.get(f"/diagnostic/{YEAR}{s['q']}")
        assert page.status_code == 200 and '<link rel="stylesheet" href="/static/css/diagnostic.css">' in page.text
        css = (await public.get("/static/css/diagnostic.css")).text  # a stylesheet: the CSP allows no inline style
        assert "@page{size:A4" in css
        rows = dict(re.findall(r'data-code="([A-Z0-9-]+)" data-colour="(\w*)"', page.text))
        assert rows == expected
        assert f'data-count="green">{api["counts"]["green"]}<' in page.text
        english = await public.get(f"/diagnostic/{YEAR}{s['q']}&lang=en")
        assert "Institutional development for good governance" in english.text
        assert (await public.get(f"/diagnostic/1999{s['q']}")).status_code == 404
        assert (await public.get(f"/api/v1/diagnostic/{YEAR}?government=tidak-ada")).status_code == 404

    entries = await AuditLog.select().where(AuditLog.entity == "diagnostic_rating").run()
    ids = {r["id"] for r in after}
    actions = [e["action"] for e in entries if e["entity_id"] in ids]
    assert actions.count("diagnostic_verified") == len(expected)
    assert actions.count("diagnostic_returned") == 1 and actions.count("diagnostic_rated") >= len(expected) + 2


async def test_two_first_ratings_at_once_open_one_assessment(app):
    import asyncio

    from portal.accounts.auth import CurrentUser
    from portal.diagnostic import services

    s = await scene()
    scope = await queries.scope_of(s["gov"])
    m = s["manager"]
    actor = CurrentUser(m["id"], m["username"], m["username"], "manager", frozenset({s["unit"]["id"]}))
    await asyncio.gather(*(services.rate(scope, YEAR, code, actor, "green", evidence_text="Bukti")
                           for code in ("E03", "E04", "E05")))
    rows = await DiagnosticAssessment.select().where(DiagnosticAssessment.government == s["gov"]["id"]).run()
    assert len(rows) == 1
    assert set(await queries.ratings(rows[0]["id"])) == {"E03", "E04", "E05"}
