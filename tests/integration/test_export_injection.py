"""No formula from user text in any export: a service name, root cause or owner starting with =, +, -, @, tab or CR
is written as inert text in the evidence XLSX and in CSV exports (OWASP CSV injection); a citizen's complaint text,
contact and a staff reject reason or answer come out of `portal export-complaints` (with and without its contact
column) as text; and no module writes a spreadsheet past portal.exports."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

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


#: The payloads of issue 24: a citizen's complaint text and a staff reject reason that a spreadsheet would run.
ISSUE_PAYLOADS = ['=HYPERLINK("http://evil.example/?x","klik")', "=cmd|' /C calc'!A0", "+SUM(1+1)", "-2+3+cmd",
                  "@SUM(1,1)", "\t=1+1"]
TRIGGER_START = ("=", "+", "-", "@", "\t", "\r")


def _assert_inert(rows: list[list[str]]) -> list[str]:
    """No cell a spreadsheet would evaluate (plain numbers aside); returns every cell for further checks."""
    cells = [cell for row in rows for cell in row]
    live = [c for c in cells if c.startswith(TRIGGER_START) and inert(c) != c]
    assert not live, live
    return cells


async def test_complaint_register_export_never_writes_a_live_formula(client, app, settings, capsys, tmp_path):
    """Citizens file the payloads over HTTP, a manager rejects one and answers another with payloads over HTTP;
    `portal export-complaints`, without and with --with-contact, writes every one of them as inert text."""
    import re

    import httpx

    from portal.db.tables_complaints import Complaint
    from portal.timeutil import local_day
    from tests.conftest import PortalClient
    from tests.factories import make_service, make_unit
    from tests.integration.test_insight_support import run_cli

    unit = await make_unit(name="Dinas Ekspor Aman")
    service = await make_service(unit, name="Layanan Ekspor")
    transport = httpx.ASGITransport(app=app, client=("10.24.1.7", 40000))
    async with PortalClient(transport=transport, base_url="https://testserver.local") as phone:
        for payload in [*ISSUE_PAYLOADS, "Keluhan biasa, kontak berbahaya"]:
            form = await phone.get(f"/complaints/new?service={service['slug']}")
            fields = dict(re.findall(r'name="(_csrf_token|stamp)" value="([^"]*)"', form.text))
            contact = "=cmd@evil.example" if payload.startswith("Keluhan") else ""
            filed = await phone.post("/complaints/new", data={
                **fields, "service": service["slug"], "category": "other", "description": payload,
                "contact": contact}, files={"photo": ("", b"", "application/octet-stream")})
            assert filed.status_code == 303, filed.text[-800:]
    rows = await Complaint.select(Complaint.id, Complaint.description).where(Complaint.unit == unit["id"]) \
        .order_by(Complaint.id).run()
    assert len(rows) == len(ISSUE_PAYLOADS) + 1
    manager = await make_user("manager", [unit])
    assert (await client.login(manager["username"], manager["password"])).status_code == 303
    token = client.cookies.get("csrftoken")
    for row, reason in zip(rows, ISSUE_PAYLOADS, strict=False):  # every payload also as a staff reject reason
        rejected = await client.post(f"/console/complaints/{row['id']}/reject",
                                     data={"reason": reason, "_csrf_token": token})
        assert rejected.status_code == 303, rejected.text[-800:]
    last = rows[-1]["id"]
    for action, fields in (("classify", {"severity": "light"}), ("answer", {"answer": "@SUM(1,1) sudah dijawab"})):
        done = await client.post(f"/console/complaints/{last}/{action}", data={**fields, "_csrf_token": token})
        assert done.status_code == 303, done.text[-800:]

    today = local_day(unit["timezone"])
    out = tmp_path / "register.csv"
    args = ["export-complaints", "--unit", unit["slug"], "--from", str(today - timedelta(days=1)),
            "--to", str(today + timedelta(days=1)), str(out)]
    admin = await make_user("admin", [])
    for extra in ([], ["--with-contact", "--admin", admin["username"]]):
        assert (await run_cli(settings, [*args, *extra], capsys))[0] == 0
        table = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
        cells = _assert_inert(table[1:])
        header = table[0]
        descriptions = [r[header.index("description")] for r in table[1:]]
        reasons = [r[header.index("reject_reason")] for r in table[1:]]
        for payload in ISSUE_PAYLOADS:
            shown = payload.strip()  # the form strips surrounding blanks, as it does for every field
            assert "'" + shown in descriptions, (payload, descriptions)
            assert "'" + shown in reasons, (payload, reasons)  # still there, to read, as text
        assert "'@SUM(1,1) sudah dijawab" in cells
        if extra:
            assert "'=cmd@evil.example" in [r[header.index("contact")] for r in table[1:]]
        else:
            assert "contact" not in header and not any("evil.example" in c and "@" in c and "cmd" in c for c in cells)


def test_monthly_trend_csv_goes_through_the_safe_writer():
    """The public trend CSV holds figures only, yet is written by the same writer (a month label or a category
    that ever began with a trigger would be quoted too)."""
    from portal.insight import routes_performance

    response = routes_performance._trend_csv({"trend": [{
        "month": "=1+2", "satisfaction": {"n": 3, "ikm": -0.5, "category": "@x", "ci95": None},
        "time": {"n": 0, "within": 0, "rate": None, "ci95": None}}]}, "x.csv")
    body = bytes(response.content).decode() if isinstance(response.content, bytes) else str(response.content)
    row = list(csv.reader(io.StringIO(body)))[1]
    assert row[0] == "'=1+2" and row[3] == "'@x" and row[2] == "-0.5"


def test_every_spreadsheet_the_portal_writes_goes_through_the_safe_writer():
    """No module under portal/ builds a csv.writer, csv.DictWriter or openpyxl Workbook of its own, except
    portal.exports itself, the paper import's in-memory hand-over to survey.csvio (never written out: it carries
    the uploaded scores back to the reader) and workbooks made inert with inert_workbook before they are saved."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "portal"
    offenders = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(root).as_posix()
        if re.search(r"csv\.(writer|DictWriter)\(", text) and name not in ("exports.py", "feedback/paper.py"):
            offenders.append(name)
        if re.search(r"\bWorkbook\(", text) and "inert_workbook(" not in text:
            offenders.append(name)
    assert offenders == []
