"""Public catalog pages through HTTP: home and search, unit page with maklumat, service standard, history, changes."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from portal.db.tables import StandardVersion
from tests.factories import make_counter, make_service, make_unit


def _word() -> str:
    return "zebra" + uuid.uuid4().hex[:8]


async def _version(service: dict, number: int, *, days: int, **fields) -> None:
    base = {"requirements": ["KTP-el asli", "Kartu Keluarga"], "procedure": ["Ambil antrean", "Serahkan berkas",
                                                                              "Terima produk"],
            "time_limit_value": 30, "time_limit_unit": "minutes", "fee": 0, "product": "Dokumen uji",
            "complaint_channel": "SP4N-LAPOR! (lapor.go.id), SMS 1708"}
    await StandardVersion(service=service["id"], version=number, status=fields.pop("status", "approved"),
                          effective_from=datetime.now(UTC) + timedelta(days=days), **{**base, **fields}).save().run()


async def test_home_lists_services_grouped_by_unit(client):
    unit = await make_unit(name="Dinas Halaman Depan")
    free = await make_service(unit, name="Layanan Gratis Uji")
    paid = await make_service(unit, name="Layanan Berbayar Uji", fee=150_000, time_limit=(3, "working_days"))
    response = await client.get("/")
    assert response.status_code == 200
    html = response.text
    assert f'href="/units/{unit["slug"]}"' in html
    assert f'href="/services/{free["slug"]}"' in html and f'href="/services/{paid["slug"]}"' in html
    assert "Rp 150.000" in html and "3 hari kerja" in html and "Gratis" in html


async def test_search_finds_requirement_words_case_insensitively(client):
    word = _word()
    unit = await make_unit()
    wanted = await make_service(unit, name="Layanan Dicari")
    await StandardVersion.update({StandardVersion.requirements: ["KTP-el asli", f"Sertifikat {word.upper()}"]}) \
        .where(StandardVersion.service == wanted["id"]).run()
    other = await make_service(unit, name="Layanan Lain")
    response = await client.get("/", params={"q": word})
    assert response.status_code == 200
    assert f"/services/{wanted['slug']}" in response.text
    assert f"/services/{other['slug']}" not in response.text
    # "KTP" finds services whose requirements mention KTP-el; a unit name finds its services.
    ktp = await client.get("/", params={"q": "ktp"})
    assert f"/services/{wanted['slug']}" in ktp.text and f"/services/{other['slug']}" in ktp.text
    nothing = await client.get("/search", params={"q": word + "x"})
    assert nothing.status_code == 200 and "Tidak ada layanan yang cocok" in nothing.text


async def test_search_text_too_long_is_400(client):
    response = await client.get("/", params={"q": "x" * 101})
    assert response.status_code == 400
    assert "terlalu panjang" in response.text


async def test_unit_page_shows_maklumat_services_and_counters(client):
    unit = await make_unit(name="Kecamatan Uji", address="Jl. Uji No. 1, Kupang",
                           maklumat_text="Kami sanggup melayani sesuai standar pelayanan.",
                           maklumat_signer="Camat Uji (fiktif)", maklumat_date=date(2026, 1, 15))
    service = await make_service(unit, name="Surat Keterangan Uji", time_limit=(2, "working_days"))
    counter = await make_counter(unit, [service], name="Loket PATEN Uji")
    response = await client.get(f"/units/{unit['slug']}")
    assert response.status_code == 200
    html = response.text
    assert "Maklumat Pelayanan" in html and "Kami sanggup melayani sesuai standar pelayanan." in html
    assert "Camat Uji (fiktif)" in html and "15 Januari 2026" in html
    assert "Jl. Uji No. 1, Kupang" in html and "WITA" in html
    assert f'href="/services/{service["slug"]}"' in html and "2 hari kerja" in html
    assert f'href="/c/{counter["code"]}"' in html and "Loket PATEN Uji" in html
    for link in (f"/units/{unit['slug']}/posters", f"/units/{unit['slug']}/board",
                 f"/performance/units/{unit['slug']}"):
        assert f'href="{link}"' in html


async def test_unit_page_without_maklumat_and_wib_unit(client):
    unit = await make_unit(timezone="Asia/Jakarta")
    response = await client.get(f"/units/{unit['slug']}?lang=en")
    assert response.status_code == 200
    assert "WIB" in response.text and "Maklumat" not in response.text


async def test_service_page_in_indonesian_and_english(client):
    unit = await make_unit()
    service = await make_service(unit, name="Akta Uji", time_limit=(45, "minutes"))
    response = await client.get(f"/services/{service['slug']}")
    assert response.status_code == 200
    html = response.text
    assert "45 menit" in html and "Gratis" in html
    assert "KTP-el asli" in html and "Serahkan berkas" in html  # requirements checklist, procedure steps
    assert '<ul class="checklist">' in html and '<ol class="steps">' in html
    assert "lapor.go.id" in html and "Dokumen uji" in html
    english = await client.get(f"/services/{service['slug']}?lang=en")
    assert "45 minutes" in english.text and "Free" in english.text and "Gratis" not in english.text
    paid = await make_service(unit, fee=25_000, time_limit=(2, "hours"))
    page = await client.get(f"/services/{paid['slug']}?lang=id")
    assert "Rp 25.000" in page.text and "2 jam" in page.text


async def test_service_history_upcoming_and_changes(client):
    unit = await make_unit()
    service = await make_service(unit, name="Izin Uji")
    await _version(service, 2, days=-30, fee=50_000, time_limit_value=20,
                   requirements=["KTP-el asli", "NPWP"], change_note="Tarif baru dan NPWP.")
    await _version(service, 3, days=10, fee=60_000, change_note="Tarif naik lagi.")
    await _version(service, 4, days=0, status="draft", fee=1, change_note="Draf rahasia")
    page = await client.get(f"/services/{service['slug']}")
    html = page.text
    assert page.status_code == 200
    assert "Rp 50.000" in html and "20 menit" in html  # version 2 is in force
    upcoming_day = (datetime.now(UTC) + timedelta(days=10)).astimezone().date()
    assert "Versi baru standar ini berlaku mulai" in html
    assert str(upcoming_day.year) in html
    assert "Akan berlaku" in html and "Tidak berlaku lagi" in html and "Menunggu persetujuan".lower() in html.lower()
    assert "Draf rahasia" not in html  # a draft's content is not published
    assert f"/services/{service['slug']}/changes?from=2&amp;to=3" in html

    history = await client.get(f"/services/{service['slug']}/history?lang=en")
    assert history.status_code == 200
    assert "Upcoming" in history.text and "In force" in history.text and "Tarif baru dan NPWP." in history.text

    changes = await client.get(f"/services/{service['slug']}/changes", params={"from": "1", "to": "2", "lang": "id"})
    assert changes.status_code == 200
    html = changes.text
    assert "Gratis" in html and "Rp 50.000" in html  # fee old -> new
    assert "30 menit" in html and "20 menit" in html  # time limit old -> new
    assert '<li class="added"><ins>' in html and "NPWP" in html
    assert '<li class="removed"><del>' in html and "Kartu Keluarga" in html
    default = await client.get(f"/services/{service['slug']}/changes?lang=en")
    assert default.status_code == 200 and "From version 2" in default.text and "Rp 60.000" in default.text


async def test_changes_with_a_single_version(client):
    unit = await make_unit()
    service = await make_service(unit)
    response = await client.get(f"/services/{service['slug']}/changes")
    assert response.status_code == 200 and "belum ada yang dapat dibandingkan" in response.text


async def test_changes_rejects_malformed_parameters(client):
    unit = await make_unit()
    service = await make_service(unit)
    await _version(service, 2, days=-1, fee=1000)
    await _version(service, 3, days=0, status="draft")
    base = f"/services/{service['slug']}/changes"
    bad = await client.get(base, params={"from": "abc", "to": "2"})
    assert bad.status_code == 400 and "harus berupa nomor versi" in bad.text
    missing = await client.get(base, params={"from": "1"})
    assert missing.status_code == 400
    unknown = await client.get(base, params={"from": "1", "to": "99", "lang": "en"})
    assert unknown.status_code == 400 and "Version 99 of this standard is not published." in unknown.text
    draft = await client.get(base, params={"from": "1", "to": "3"})
    assert draft.status_code == 400
    same = await client.get(base, params={"from": "2", "to": "2"})
    assert same.status_code == 400


async def test_unknown_service_and_unit_are_404_in_both_languages(client):
    response = await client.get("/services/tidak-ada-layanan-ini")
    assert response.status_code == 404 and "Layanan tidak ditemukan." in response.text
    english = await client.get("/services/tidak-ada-layanan-ini?lang=en")
    assert english.status_code == 404 and "Service not found." in english.text
    unit = await client.get("/units/Tidak_Ada?lang=id")
    assert unit.status_code == 404 and "Unit tidak ditemukan." in unit.text
    changes = await client.get("/services/tidak-ada/changes?from=1&to=2&lang=en")
    assert changes.status_code == 404 and "Service not found." in changes.text


async def test_inactive_service_is_not_listed(client):
    unit = await make_unit()
    service = await make_service(unit, active=False)
    assert f"/services/{service['slug']}" not in (await client.get(f"/units/{unit['slug']}")).text
    assert (await client.get(f"/services/{service['slug']}")).status_code == 404


async def test_catalog_pages_are_public_and_printable(client):
    unit = await make_unit()
    service = await make_service(unit)
    response = await client.get(f"/services/{service['slug']}")
    assert response.status_code == 200
    assert '/static/css/catalog.css' in response.text and '/static/css/print.css' in response.text
    css = await client.get("/static/css/catalog.css")
    assert css.status_code == 200 and "@media print" in css.text
