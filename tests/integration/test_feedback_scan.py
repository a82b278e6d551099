# ruff: noqa: F811  (pytest fixtures imported from test_feedback_support)
"""Scan at the counter through HTTP: the standard, a visit started and resumed from the cookie, the survey."""

from __future__ import annotations

from portal.feedback import antiabuse
from tests.factories import make_counter, make_service
from tests.integration.test_feedback_support import (  # noqa: F401
    ANSWERS,
    form_fields,
    phone,
    place,
    responses_of,
    survey_form,
    survey_path,
    visits_of,
)


async def test_counter_page_shows_time_limit_and_fee(phone, place):
    response = await phone.get(f"/c/{place['counter']['code']}")
    assert response.status_code == 303
    page = await phone.get(response.headers["location"])
    assert page.status_code == 200
    assert "30 menit" in page.text
    assert "Rp 15.000" in page.text
    assert "KTP-el asli" in page.text  # requirement checklist
    assert "SP4N-LAPOR! (lapor.go.id), SMS 1708" in page.text  # complaint channel of the standard
    english = await phone.get(response.headers["location"] + "?lang=en")
    assert "30 minutes" in english.text and "Birth certificate test" in english.text


async def test_free_service_says_gratis(phone, place):
    free = await make_service(place["unit"], fee=0, name="Layanan Gratis Uji")
    counter = await make_counter(place["unit"], [free])
    page = await phone.get(f"/c/{counter['code']}/s/{free['slug']}")
    assert "Gratis" in page.text


async def test_counter_with_several_services_offers_a_choice(phone, place):
    other = await make_service(place["unit"], fee=0, name="Kartu Keluarga Uji", time_limit=(3, "working_days"))
    counter = await make_counter(place["unit"], [place["service"], other])
    page = await phone.get(f"/c/{counter['code'].lower()}")
    assert page.status_code == 200
    assert f'href="/c/{counter["code"]}/s/{place["service"]["slug"]}"' in page.text
    assert f'href="/c/{counter["code"]}/s/{other["slug"]}"' in page.text
    assert "3 hari kerja" in page.text
    served = await phone.get(f"/c/{counter['code']}/s/{other['slug']}")
    assert "Kartu Keluarga Uji" in served.text
    await phone.post(f"/c/{counter['code']}/s/{other['slug']}/start", data=form_fields(served.text))
    resumed = await phone.get(f"/c/{counter['code']}")  # the started visit resumes on its service
    assert resumed.status_code == 303 and resumed.headers["location"].endswith(f"/s/{other['slug']}")
    assert (await phone.get(f"/c/{place['counter']['code']}/s/{other['slug']}")).status_code == 404


async def test_unknown_counter_is_404_in_the_citizens_language(phone):
    response = await phone.get("/c/NOPE99")
    assert response.status_code == 404
    assert "Kode loket ini tidak dikenal" in response.text
    english = await phone.get("/c/NOPE99", headers={"accept-language": "en"})
    assert "This counter code is not known" in english.text


async def test_visit_starts_resumes_and_records_citizen_times(phone, place):
    base = f"/c/{place['counter']['code']}/s/{place['service']['slug']}"
    page = await phone.get(base)
    start = await phone.post(base + "/start", data=form_fields(page.text))
    assert start.status_code == 303
    cookie = start.headers["set-cookie"]
    assert "portal_visit=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    [visit] = await visits_of(place["service"])
    assert visit["origin"] == "scan" and visit["arrived_source"] == "citizen" and visit["arrived_at"] is not None
    assert visit["standard_version"] is not None and visit["served_at"] is None
    assert len(visit["token"]) >= 32
    again = await phone.get(base)  # opened again: the visit resumes from the cookie
    assert "Menunggu" in again.text and "Saya sedang dilayani" in again.text
    second = await phone.post(base + "/start", data=form_fields(again.text))
    assert second.status_code == 303
    assert len(await visits_of(place["service"])) == 1  # a second tap resumes, no new visit
    served = await phone.post(base + "/served", data=form_fields(again.text))
    assert served.status_code == 303
    finished = await phone.post(base + "/finished", data=form_fields(again.text))
    assert finished.headers["location"] == base + "/survey"
    [visit] = await visits_of(place["service"])
    assert visit["served_source"] == "citizen" and visit["finished_source"] == "citizen"
    assert visit["served_at"] <= visit["finished_at"]
    survey = await phone.get(base + "/survey")
    assert survey.status_code == 200
    fields = {**form_fields(survey.text), **ANSWERS, "amount_paid": "15.000", "product_correct": "yes"}
    thanks = await phone.post(base + "/survey", data=fields)
    assert thanks.status_code == 200, thanks.text[-3000:]
    assert "Terima kasih" in thanks.text
    [response] = await responses_of(place["service"])
    assert response["visit"] == visit["id"] and response["verified"] is False
    assert response["channel"] == "qr_counter" and response["amount_paid"] == 15000
    assert response["flagged_fast"] is True  # answered within seconds of opening the form
    assert response["client_hash"] and "10." not in response["client_hash"]
    [visit] = await visits_of(place["service"])
    assert visit["survey_offered"] is True
    resumed = await phone.get(base)
    assert "jawaban Anda untuk kunjungan ini sudah diterima" in resumed.text


async def test_stage_without_a_visit_is_refused(phone, place):
    base = f"/c/{place['counter']['code']}/s/{place['service']['slug']}"
    page = await phone.get(base)
    response = await phone.post(base + "/served", data=form_fields(page.text))
    assert response.status_code == 409
    assert "Belum ada kunjungan yang dimulai" in response.text
    assert await visits_of(place["service"]) == []


async def test_bare_scan_survey_is_stored_once_unverified(phone, place):
    fields = {**await survey_form(phone, survey_path(place)), **ANSWERS, "comment": "Pelayanan cepat"}
    first = await phone.post(survey_path(place), data=fields)
    assert first.status_code == 200
    again = await phone.post(survey_path(place), data=fields)
    assert again.status_code == 200
    assert "sudah diterima" in again.text
    response, resent = await responses_of(place["service"])  # the resent form is kept, not counted (issue 10)
    assert (response["counted"], resent["counted"], resent["count_reason"]) == (True, False, "reused_stamp")
    assert response["visit"] is None and response["verified"] is False and response["channel"] == "qr_counter"
    assert response["u1"] == 3 and response["comment"] == "Pelayanan cepat" and response["language"] == "id"


async def test_slow_answer_is_not_flagged(phone, place, settings):
    fields = {**await survey_form(phone, survey_path(place)), **ANSWERS}
    fields["stamp"] = antiabuse.new_stamp(settings.secret_key, now=__import__("time").time() - 60)
    assert (await phone.post(survey_path(place), data=fields)).status_code == 200
    [response] = await responses_of(place["service"])
    assert response["flagged_fast"] is False


async def test_honeypot_pretends_success_and_stores_nothing(phone, place):
    fields = {**await survey_form(phone, survey_path(place)), **ANSWERS, "website": "http://spam.example"}
    response = await phone.post(survey_path(place), data=fields)
    assert response.status_code == 200 and "Terima kasih" in response.text
    assert await responses_of(place["service"]) == []
