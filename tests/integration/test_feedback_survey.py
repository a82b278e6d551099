# ruff: noqa: F811  (pytest fixtures imported from test_feedback_support)
"""The survey through HTTP: bad input refused in the citizen's language with nothing stored, the results API,
the thank-you page, the rate limit, accessibility markup and the page weight."""

from __future__ import annotations

import gzip
import re
from datetime import timedelta

import pytest

from portal.paths import STATIC_DIR
from portal.timeutil import local_day
from tests.integration.test_feedback_support import (  # noqa: F401
    ANSWERS,
    form_fields,
    phone,
    place,
    responses_of,
    survey_form,
    survey_path,
)

BAD_INPUTS = [
    ({"u3": "5"}, "Jawaban untuk “Waktu penyelesaian” harus antara 1 dan 4.",
     "The answer to “Completion time” must be between 1 and 4."),
    ({"amount_paid": "-5000"}, "Jumlah yang dibayar tidak boleh negatif.", "The amount paid cannot be negative."),
    ({"amount_paid": "lima ribu"}, "Tulis jumlah yang dibayar dalam rupiah dengan angka saja",
     "Write the amount paid in rupiah using digits only"),
    ({"comment": "x" * 100_000}, "Komentar terlalu panjang: paling banyak 2000 karakter.",
     "The comment is too long: at most 2000 characters."),
    ({"product_correct": "maybe"}, "Pilih ya, tidak, atau belum.", "Choose yes, no or not yet."),
    ({"education": "PhD"}, "Pilih salah satu pilihan yang tersedia.", "Choose one of the options offered."),
]


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize(("bad", "message_id", "message_en"), BAD_INPUTS)
async def test_bad_input_is_refused_clearly_and_nothing_is_stored(phone, place, bad, message_id, message_en, lang):
    path = survey_path(place) + f"?lang={lang}"
    fields = {**await survey_form(phone, path), **ANSWERS, **bad}
    response = await phone.post(survey_path(place), data=fields)
    assert response.status_code == 400
    assert (message_id if lang == "id" else message_en) in response.text
    assert await responses_of(place["service"]) == []
    # the form comes back with the other answers kept
    assert 'name="u1" value="3" checked' in response.text


@pytest.mark.parametrize(("lang", "message"), [("id", "Formulir ini sudah kedaluwarsa"),
                                               ("en", "This form has expired")])
async def test_missing_csrf_token_is_403_in_the_citizens_language(phone, place, lang, message):
    fields = {**await survey_form(phone, survey_path(place) + f"?lang={lang}"), **ANSWERS}
    del fields["_csrf_token"]
    response = await phone.post(survey_path(place), data=fields)
    assert response.status_code == 403
    assert message in response.text
    assert await responses_of(place["service"]) == []


