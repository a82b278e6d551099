"""Complaints through HTTP: a citizen files and follows a complaint; managers classify, answer, forward, reject;
bad input and bad photos are refused with the form kept; contact data never reaches a public page or the API."""

from __future__ import annotations

import io
import logging
import re
import secrets

import httpx
import pytest
from PIL import Image

from portal.complaints import codes
from portal.db.tables import AuditLog
from portal.db.tables_complaints import Complaint, ComplaintPhoto
from tests.conftest import PortalClient
from tests.factories import make_counter, make_service, make_unit, make_user

CONTACT = "+62 812-3456-7890"


@pytest.fixture
async def phone(app):
    """A citizen's phone with its own client address (rate limits of other tests never interfere)."""
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with PortalClient(transport=transport, base_url="https://testserver.local", follow_redirects=False) as c:
        yield c


@pytest.fixture
async def place(app):
    unit = await make_unit(name="Dinas Pengaduan Uji", timezone="Asia/Makassar")
    service = await make_service(unit, fee=10000, name="Izin Uji", name_en="Permit test")
    counter = await make_counter(unit, [service], name="Loket Pengaduan")
    return {"unit": unit, "service": service, "counter": counter}


def hidden(html: str) -> dict[str, str]:
    out = {}
    for name in ("_csrf_token", "stamp", "counter"):
        match = re.search(rf'name="{name}" value="([^"]*)"', html)
        if match:
            out[name] = match.group(1)
    return out


async def open_form(client, query: str = "") -> dict[str, str]:
    response = await client.get(f"/complaints/new{query}")
    assert response.status_code == 200, response.text[-1500:]
    return hidden(response.text)


async def file(client, place, files=None, **fields) -> httpx.Response:
    data = {**await open_form(client, f"?service={place['service']['slug']}&counter={place['counter']['code']}"),
            "service": place["service"]["slug"], "category": "overcharge", "description": "Diminta bayar 50 ribu.",
            "amount": "50000", "contact": CONTACT, **fields}
    return await client.post("/complaints/new", data=data, files=files or {"photo": ("", b"", "application/octet-stream")})


