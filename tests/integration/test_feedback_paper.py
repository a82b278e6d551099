# ruff: noqa: F811  (pytest fixtures imported from test_feedback_support)
"""Paper survey forms imported by a manager: CSV and XLSX, every bad row reported, all or nothing, unit scope."""

from __future__ import annotations

import io
import re
from datetime import date

from openpyxl import Workbook

from portal.db.tables import SurveyResponse
from portal.db.tables_feedback import PaperBatch, PaperBatchResponse
from portal.insight.results import service_results
from tests.factories import make_service, make_unit, make_user
from tests.integration.test_feedback_support import place, responses_of  # noqa: F401

GOOD_CSV = (
    "u1;u2;u3;u4;u5;u6;u7;u8;u9;amount_paid;extra_requirements;product_correct;date;sex;education\n"
    "4;4;3;4;3;3;4;3;4;0;tidak;ya;2026-03-02;P;SMA\n"
    "3;3;3;3;3;3;3;3;3;;no;not_yet;05/03/2026;male;S1\n"
    "2;;3;4;3;3;2;3;3;15.000;yes;no;;;\n"
)


async def manager_client(client, unit):
    user = await make_user("manager", [unit])
    response = await client.login(user["username"], user["password"])
    assert response.status_code == 303
    return client


async def upload(client, service, content: bytes, filename="forms.csv", period=("2026-03-01", "2026-03-31")):
    token = await client.csrf("/console/imports")
    return await client.post("/console/imports", data={
        "_csrf_token": token, "service": service["slug"], "period_from": period[0], "period_to": period[1]},
        files={"file": (filename, content, "text/csv")})


async def test_manager_imports_a_valid_csv(client, place):
    await manager_client(client, place["unit"])
    response = await upload(client, place["service"], GOOD_CSV.encode())
    assert response.status_code == 303, response.text[-3000:]
    batch_id = int(response.headers["location"].rsplit("/", 1)[1])
    rows = await responses_of(place["service"])
    assert len(rows) == 3
    assert all(r["channel"] == "paper" and r["verified"] is False and r["visit"] is None for r in rows)
    first, second, third = rows
    assert first["local_day"] == date(2026, 3, 2) and first["amount_paid"] == 0 and first["sex"] == "female"
    assert first["extra_requirements"] is False and first["product_correct"] == "yes"
    assert second["local_day"] == date(2026, 3, 5) and second["product_correct"] == "not_yet"
    assert third["local_day"] == date(2026, 3, 31) and third["u2"] is None and third["amount_paid"] == 15000
    linked = await PaperBatchResponse.select().where(PaperBatchResponse.batch == batch_id).run()
    assert len(linked) == 3
    page = await client.get(f"/console/imports/{batch_id}")
    assert page.status_code == 200 and "3 formulir diimpor." in page.text
    listing = await client.get("/console/imports")
    assert f'href="/console/imports/{batch_id}"' in listing.text
    # rollups were touched: the published results of the period count the three forms
    results = await service_results(place["service"]["id"], date(2026, 3, 1), date(2026, 3, 31))
    assert results["satisfaction"]["n"] == 3


async def test_every_bad_row_is_reported_and_nothing_imported(client, place):
    await manager_client(client, place["unit"])
    bad = ("u1,u2,u3,u4,u5,u6,u7,u8,u9,amount_paid,date,product_correct\n"
           "4,4,4,4,4,4,4,4,4,,,\n"
           "5,4,4,4,4,4,4,4,4,,,\n"
           "4,x,4,4,4,4,4,4,4,-100,2026-04-01,\n"
           "4,4,4,4,4,4,4,4,4,abc,2026-02-30,maybe\n")
    response = await upload(client, place["service"], bad.encode())
    assert response.status_code == 400
    text = response.text
    assert "Tidak ada yang diimpor" in text
    cells = re.findall(r'<tr><td class="num">(\d+)</td><td><code class="raw" translate="no">([a-z_0-9-]+)</code></td>',
                       text)
    assert ("3", "u1") in cells and ("4", "u2") in cells and ("4", "amount_paid") in cells
    assert ("4", "date") in cells and ("5", "amount_paid") in cells and ("5", "date") in cells
    assert ("5", "product_correct") in cells
    assert "nilai 5 di luar 1–4" in text and "di luar periode" in text  # each problem in Indonesian
    assert await responses_of(place["service"]) == []
    assert await PaperBatch.count().where(PaperBatch.service == place["service"]["id"]).run() == 0


