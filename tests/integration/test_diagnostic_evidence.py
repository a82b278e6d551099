"""Evidence files (checked by content, images cleaned of EXIF, served only to staff with access) and the admin's
local indicators (a new catalogue version; an assessment keeps the version it started with)."""

from __future__ import annotations

import io
import uuid

from PIL import Image

from portal.db.tables import AuditLog
from portal.db.tables_diagnostic import DiagnosticEvidence
from portal.diagnostic import catalogue, queries
from tests.factories import make_service, make_unit, make_user
from tests.integration.queue_support import post
from tests.integration.test_diagnostic_flow import as_user

YEAR = 2023


def _jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "KameraRahasia"
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


async def _upload(client, url: str, name: str, data: bytes, mime: str):
    return await client.post(url, files={"file": (name, data, mime)},
                             data={"_csrf_token": client.cookies.get("csrftoken") or ""})


async def test_evidence_upload_is_cleaned_and_served_only_to_staff_with_access(app, client):
    unit = await make_unit()
    sibling = await make_unit(government=unit["government"])
    await make_service(unit)
    stranger_unit = await make_unit()
    gov = await queries.government_of_unit(unit)
    q = f"?government={gov['slug']}"
    url = f"/console/diagnostic/{YEAR}/indicators/L03"
    manager = await make_user("manager", [unit])
    async with as_user(app, manager) as m:
        await m.get(url + q)  # the CSRF cookie
        fake = await _upload(m, url + "/evidence" + q, "foto.png", b"<html><script>alert(1)</script></html>",
                             "image/png")
        assert fake.status_code == 400 and "Hanya berkas PDF, PNG atau JPEG yang diterima." in fake.text
        big = await _upload(m, url + "/evidence" + q, "besar.pdf", b"%PDF-1.4\n" + b"0" * 1_600_000,
                            "application/pdf")
        assert big.status_code in (400, 413)
        r = await _upload(m, url + "/evidence" + q, "Foto TPA.jpeg", _jpeg_with_exif(), "image/jpeg")
        assert r.status_code == 303, r.text[-600:]
        # a hand-rated indicator with only a file as its evidence
        assert (await post(m, url + "/rate" + q, {"colour": "yellow"})).status_code == 303
        page = await m.get(url + q)
        assert "Foto-TPA.jpg" in page.text
    assessment = await queries.assessment(await queries.scope_of(gov), YEAR)
    files = await DiagnosticEvidence.select().where(DiagnosticEvidence.assessment == assessment["id"]).run()
    assert len(files) == 1
    evidence = files[0]
    assert evidence["content_type"] == "image/jpeg" and b"KameraRahasia" not in bytes(evidence["content"])
    audit = await AuditLog.select().where((AuditLog.entity == "diagnostic_evidence")
                                          & (AuditLog.entity_id == evidence["id"])).run()
    assert len(audit) == 1 and audit[0]["action"] == "diagnostic_evidence_added"

    path = f"/console/diagnostic/evidence/{evidence['id']}"
    async with as_user(app, await make_user("head", [sibling])) as head:  # same government, another unit
        r = await head.get(path)
        assert r.status_code == 200 and r.content.startswith(b"\xff\xd8\xff")
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["content-disposition"].startswith("attachment")
        with Image.open(io.BytesIO(r.content)) as img:
            assert not dict(img.getexif())
    async with as_user(app, await make_user("head", [stranger_unit])) as outsider:
        assert (await outsider.get(path)).status_code == 403
    async with as_user(app, await make_user("officer", [unit])) as officer:
        assert (await officer.get(path)).status_code == 403
    anonymous = await client.get(path)
    assert anonymous.status_code in (302, 303, 401)


async def test_admin_adds_a_local_indicator_as_a_new_catalogue_version(app):
    unit = await make_unit()
    gov = await queries.government_of_unit(unit)
    manager, admin = await make_user("manager", [unit]), await make_user("admin", [])
    q = f"?government={gov['slug']}"
    async with as_user(app, manager) as m:  # an assessment started before the local indicator exists
        assert (await post(m, f"/console/diagnostic/{YEAR}/indicators/G08/rate{q}",
                           {"colour": "green", "evidence_text": "Situs PPID"})).status_code == 303
    before = await queries.assessment(await queries.scope_of(gov), YEAR)

    code = "LOC-" + uuid.uuid4().hex[:8].upper()
    form = {"code": code, "area": "environment", "title_id": "Pantai bersih", "title_en": "Clean beaches",
            "evidence_id": "Foto dan catatan pembersihan", "evidence_en": "Photos and clean-up records",
            "red_id": "Sampah menumpuk", "red_en": "Litter piles up", "yellow_id": "Dibersihkan sesekali",
            "yellow_en": "Cleaned now and then", "green_id": "Dibersihkan tiap minggu",
            "green_en": "Cleaned every week"}
    async with as_user(app, manager) as m:
        assert (await post(m, "/console/diagnostic/catalogue", form)).status_code == 403
    async with as_user(app, admin) as a:
        incomplete = await post(a, "/console/diagnostic/catalogue", {**form, "green_en": ""})
        assert incomplete.status_code == 400 and "bahasa Indonesia dan bahasa Inggris" in incomplete.text
        r = await post(a, "/console/diagnostic/catalogue", form)
        assert r.status_code == 303
        assert (await post(a, "/console/diagnostic/catalogue", form)).status_code == 409
        page = await a.get("/console/diagnostic/catalogue")
        assert f'data-code="{code}"' in page.text

    current = await catalogue.current()
    assert current["version"] > before["catalogue_version"] and code in catalogue.by_code(current["indicators"])
    _v, kept = await queries.indicators_of(before)
    assert code not in catalogue.by_code(kept) and len(kept) == len(current["indicators"]) - 1
    async with as_user(app, manager) as m:
        old = await m.get(f"/console/diagnostic/{YEAR}/indicators/{code}{q}")
        assert old.status_code == 404  # the earlier assessment keeps its catalogue version
        r = await post(m, f"/console/diagnostic/{YEAR + 1}/indicators/{code}/rate{q}",
                       {"colour": "yellow", "evidence_text": "Dua kali sebulan"})
        assert r.status_code == 303
        api = (await m.get(f"/api/v1/diagnostic/{YEAR + 1}{q}")).json()
        local = next(i for i in api["indicators"] if i["code"] == code)
        assert local["local"] is True and local["colour"] is None and api["catalogue_version"] == current["version"]