def code_of(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text[-2000:]
    match = re.match(r"/complaints/([0-9A-Z]{11})\?filed=1$", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


async def rows_of(place) -> list[dict]:
    return await Complaint.select().where(Complaint.unit == place["unit"]["id"]).order_by(Complaint.id).run()


async def login(client, role: str, units: list[dict]) -> dict:
    user = await make_user(role, units)
    assert (await client.login(user["username"], user["password"])).status_code == 303
    return user


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "KameraUji"  # Make
    exif[0x8825] = {1: "S", 2: (10.0, 9.0, 54.0), 3: "E", 4: (123.0, 35.0, 2.0)}  # GPS: Kupang
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the fixture really carries GPS
    return data


async def test_citizen_files_follows_and_a_manager_answers(phone, place, client):
    response = await file(phone, place)
    code = code_of(response)
    page = await phone.get(response.headers["location"])
    assert page.status_code == 200
    assert codes.display(code) in page.text and "diterima" in page.text
    assert CONTACT not in page.text
    stored = (await rows_of(place))[-1]
    assert stored["contact"] == CONTACT and stored["amount"] == 50000 and stored["category"] == "overcharge"
    assert stored["counter"] == place["counter"]["id"] and stored["deadline_days"] == 5

    fresh = httpx.AsyncClient(transport=httpx.ASGITransport(app=phone._transport.app),
                              base_url="https://testserver.local")
    async with fresh:
        api = await fresh.get(f"/api/v1/complaints/{code}?lang=en")
        assert api.status_code == 200
        body = api.json()
        assert body["status"] == "received" and body["answer"] is None and body["deadline_provisional"]
        assert CONTACT not in api.text and "contact" not in api.text
        audit_before = await AuditLog.count().where(AuditLog.entity_id == stored["id"]).run()
        assert (await fresh.get(f"/complaints/{code}")).status_code == 200
        assert await AuditLog.count().where(AuditLog.entity_id == stored["id"]).run() == audit_before  # GET reads

    await login(client, "manager", [place["unit"]])
    register = await client.get("/console/complaints")
    assert register.status_code == 200 and codes.display(code) in register.text
    detail = await client.get(f"/console/complaints/{stored['id']}")
    assert CONTACT in detail.text  # managers of the unit see the contact
    token = hidden(detail.text)["_csrf_token"]
    r = await client.post(f"/console/complaints/{stored['id']}/classify", data={"severity": "light",
                                                                                "_csrf_token": token})
    assert r.status_code == 303
    r = await client.post(f"/console/complaints/{stored['id']}/answer",
                          data={"answer": "Petugas telah ditegur; kelebihan bayar dikembalikan.", "_csrf_token": token})
    assert r.status_code == 303
    again = await client.post(f"/console/complaints/{stored['id']}/answer",
                              data={"answer": "Diubah diam-diam.", "_csrf_token": token})
    assert again.status_code == 409
    api = await phone.get(f"/api/v1/complaints/{code}")
    assert api.json()["status"] == "answered"
    assert api.json()["answer"] == "Petugas telah ditegur; kelebihan bayar dikembalikan."
    assert api.json()["deadline_working_days"] == 2 and not api.json()["deadline_provisional"]
    page = await phone.get(f"/complaints/{code}")
    assert "kelebihan bayar dikembalikan" in page.text
    actions = [e["action"] for e in await AuditLog.select(AuditLog.action).where(
        (AuditLog.entity == "complaint") & (AuditLog.entity_id == stored["id"])).order_by(AuditLog.id).run()]
    assert actions == ["complaint_received", "complaint_classify", "complaint_answer"]


async def test_a_mistyped_code_is_told_apart_from_an_unknown_one(phone, place):
    code = code_of(await file(phone, place))
    position = 4
    wrong = next(c for c in codes.ALPHABET if c != code[position])
    typo = code[:position] + wrong + code[position + 1:]
    for url in (f"/complaints/{typo}", f"/api/v1/complaints/{typo}"):
        response = await phone.get(url)
        assert response.status_code == 400
        assert "salah ketik" in response.text
    assert (await phone.get(f"/api/v1/complaints/{typo}")).json()["reason"] == "mistyped"
    page = await phone.get(f"/complaints/{typo}")  # typed into the address bar: the look-up form to try again
    assert 'role="alert"' in page.text and 'name="code"' in page.text and f'value="{typo}"' in page.text
    assert "Kode galat" not in page.text
    body = "0" * 10
    unknown = body + codes.check_character(body)
    page = await phone.get(f"/complaints/{unknown}")
    assert page.status_code == 404 and 'name="code"' in page.text and "Tidak ada pengaduan" in page.text
    response = await phone.get(f"/api/v1/complaints/{unknown}")
    assert response.status_code == 404 and response.json()["reason"] == "not_found"
    # typed by hand: lower case, hyphens, O for 0
    typed = codes.display(code).lower()
    assert (await phone.get(f"/complaints?code={typed}")).headers["location"] == f"/complaints/{code}"
    assert (await phone.get(f"/complaints?code={typo}")).status_code == 400


async def test_photos_are_refused_or_stripped_and_the_text_is_kept(phone, place):
    before = len(await rows_of(place))
    not_image = await file(phone, place, files={"photo": ("struk.pdf", b"%PDF-1.4 not an image", "application/pdf")},
                           description="Teks yang tidak boleh hilang.")
    assert not_image.status_code == 400
    assert "Hanya foto JPEG atau PNG" in not_image.text and "Teks yang tidak boleh hilang." in not_image.text
    noise = Image.frombytes("RGB", (1900, 1900), secrets.token_bytes(1900 * 1900 * 3))
    big = io.BytesIO()
    noise.save(big, format="PNG", compress_level=0)
    assert len(big.getvalue()) > 10 * 1024 * 1024
    too_big = await file(phone, place, files={"photo": ("struk.png", big.getvalue(), "image/png")},
                         description="Foto terlalu besar, teks tetap.")
    assert too_big.status_code == 400
    assert "lebih dari 2 MB" in too_big.text and "Foto terlalu besar, teks tetap." in too_big.text
    assert len(await rows_of(place)) == before  # nothing stored on a refusal

    code = code_of(await file(phone, place, files={"photo": ("struk.jpg", jpeg_with_gps(), "image/jpeg")}))
    row = await Complaint.select(Complaint.id).where(Complaint.code == code).first().run()
    photo = await ComplaintPhoto.select().where(ComplaintPhoto.complaint == row["id"]).first().run()
    data = bytes(photo["data"])
    assert photo["media_type"] == "image/jpeg"
    assert b"Exif" not in data and b"KameraUji" not in data
    assert not Image.open(io.BytesIO(data)).getexif()


async def test_bad_input_is_refused_in_the_users_language(phone, place):
    before = len(await rows_of(place))
    r = await file(phone, place, category="", description="  ")
    assert r.status_code == 400 and "Pilih pokok pengaduan" in r.text
    fields = await open_form(phone, "?lang=en")
    r = await phone.post("/complaints/new?lang=en", data={**fields, "service": place["service"]["slug"],
                                                          "category": "time", "description": "x", "contact": "abc"},
                         files={"photo": ("", b"", "application/octet-stream")})
    assert r.status_code == 400 and "Give a phone number or an e-mail address" in r.text
    assert len(await rows_of(place)) == before


async def test_a_form_sent_twice_is_one_complaint_and_robots_are_kept_flagged(phone, place):
    fields = {**await open_form(phone), "service": place["service"]["slug"], "category": "time",
              "description": "Antrean tiga jam."}
    empty = {"photo": ("", b"", "application/octet-stream")}
    first = code_of(await phone.post("/complaints/new", data=fields, files=empty))
    second = code_of(await phone.post("/complaints/new", data=fields, files=empty))
    assert first == second
    robot = code_of(await phone.post("/complaints/new", data={**fields, "stamp": "", "website": "http://spam"},
                                     files=empty))
    row = await Complaint.select(Complaint.flag).where(Complaint.code == robot).first().run()
    assert row["flag"] == "honeypot"  # kept for a person to check, never silently dropped


async def test_contact_never_appears_publicly_or_in_logs(phone, place, client, caplog):
    caplog.set_level(logging.INFO)  # the level the portal runs at; DEBUG driver logs echo SQL parameters
    code = code_of(await file(phone, place))
    pages = [f"/complaints/{code}", f"/api/v1/complaints/{code}", f"/complaints/new?service={place['service']['slug']}",
             f"/services/{place['service']['slug']}", f"/performance/units/{place['unit']['slug']}"]
    for path in pages:
        response = await phone.get(path)
        assert response.status_code == 200, path
        # the number in any spelling; "812" alone also turns up inside random form stamps and CSRF tokens
        digits = "".join(ch for ch in CONTACT if ch.isdigit())
        assert CONTACT not in response.text and "3456-7890" not in response.text, path
        assert digits not in response.text and digits[2:] not in response.text, path
    officer = await login(client, "officer", [place["unit"]])
    assert officer
    assert (await client.get("/console/complaints")).status_code == 403  # officers record, they do not browse
    row = await Complaint.select(Complaint.id).where(Complaint.code == code).first().run()
    assert (await client.get(f"/console/complaints/{row['id']}")).status_code == 403
    audit = await AuditLog.select(AuditLog.details).where(
        (AuditLog.entity == "complaint") & (AuditLog.entity_id == row["id"])).run()
    assert audit and all(CONTACT not in str(a["details"]) for a in audit)
    assert all(CONTACT not in record.getMessage() for record in caplog.records)


async def test_officer_records_a_lapor_complaint_and_scope_is_enforced(client, place, app):
    other = await make_unit(name="Dinas Lain")
    other_service = await make_service(other, name="Layanan Lain")
    await login(client, "officer", [place["unit"]])
    form = await client.get("/console/complaints/new")
    token = hidden(form.text)["_csrf_token"]
    data = {"_csrf_token": token, "channel": "lapor", "lapor_number": "LAPOR-2026-0042",
            "service": place["service"]["slug"], "category": "conduct", "description": "Dari LAPOR!."}
    r = await client.post("/console/complaints/new", data=data)
    code = code_of(r)
    row = await Complaint.select().where(Complaint.code == code).first().run()
    assert row["channel"] == "lapor" and row["lapor_number"] == "LAPOR-2026-0042" and row["recorded_by"]
    r = await client.post("/console/complaints/new", data={**data, "lapor_number": ""})
    assert r.status_code == 400 and "nomor pelacakan SP4N-LAPOR!" in r.text
    r = await client.post("/console/complaints/new", data={**data, "service": other_service["slug"]})
    assert r.status_code == 403
