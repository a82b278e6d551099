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


async def test_workbook_has_real_dates_rupiah_formats_frozen_headers_and_fitted_columns(client, scene):
    """Issue 26 (8): opened in a spreadsheet the workbook sorts and sums: dates are dates (not "2026-03-02" text),
    rupiah cells are numbers shown as "Rp 10.000", every sheet keeps its header on screen while scrolling, columns
    fit what they show, and no text cell holds what reads as a number or a date."""
    import re
    from datetime import date, datetime

    slug = scene["unit"]["slug"]
    await _login(client, "head", [scene["unit"]])
    assert (await record_review(client, slug, "2026-Q1")).status_code == 303  # corrective actions with dates
    r = await client.get(f"/units/{slug}/evidence.xlsx?period=2026-Q1&lang=id")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    summary, compliance, actions = wb["Ringkasan"], wb["Kepatuhan"], wb["Tindakan korektif"]

    def is_day(cell) -> bool:
        return isinstance(cell.value, datetime) and cell.is_date and "yy" in cell.number_format

    assert [c.value.date() for c in summary[2][2:4]] == [date(2026, 1, 1), date(2026, 3, 31)]
    assert all(is_day(c) for c in summary[2][2:4])
    head = next(i for i, row in enumerate(compliance.iter_rows(values_only=True), 1) if row[0] == "Setiap kasus pungutan di atas tarif")
    cases = [row for row in compliance.iter_rows(min_row=head + 1) if row[0].value]
    assert cases, "the scene's officer-recorded overcharges are listed"
    for row in cases:
        assert is_day(row[1]) and date(2026, 3, 2) <= row[1].value.date() <= date(2026, 3, 31)
        for cell in row[4:6]:  # the amount paid and the official fee
            assert isinstance(cell.value, int) and cell.number_format == '"Rp "#,##0'
    assert any(row[4].value == 10000 and row[5].value == 5000 for row in cases)
    opened = [row[6] for row in actions.iter_rows(min_row=2) if row[0].value is not None]
    assert opened and all(is_day(c) for c in opened)
    number = re.compile(r"[-−+]?\d[\d.,]*( ?%)?")
    day_text = re.compile(r"\d{4}-\d\d-\d\d|\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2} \w+ \d{4}")
    for ws in wb.worksheets:
        assert ws.freeze_panes is not None, f"{ws.title}: no frozen header"
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not number.fullmatch(cell.value.strip()), (ws.title, cell.coordinate, cell.value)
                    assert not day_text.fullmatch(cell.value.strip()), (ws.title, cell.coordinate, cell.value)
        for column, dim in ws.column_dimensions.items():
            assert 6 <= dim.width <= 100, (ws.title, column, dim.width)
    assert summary.freeze_panes == "A5" and compliance.freeze_panes == "B2"
    # the fitted width holds the service names of the compliance sheet (a longer one would wrap)
    assert compliance.column_dimensions["A"].width >= min(len(scene["service"]["name"]), 48)
    assert compliance.column_dimensions["A"].width >= min(len(scene["other"]["name"]), 48)
