"""The evidence pack: print-ready A4 page and XLSX workbook for heads, managers and admins of the unit (managers
prepare the ISO 9001 management review and read the pack; only heads record the review), never for officers."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.factories import make_unit, make_user
from tests.integration.test_insight_support import build_scene, record_review


@pytest.fixture
async def scene(app):
    return await build_scene()


async def _login(client, role, units):
    client.cookies.clear()
    user = await make_user(role, units)
    assert (await client.login(user["username"], user["password"])).status_code == 303


async def test_print_page_is_a4_with_unbroken_tables(client, scene):
    await _login(client, "head", [scene["unit"]])
    r = await client.get(f"/units/{scene['unit']['slug']}/evidence?period=2026-Q1&lang=en")
    assert r.status_code == 200, r.text[-1500:]
    html = r.text
    assert '<link rel="stylesheet" href="/static/css/evidence.css">' in html  # no inline style (CSP)
    css = (await client.get("/static/css/evidence.css")).text
    assert "@page{size:A4" in css.replace(" ", "")
    assert "break-inside:avoid" in css.replace(" ", "")
    api = (await client.get(f"/api/v1/units/{scene['unit']['slug']}/results?from=2026-01-01&to=2026-03-31")).json()
    assert f"{api['satisfaction']['ikm']:.2f}" in html
    for heading in ("Survey results per unsur", "Compliance per service", "Corrective actions", "Method notes",
                    "Krejcie"):
        assert heading in html
    assert "Rp 10.000" in html  # the officer-recorded overcharge is listed


async def test_head_records_the_nonconformities_its_figures_call_for(client, scene):
    from portal.db.tables_insight import Nonconformity

    unit_id = scene["unit"]["id"]
    await _login(client, "head", [scene["unit"]])
    r = await client.get(f"/units/{scene['unit']['slug']}/evidence?period=2026-Q1&lang=en")
    assert r.status_code == 200 and "Record the nonconformities of this period" in r.text
    overcharge = (Nonconformity.unit == unit_id) & (Nonconformity.source == "overcharge")
    assert not await Nonconformity.select().where(overcharge).run(), "a GET never writes"
    assert (await record_review(client, scene["unit"]["slug"], "2026-Q1")).status_code == 303
    opened = await Nonconformity.select().where(overcharge).run()
    assert opened, "the reported overcharge of a closed period must open a nonconformity"
    r = await client.get(f"/units/{scene['unit']['slug']}/evidence?period=2026-Q1&lang=id")
    assert "pembayaran di atas tarif resmi" in r.text  # the figure, rendered in Indonesian from its data


async def test_workbook_opens_with_a_per_unsur_sheet(client, scene):
    await _login(client, "head", [scene["unit"]])
    r = await client.get(f"/units/{scene['unit']['slug']}/evidence.xlsx?period=2026-Q1&lang=en")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["Summary", "Per-unsur", "Compliance", "Corrective actions", "Method notes"]
    api = (await client.get(f"/api/v1/units/{scene['unit']['slug']}/results?from=2026-01-01&to=2026-03-31")).json()
    per = wb["Per-unsur"]
    nrr = [per.cell(row=3 + i, column=3).value for i in range(9)]
    assert nrr == pytest.approx(api["satisfaction"]["nrr"], rel=1e-14)  # XLSX keeps 15 significant digits
    ikm_row = next(row for row in per.iter_rows(values_only=True) if row[0] and str(row[0]).startswith("IKM"))
    assert ikm_row[3] == pytest.approx(api["satisfaction"]["ikm"], rel=1e-14)
    assert wb["Method notes"].max_row >= 8
    r = await client.get(f"/units/{scene['unit']['slug']}/evidence.xlsx?period=2026-Q1&lang=id")
    indonesian = load_workbook(io.BytesIO(r.content))
    assert indonesian.sheetnames == ["Ringkasan", "Nilai per unsur", "Kepatuhan", "Tindakan korektif", "Catatan metode"]


async def test_officers_are_refused(client, scene):
    await _login(client, "officer", [scene["unit"]])
    assert (await client.get(f"/units/{scene['unit']['slug']}/evidence?period=2026-Q1")).status_code == 403
    assert (await client.get(f"/units/{scene['unit']['slug']}/evidence.xlsx?period=2026-Q1")).status_code == 403


async def test_managers_read_their_units_pack_and_only_heads_record_the_review(client, scene):
    """README ("managers and heads: /units/{slug}/evidence") and the permissions table agree: a manager of the unit
    reads the page and the workbook, without the button that records the review, and cannot record it; a
    manager of another unit is refused."""
    from portal.accounts.permissions import PERMISSIONS

    assert PERMISSIONS["evidence.view"].roles == {"head", "manager"}
    assert PERMISSIONS["evidence.review"].roles == {"head"}
    slug = scene["unit"]["slug"]
    await _login(client, "manager", [scene["unit"]])
    page = await client.get(f"/units/{slug}/evidence?period=2026-Q1&lang=en")
    assert page.status_code == 200 and "Evidence pack for the management review" in page.text
    assert "Record the nonconformities of this period" not in page.text
    assert (await client.get(f"/units/{slug}/evidence.xlsx?period=2026-Q1")).status_code == 200
    token = client.cookies.get("csrftoken")
    review = await client.post(f"/units/{slug}/evidence/review?period=2026-Q1", data={"_csrf_token": token})
    assert review.status_code == 403
    await _login(client, "manager", [await make_unit()])
    assert (await client.get(f"/units/{slug}/evidence?period=2026-Q1")).status_code == 403
    assert (await client.get(f"/units/{slug}/evidence.xlsx?period=2026-Q1")).status_code == 403


async def test_other_units_head_is_refused_and_bad_period_is_400(client, scene):
    await _login(client, "head", [await make_unit()])
    assert (await client.get(f"/units/{scene['unit']['slug']}/evidence?period=2026-Q1")).status_code == 403
    assert (await client.get(f"/units/{scene['unit']['slug']}/evidence.xlsx")).status_code == 403
    await _login(client, "admin", [])
    assert (await client.get(f"/units/{scene['unit']['slug']}/evidence?period=2026-Q1")).status_code == 200
    assert (await client.get(f"/units/{scene['unit']['slug']}/evidence?period=Q3-2026")).status_code == 400
    assert (await client.get(f"/units/{scene['unit']['slug']}/evidence.xlsx?period=2026-13")).status_code == 400
