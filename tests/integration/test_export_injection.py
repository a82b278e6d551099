"""No formula from user text in any export: a service name, root cause or owner starting with =, +, -, @, tab or CR
is written as inert text in the evidence XLSX and in CSV exports (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook

from portal.db.tables import Service
from portal.db.tables_insight import Nonconformity
from portal.exports import csv_writer, inert
from tests.factories import make_user
from tests.integration.test_insight_support import build_scene

PLANTED = ["=1+2", "@cmd", '=HYPERLINK("http://evil.example","x")', "+SUM(A1)", "-2+3", "\t=1", "\r=1"]


def test_inert_quotes_triggers_and_keeps_numbers():
    assert [inert(v) for v in PLANTED] == ["'" + v for v in PLANTED]
    assert [inert(v) for v in ("-0.25", "+3", "1e-5", 7, None, "Loket 1", "")] == ["-0.25", "+3", "1e-5", 7, None,
                                                                                    "Loket 1", ""]
    buffer = io.StringIO()
    csv_writer(buffer).writerow(PLANTED)
    assert all(cell.startswith("'") for cell in next(csv.reader(io.StringIO(buffer.getvalue()))))


async def test_evidence_workbook_has_no_formula_cells_from_user_text(client, app):
    scene = await build_scene()
    unit, service = scene["unit"], scene["service"]
    await Service.update({Service.name: "=1+2"}).where(Service.id == service["id"]).run()
    await Nonconformity.insert(Nonconformity(
        unit=unit["id"], service=service["id"], source="ikm_category", period="2026-Q1", period_from=date(2026, 1, 1),
        period_to=date(2026, 3, 31), figure="@cmd", root_cause='=HYPERLINK("http://evil.example","x")',
        action="+SUM(A1)", owner="-2+3")).run()
    head = await make_user("head", [unit])
    assert (await client.login(head["username"], head["password"])).status_code == 303
    response = await client.get(f"/units/{unit['slug']}/evidence.xlsx?period=2026-Q1")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    texts = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    for planted in ("=1+2", "@cmd", "+SUM(A1)", "-2+3"):
        assert any(planted in text for text in texts), planted  # still shown, as text
    assert not any(text.startswith(("=", "+", "@")) for text in texts)
