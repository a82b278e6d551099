# ruff: noqa: F811  (pytest fixtures imported from test_feedback_support)
"""Officer-issued tickets at /t/{token}: signature checked first, status, the verified survey, multi-day progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.db.tables import Visit
from portal.feedback import queries
from portal.timeutil import local_day
from portal.tokens import new_token
from survey.clock import durations
from tests.factories import make_counter, make_service
from tests.integration.test_feedback_support import (  # noqa: F401
    ANSWERS,
    form_fields,
    phone,
    place,
    responses_of,
)


async def ticket(settings, place, service=None, **times) -> dict:
    service = service or place["service"]
    from portal.catalog.queries import standard_in_force

    standard = await standard_in_force(service["id"])
    arrived = times.pop("arrived_at", datetime.now(UTC) - timedelta(minutes=10))
    token = new_token(settings.secret_key)
    rows = await Visit.insert(Visit(
        unit=place["unit"]["id"], service=service["id"], counter=place["counter"]["id"],
        standard_version=standard["id"], origin="ticket", ticket_number="A-017",
        local_day=local_day(place["unit"]["timezone"], arrived), token=token, arrived_at=arrived,
        arrived_source="officer", **times,
    )).returning(*Visit.all_columns()).run()
    return rows[0]


async def test_forged_token_is_refused_before_any_lookup(phone, place, monkeypatch):
    async def no_lookup(token):
        raise AssertionError("a forged token must not reach the database")

    monkeypatch.setattr(queries, "visit_by_token", no_lookup)
    forged = "A" * 22 + "." + "B" * 16
    response = await phone.get(f"/t/{forged}")
    assert response.status_code == 404
    assert "Tiket tidak dikenali" in response.text
    post = await phone.post(f"/t/{forged}/survey", data=ANSWERS)
    assert post.status_code in (403, 404)  # CSRF refuses first when the token is missing
    english = await phone.get(f"/t/{forged}?lang=en")
    assert "Ticket not recognised" in english.text


async def test_well_signed_but_unknown_ticket_is_404(phone, settings):
    response = await phone.get(f"/t/{new_token(settings.secret_key)}")
    assert response.status_code == 404 and "Tiket tidak dikenali" in response.text


async def test_waiting_ticket_shows_status_and_no_survey(phone, place, settings):
    visit = await ticket(settings, place)
    page = await phone.get(f"/t/{visit['token']}")
    assert page.status_code == 200
    assert "Status saat ini: <b>Menunggu</b>" in page.text and "A-017" in page.text
    assert 'name="u1"' not in page.text
    token = await phone.csrf(f"/c/{place['counter']['code']}/s/{place['service']['slug']}/survey")
    refused = await phone.post(f"/t/{visit['token']}/survey", data={"_csrf_token": token, **ANSWERS})
    assert refused.status_code == 409 and "Survei terbuka setelah Anda dilayani" in refused.text
    assert await responses_of(place["service"]) == []


async def test_called_ticket_shows_called(phone, place, settings):
    visit = await ticket(settings, place, called_at=datetime.now(UTC), called_source="officer")
    page = await phone.get(f"/t/{visit['token']}?lang=en")
    assert "Current status: <b>Called to the counter</b>" in page.text


async def test_served_ticket_gives_one_verified_response(phone, place, settings):
    now = datetime.now(UTC)
    visit = await ticket(settings, place, called_at=now, called_source="officer", served_at=now,
                         served_source="officer")
    page = await phone.get(f"/t/{visit['token']}")
    assert "Status saat ini: <b>Sedang dilayani</b>" in page.text and 'name="u9"' in page.text
    fields = {**form_fields(page.text), **ANSWERS, "u1": "2"}
    first = await phone.post(f"/t/{visit['token']}/survey", data=fields)
    assert first.status_code == 200 and "Terima kasih atas jawaban Anda" in first.text
    assert "Anda dapat menyampaikan pengaduan" in first.text  # answered 2 on an unsur
    # the same visit answered again from a fresh form: the unique visit index keeps one
    page = await phone.get(f"/t/{visit['token']}")
    assert "jawaban Anda untuk kunjungan ini sudah diterima" in page.text and 'name="u1"' not in page.text
    again = await phone.post(f"/t/{visit['token']}/survey", data={**fields, "u1": "4"})
    assert again.status_code == 200 and "Sudah diterima" in again.text
    [stored] = await responses_of(place["service"])
    assert stored["visit"] == visit["id"] and stored["verified"] is True and stored["channel"] == "qr_ticket"
    assert stored["u1"] == 2 and stored["counter"] == place["counter"]["id"]
    [row] = await Visit.select(Visit.survey_offered).where(Visit.id == visit["id"]).run()
    assert row["survey_offered"] is True


async def test_multi_day_service_shows_day_n_of_limit(phone, place, settings):
    service = await make_service(place["unit"], time_limit=(14, "working_days"), name="Izin Usaha Uji")
    await make_counter(place["unit"], [service])
    arrived = datetime.now(UTC) - timedelta(days=5)
    visit = await ticket(settings, place, service=service, arrived_at=arrived)
    elapsed = int(durations([arrived], [datetime.now(UTC)], "working_days", tz=place["unit"]["timezone"])[0])
    page = await phone.get(f"/t/{visit['token']}")
    if elapsed == 0:
        assert "Diajukan hari ini." in page.text
    else:
        assert f"Hari ke-{elapsed} dari 14" in page.text
    assert "Selesai paling lambat" in page.text
    english = await phone.get(f"/t/{visit['token']}?lang=en")
    assert f"Day {elapsed} of 14" in english.text


async def test_minutes_service_shows_no_day_progress(phone, place, settings):
    visit = await ticket(settings, place)
    page = await phone.get(f"/t/{visit['token']}")
    assert "Hari ke-" not in page.text


async def test_delivered_multi_day_case_reports_within_limit(phone, place, settings):
    service = await make_service(place["unit"], time_limit=(7, "calendar_days"), name="Sertifikat Uji")
    arrived = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    visit = await ticket(settings, place, service=service, arrived_at=arrived,
                         served_at=arrived + timedelta(hours=1), finished_at=arrived + timedelta(hours=2),
                         delivered_at=arrived + timedelta(days=5))
    page = await phone.get(f"/t/{visit['token']}?lang=en")
    assert "Completed in 5 of 7 days." in page.text and "Within the time limit" in page.text
    assert "Current status: <b>Product delivered</b>" in page.text