async def test_missing_columns_are_reported(client, place):
    await manager_client(client, place["unit"])
    response = await upload(client, place["service"], b"u1,u2,u3\n4,4,4\n")
    assert response.status_code == 400
    for column in ("u4", "u9"):
        assert f'<td><code class="raw" translate="no">{column}</code></td><td>kolom tidak ada</td>' in response.text


async def test_xlsx_import(client, place):
    await manager_client(client, place["unit"])
    book = Workbook()
    sheet = book.active
    sheet.append(["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9", "Date", "amount_paid"])
    sheet.append([4, 3, 3, 4, 4, 3, 4, 3, 4, date(2026, 3, 10), 0])
    sheet.append([3, 3, 3, 3, 3, 3, 3, 3, 3, None, 5000])
    buffer = io.BytesIO()
    book.save(buffer)
    response = await upload(client, place["service"], buffer.getvalue(), filename="forms.xlsx")
    assert response.status_code == 303, response.text[-2000:]
    rows = await responses_of(place["service"])
    assert [r["local_day"] for r in rows] == [date(2026, 3, 10), date(2026, 3, 31)]
    assert rows[0]["u1"] == 4 and rows[1]["amount_paid"] == 5000


async def test_bad_period_and_missing_file_are_refused(client, place):
    await manager_client(client, place["unit"])
    response = await upload(client, place["service"], GOOD_CSV.encode(), period=("2026-03-31", "2026-03-01"))
    assert response.status_code == 400 and "Isi periode dengan dua tanggal" in response.text
    token = await client.csrf("/console/imports")
    response = await client.post("/console/imports", data={
        "_csrf_token": token, "service": place["service"]["slug"], "period_from": "2026-03-01",
        "period_to": "2026-03-31"}, files={"file": ("", b"", "text/csv")})
    assert response.status_code == 400
    assert await responses_of(place["service"]) == []


async def test_other_units_service_is_forbidden(client, place):
    other_unit = await make_unit()
    other_service = await make_service(other_unit)
    await manager_client(client, place["unit"])
    response = await upload(client, other_service, GOOD_CSV.encode())
    assert response.status_code == 403
    assert await SurveyResponse.count().where(SurveyResponse.service == other_service["id"]).run() == 0
    listing = await client.get("/console/imports")
    assert other_service["slug"] not in listing.text


async def test_other_units_batch_is_forbidden(client, place):
    other_unit = await make_unit()
    other_service = await make_service(other_unit)
    head = await make_user("head", [other_unit])
    await client.login(head["username"], head["password"])
    assert (await upload(client, other_service, GOOD_CSV.encode())).status_code == 303
    [batch] = await PaperBatch.select(PaperBatch.id).where(PaperBatch.service == other_service["id"]).run()
    await client.post("/logout", data={"_csrf_token": await client.csrf("/console/imports")})
    client.cookies.clear()
    await manager_client(client, place["unit"])
    assert (await client.get(f"/console/imports/{batch['id']}")).status_code == 403


async def test_officers_and_anonymous_cannot_import(client, place):
    anonymous = await client.get("/console/imports")
    assert anonymous.status_code in (302, 303, 401)
    officer = await make_user("officer", [place["unit"]])
    await client.login(officer["username"], officer["password"])
    assert (await client.get("/console/imports")).status_code == 403


async def test_paper_amounts_get_the_web_forms_limits(client, place):
    """Issue 10: paper rows apply the web form's value limits (the cap, inf, nan) with row and column."""
    await manager_client(client, place["unit"])
    bad = ("u1,u2,u3,u4,u5,u6,u7,u8,u9,amount_paid\n"
           "4,4,4,4,4,4,4,4,4,1000000000001\n"
           "4,4,4,4,4,4,4,4,4,inf\n"
           "4,4,4,4,4,4,4,4,4,nan\n"
           "4,4,4,4,4,4,4,4,4,1000000000000\n")
    response = await upload(client, place["service"], bad.encode())
    assert response.status_code == 400
    cells = re.findall(r'<tr><td class="num">(\d+)</td><td><code class="raw" translate="no">([a-z_0-9-]+)</code></td>',
                       response.text)
    assert {("2", "amount_paid"), ("3", "amount_paid"), ("4", "amount_paid")} <= set(cells)
    assert ("5", "amount_paid") not in cells  # exactly the cap is allowed
    assert await responses_of(place["service"]) == []
