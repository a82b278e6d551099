"""Complaint follow-up through HTTP (issue 26): the citizen sees their own text and photo on the tracking page
(the photo only with the code), the unit asks for more information, the citizen replies once per question, the
unit answers, the citizen rates once; replayed and forged posts get a clear 4xx and change nothing; the register
and the history show it in words."""

from __future__ import annotations

import io
import re

from PIL import Image

from portal.db.tables import AuditLog
from portal.db.tables_complaints import Complaint, ComplaintMessage, ComplaintRating
from tests.factories import make_user
from tests.integration.test_complaints_http import code_of, file, phone, place  # noqa: F401  (fixtures)


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, html[-2000:]
    return match.group(1)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


async def staff(app, place, role="manager"):  # noqa: F811
    import httpx

    from tests.conftest import PortalClient

    user = await make_user(role, [place["unit"]])
    client = PortalClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver.local")
    await client.login(user["username"], user["password"])
    return client


async def test_ask_reply_answer_rate(app, phone, place):  # noqa: F811
    code = code_of(await file(phone, place, files={"photo": ("nota.jpg", jpeg(), "image/jpeg")},
                              description="Diminta bayar 50 ribu di loket."))
    page = await phone.get(f"/complaints/{code}")
    assert "Diminta bayar 50 ribu di loket." in page.text and f'/complaints/{code}/photo' in page.text
    photo = await phone.get(f"/complaints/{code}/photo")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert "no-store" in photo.headers["cache-control"]
    assert 'id="reply-form"' not in page.text and 'id="rating"' not in page.text  # nothing asked, no answer yet
    [row] = await Complaint.select(Complaint.id).where(Complaint.code == code).run()
    complaint_id = row["id"]

    manager = await staff(app, place)
    detail = await manager.get(f"/console/complaints/{complaint_id}")
    token = csrf_of(detail.text)
    # a rating before the answer is refused
    token_citizen = phone.cookies.get("csrftoken")  # no form on the page yet: the token of the CSRF cookie
    early = await phone.post(f"/complaints/{code}/rating", data={"_csrf_token": token_citizen, "resolved": "yes",
                                                                 "score": "4"})
    assert early.status_code == 409 and "setelah unit menjawab" in early.text
    # a reply when nothing was asked is refused
    forged = await phone.post(f"/complaints/{code}/reply", data={"_csrf_token": token_citizen, "question": "1",
                                                                 "reply": "x"})
    assert forged.status_code == 409 and await ComplaintMessage.count().where(
        ComplaintMessage.complaint == complaint_id) == 0

    empty = await manager.post(f"/console/complaints/{complaint_id}/question", data={"_csrf_token": token,
                                                                                   "question": " "})
    assert empty.status_code == 400
    asked = await manager.post(f"/console/complaints/{complaint_id}/question",
                               data={"_csrf_token": token, "question": "Mohon sebutkan jam kejadian."})
    assert asked.status_code == 303
    again = await manager.post(f"/console/complaints/{complaint_id}/question",
                               data={"_csrf_token": token, "question": "Dan nama petugasnya?"})
    assert again.status_code == 409  # one open question at a time

    page = await phone.get(f"/complaints/{code}")
    assert "Mohon sebutkan jam kejadian." in page.text and 'id="reply-form"' in page.text
    question_id = re.search(r'name="question" value="(\d+)"', page.text).group(1)
    fields = {"_csrf_token": csrf_of(page.text), "question": question_id, "reply": "Sekitar pukul 10 pagi."}
    blank = await phone.post(f"/complaints/{code}/reply", data={**fields, "reply": "  "})
    assert blank.status_code == 400 and "Tulis balasan Anda" in blank.text
    replied = await phone.post(f"/complaints/{code}/reply", data=fields)
    assert replied.status_code == 303 and replied.headers["location"].startswith(f"/complaints/{code}")
    replay = await phone.post(f"/complaints/{code}/reply", data=fields)
    assert replay.status_code == 409 and "sudah diterima" in replay.text
    assert await ComplaintMessage.count().where(ComplaintMessage.complaint == complaint_id) == 2
    page = await phone.get(f"/complaints/{code}")
    assert "Sekitar pukul 10 pagi." in page.text and 'id="reply-form"' not in page.text

    detail = await manager.get(f"/console/complaints/{complaint_id}")
    assert "Sekitar pukul 10 pagi." in detail.text and "Warga membalas" in detail.text
    for step, data in (("classify", {"severity": "light"}), ("answer", {"answer": "Uang dikembalikan."})):
        assert (await manager.post(f"/console/complaints/{complaint_id}/{step}",
                                   data={"_csrf_token": token, **data})).status_code == 303

    page = await phone.get(f"/complaints/{code}")
    assert 'id="rating"' in page.text
    rating = {"_csrf_token": csrf_of(page.text), "resolved": "yes", "score": "4", "note": "Terima kasih."}
    bad = await phone.post(f"/complaints/{code}/rating", data={**rating, "score": "9"})
    assert bad.status_code == 400 and await ComplaintRating.count().where(
        ComplaintRating.complaint == complaint_id) == 0
    doubled = await phone.post(f"/complaints/{code}/rating", data={**rating, "score": ["4", "1"]})
    assert doubled.status_code == 400 and await ComplaintRating.count().where(  # a forged form: refused, not a 500
        ComplaintRating.complaint == complaint_id) == 0
    assert (await phone.post(f"/complaints/{code}/rating", data=rating)).status_code == 303
    twice = await phone.post(f"/complaints/{code}/rating", data={**rating, "resolved": "no", "score": "1"})
    assert twice.status_code == 409
    [stored] = await ComplaintRating.select().where(ComplaintRating.complaint == complaint_id).run()
    assert stored["resolved"] is True and stored["score"] == 4 and stored["note"] == "Terima kasih."
    page = await phone.get(f"/complaints/{code}")
    assert "Jawaban menyelesaikan pengaduan saya" in page.text and "Sangat puas" in page.text

    register = await manager.get("/console/complaints")
    assert re.search(rf'data-code="{code}".*?Terselesaikan · Sangat puas', register.text, re.S)
    dashboard = await manager.get(f"/dashboard?unit={place['unit']['slug']}")
    assert dashboard.status_code == 200
    assert 'data-figure="complaints.ratings.n">1<' in dashboard.text
    assert 'data-figure="complaints.ratings.resolved.k">1<' in dashboard.text
    assert 'data-figure="complaints.ratings.mean_score">4,00<' in dashboard.text
    detail = await manager.get(f"/console/complaints/{complaint_id}")
    for raw in ("complaint_received", "complaint_classify", "complaint_ask", "complaint_citizen_reply"):
        assert raw not in detail.text
    actions = [e["action"] for e in await AuditLog.select(AuditLog.action).where(
        (AuditLog.entity == "complaint") & (AuditLog.entity_id == complaint_id)).order_by(AuditLog.id).run()]
    assert actions == ["complaint_received", "complaint_ask", "complaint_citizen_reply", "complaint_classify",
                       "complaint_answer", "complaint_rated"]
    await manager.aclose()


async def test_the_photo_and_follow_up_need_the_right_code(phone, place):  # noqa: F811
    code = code_of(await file(phone, place, files={"photo": ("nota.jpg", jpeg(), "image/jpeg")}))
    typo = code[:4] + ("A" if code[4] != "A" else "B") + code[5:]
    assert (await phone.get(f"/complaints/{typo}/photo")).status_code == 400
    await phone.get(f"/complaints/{code}")
    token = phone.cookies.get("csrftoken")
    response = await phone.post(f"/complaints/{typo}/rating", data={"_csrf_token": token, "resolved": "yes",
                                                                    "score": "4"})
    assert response.status_code == 400
    no_photo = code_of(await file(phone, place))
    assert (await phone.get(f"/complaints/{no_photo}/photo")).status_code == 404