async def test_stored_response_appears_in_the_results_api(phone, place):
    fields = {**await survey_form(phone, survey_path(place)), **ANSWERS, "u9": "4", "amount_paid": "15000"}
    assert (await phone.post(survey_path(place), data=fields)).status_code == 200
    assert (await phone.post(survey_path(place), data=fields)).status_code == 200  # repeated: stored once
    today = local_day(place["unit"]["timezone"])
    api = await phone.get(f"/api/v1/services/{place['service']['slug']}/results",
                          params={"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()})
    assert api.status_code == 200, api.text
    body = api.json()
    assert body["satisfaction"]["n"] == 1
    assert body["satisfaction"]["nrr"][0] == pytest.approx(3.0)
    assert body["satisfaction"]["nrr"][8] == pytest.approx(4.0)
    assert body["satisfaction"]["ikm"] == pytest.approx((8 * 3 + 4) / 9 * 25)
    # an answer bound to no visit (the counter's QR) is its own line, apart from the visits (issue 22)
    assert body["cost"]["unbound"]["n"] == 1 and body["cost"]["unbound"]["overcharged"] == 0


async def test_thank_you_shows_results_and_the_complaint_channel_on_low_answers(phone, place):
    happy = {**await survey_form(phone, survey_path(place)), **{f"u{i}": "4" for i in range(1, 10)}}
    first = await phone.post(survey_path(place), data=happy)
    assert "Indeks Kepuasan Masyarakat (IKM)" in first.text
    assert "Belum cukup jawaban" in first.text  # published figures come from the refresher, not the request
    assert "Anda dapat menyampaikan pengaduan" not in first.text
    assert 'class="complain"' not in first.text and 'class="complaint-link quiet"' in first.text  # a quiet link
    low = {**await survey_form(phone, survey_path(place)), **ANSWERS, "u7": "1"}  # GET: after a refresher pass
    second = await phone.post(survey_path(place), data=low)
    assert "100,00" in second.text and "Sangat baik" in second.text and "Per pukul" in second.text
    assert "Anda dapat menyampaikan pengaduan" in second.text and 'class="complain"' in second.text
    assert 'complaint-link quiet' not in second.text
    assert "SP4N-LAPOR! (lapor.go.id), SMS 1708" in second.text


async def test_complaint_channel_when_paying_above_the_fee(phone, place):
    fields = {**await survey_form(phone, survey_path(place) + "?lang=en"), **ANSWERS, "amount_paid": "Rp 50.000"}
    response = await phone.post(survey_path(place), data=fields)
    assert "You reported paying more than the official fee (Rp 15.000)" in response.text
    [stored] = await responses_of(place["service"])
    assert stored["amount_paid"] == 50000 and stored["language"] == "en"


async def test_identical_answers_from_one_address_are_all_stored_but_a_resent_form_once(phone, place):
    """Three citizens behind one office Wi-Fi give the same answers on fresh forms: three responses. The same
    form sent again (its one-use stamp) is recognised and stored once."""
    for _ in range(3):
        fields = {**await survey_form(phone, survey_path(place)), **{f"u{i}": "4" for i in range(1, 10)}}
        first = await phone.post(survey_path(place), data=fields)
        assert first.status_code == 200 and "Sudah diterima" not in first.text
    again = await phone.post(survey_path(place), data=fields)
    assert again.status_code == 200 and "Sudah diterima" in again.text
    stored = await responses_of(place["service"])  # the resent form is stored too, but not counted (issue 10)
    assert len(stored) == 4
    assert [(r["counted"], r["count_reason"]) for r in stored][-1] == (False, "reused_stamp")


async def test_rate_limit_answers_429_in_the_citizens_language(phone, place):
    from portal.feedback.antiabuse import POSTS_PER_MINUTE

    statuses = [(await phone.post(survey_path(place), data={})).status_code for _ in range(POSTS_PER_MINUTE + 1)]
    assert statuses[:POSTS_PER_MINUTE] == [403] * POSTS_PER_MINUTE  # no CSRF token: refused, but counted
    assert statuses[-1] == 429
    page = await phone.post(survey_path(place), data={})
    assert "Terlalu banyak permintaan" in page.text
    assert (await phone.get(survey_path(place))).status_code == 200  # reading is never throttled


async def test_survey_markup_is_accessible_and_uses_the_official_labels(phone, place):
    page = (await phone.get(survey_path(place))).text
    assert page.count("<fieldset") == 9 + 3 and page.count("<legend>") == 9 + 3
    for i in range(1, 10):
        assert len(re.findall(rf'<label class="opt"><input type="radio" name="u{i}" value="[1-4]">', page)) == 4
    assert "Sangat sopan dan ramah" in page or "sangat sopan dan ramah" in page
    assert "ada tetapi tidak berfungsi" in page
    english = (await phone.get(survey_path(place) + "?lang=en")).text
    assert "very polite and friendly" in english and "Handling of complaints, suggestions and feedback" in english
    for name in ("amount_paid", "extra_requirements", "product_correct", "comment", "sex", "age_band",
                 "education", "occupation"):
        assert f'name="{name}"' in page
    assert "telepon" not in re.sub(r"nomor telepon tidak ditanyakan", "", page).lower()  # no phone field
    assert 'name="name"' not in page and 'type="tel"' not in page
    css = (STATIC_DIR / "css" / "feedback.css").read_text()
    assert "min-height:2.75rem" in css.replace(" ", "")  # 44 px tap targets


async def test_survey_page_with_its_css_is_under_30_kb_gzipped(phone, place):
    html = (await phone.get(survey_path(place))).content
    css = b"".join((STATIC_DIR / "css" / name).read_bytes() for name in ("site.css", "feedback.css"))
    size = len(gzip.compress(html)) + len(gzip.compress(css))
    assert size <= 30 * 1024, size


async def test_survey_form_fields_round_trip(phone, place):
    fields = {**await survey_form(phone, survey_path(place)), **ANSWERS, "u2": "", "extra_requirements": "yes",
              "product_correct": "not_yet", "sex": "female", "age_band": "26-35", "education": "D1-D3",
              "occupation": "wirausaha", "comment": "  Antrean rapi  "}
    assert (await phone.post(survey_path(place), data=fields)).status_code == 200
    [stored] = await responses_of(place["service"])
    assert stored["u2"] is None and stored["u1"] == 3
    assert stored["extra_requirements"] is True and stored["product_correct"] == "not_yet"
    assert (stored["sex"], stored["age_band"], stored["education"], stored["occupation"]) == (
        "female", "26-35", "D1-D3", "wirausaha")
    assert stored["comment"] == "Antrean rapi" and stored["amount_paid"] is None


async def test_survey_without_a_stamp_is_kept_and_flagged(phone, place):
    fields = {**await survey_form(phone, survey_path(place)), **ANSWERS}
    del fields["stamp"]
    assert (await phone.post(survey_path(place), data=fields)).status_code == 200
    [stored] = await responses_of(place["service"])
    assert stored["flagged_fast"] is True
    assert (stored["counted"], stored["count_reason"]) == (False, "no_stamp")


def test_form_fields_helper_reads_hidden_inputs():
    html = '<input type="hidden" name="_csrf_token" value="abc"><input type="hidden" name="stamp" value="1.2.3">'
    assert form_fields(html) == {"_csrf_token": "abc", "stamp": "1.2.3"}


async def test_survey_page_kept_once_still_gives_each_citizen_their_own_token_and_language(phone, place, app):
    """The blank survey page is rendered once per counter, service and language (portal.feedback.web):
    each request still gets its own CSRF token and stamp, its language, and other query strings are rendered
    as usual (their language links keep the query)."""
    path = survey_path(place)
    first, second = await phone.get(path), await phone.get(path)
    assert first.status_code == second.status_code == 200
    fields_1, fields_2 = form_fields(first.text), form_fields(second.text)
    assert fields_1["stamp"] != fields_2["stamp"]
    assert fields_1["_csrf_token"] and fields_2["_csrf_token"]
    assert "CSRFTOKENMARK" not in first.text and "FORMSTAMPMARK" not in first.text
    english = await phone.get(path + "?lang=en")
    assert 'lang="en"' in english.text and "Birth certificate test" in english.text
    assert form_fields(english.text)["stamp"] not in (fields_1["stamp"], fields_2["stamp"])
    indonesian = await phone.get(path + "?lang=id")
    assert 'lang="id"' in indonesian.text and "Akta Kelahiran Uji" in indonesian.text
    with_query = await phone.get(path + "?from=poster")
    assert with_query.status_code == 200 and "from=poster" in with_query.text
    # The token of a page kept once is accepted like any other: the answers are stored.
    answers = {**await survey_form(phone, path), **{f"u{i}": "3" for i in range(1, 10)}}
    stored = await phone.post(path, data=answers)
    assert stored.status_code == 200, stored.text[-500:]
