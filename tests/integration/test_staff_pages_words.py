"""Staff pages speak in words and in the unit's time (issue 26 item 3): a walk over every back-office page of the
demo (without path parameters, plus a complaint, a corrective action and the kiosks) as a head and a manager fails
on a snake_case code in the visible text (history actions, audit field names, flags) and on "UTC"."""

from __future__ import annotations

import html
import re

import httpx

from portal.db.tables_complaints import Complaint
from portal.db.tables_insight import Nonconformity
from tests.conftest import PortalClient
from tests.integration.test_access_routes import back_office_routes

#: A code as the program spells it: lower-case words joined by underscores (complaint_answer, deadline_days).
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
UTC = re.compile(r"\bUTC\b")


def visible_text(page: str) -> str:
    """The text a person reads: no script, style, tags or attribute values (titles and alt texts are kept)."""
    page = re.sub(r"(?is)<(script|style|svg)\b.*?</\1>", " ", page)
    # a name the person must type as it is (the paper import's column headers) is marked translate="no"
    page = re.sub(r'(?is)<code\b[^>]*translate="no"[^>]*>.*?</code>', " ", page)
    extra = " ".join(re.findall(r'(?i)\s(?:title|alt|aria-label|placeholder)="([^"]*)"', page))
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", page) + " " + extra)


def test_the_scan_finds_codes_and_utc():
    assert SNAKE.findall(visible_text("<td>complaint_answer</td><td>deadline_days: 2</td>")) == [
        "complaint_answer", "deadline_days"]
    assert UTC.search(visible_text("<td>01:59 UTC</td>"))
    assert not SNAKE.search(visible_text('<a href="/x?unit_id=1" class="rate_ok">Kembali</a>'))
    assert not SNAKE.search(visible_text('<code class="raw" translate="no">amount_paid</code>'))


async def _pages(app) -> list[str]:
    paths = sorted(path for (method, path) in back_office_routes(app) if method == "GET" and "{" not in path)
    complaint = await Complaint.select(Complaint.id).order_by(Complaint.id).first().run()
    nonconformity = await Nonconformity.select(Nonconformity.id).order_by(Nonconformity.id).first().run()
    if complaint:
        paths.append(f"/console/complaints/{complaint['id']}")
    if nonconformity:
        paths.append(f"/console/actions/{nonconformity['id']}")
    return paths


async def _more_history(head: str) -> None:
    """What the demo does not seed, so its words are checked too: a kiosk registered, paired, synced and given a
    new link; a complaint the unit asked about, the citizen replied to, answered and rated; deadlines changed."""
    from portal.accounts.auth import CurrentUser
    from portal.complaints import queries as complaint_queries
    from portal.complaints import services as complaints
    from portal.complaints.schemas import ComplaintInput
    from portal.db.tables import Counter, Unit, User
    from portal.kiosk import queries as kiosk_queries
    from portal.kiosk import services as kiosks

    user = await User.select(User.id, User.username, User.role).where(User.username == head).first().run()
    unit = await Unit.select(Unit.id).where(Unit.slug == "disdukcapil-kupang").first().run()
    actor = CurrentUser(id=user["id"], username=user["username"], display_name=head, role=user["role"],
                        unit_ids=frozenset({unit["id"]}))
    counter = await Counter.select(Counter.code).where(Counter.unit == unit["id"]).first().run()
    found = await kiosk_queries.counter_by_code(counter["code"])
    assert found is not None
    _kiosk_id, code = await kiosks.create(found, "stand", actor)
    kiosk, _token = await kiosks.pair(code)
    await kiosks.store_batch(kiosk, {"id": unit["id"]}, [], [], "id", 0)
    await kiosks.new_pairing(kiosk, actor)
    unit_row = await complaint_queries.unit_by_id(unit["id"])
    assert unit_row is not None
    code, _created = await complaints.file_complaint(
        ComplaintInput("time", "Antre terlalu lama.", None, None, ""), unit=unit_row, service_id=None,
        counter_id=None)
    row = await Complaint.select(Complaint.id, Complaint.code).where(Complaint.code == code).first().run()
    question = await complaints.ask_citizen(row["id"], "Jam berapa?", actor)
    await complaints.citizen_reply(row["code"], question, "Pukul 10.")
    await complaints.transition(row["id"], "classify", actor, {"severity": "light"})
    await complaints.transition(row["id"], "answer", actor, {"answer": "Sudah ditindaklanjuti."})
    await complaints.rate_answer(row["code"], True, 3, "Baik")
    settings = await complaint_queries.settings_of(unit["id"])
    await complaints.save_settings(unit["id"], {**settings, "light_days": settings["light_days"] + 1}, actor)


async def test_staff_pages_show_no_code_and_no_utc(app, demo):
    await _more_history("kadis.dukcapil")
    offenders: list[str] = []
    walked = 0
    for username, password in (("kadis.dukcapil", "demo-kepala-2026"), ("manajer.ptsp", "demo-manajer-2026"),
                               ("petugas.dukcapil", "demo-petugas-2026")):
        async with PortalClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver.local") as c:
            assert (await c.login(username, password)).status_code == 303
            for path in await _pages(app):
                response = await c.get(path)
                if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
                    continue
                walked += 1
                text = visible_text(response.text)
                codes = sorted(set(SNAKE.findall(text)))
                if codes:
                    offenders.append(f"{username} {path}: {', '.join(codes[:8])}")
                if UTC.search(text):
                    offenders.append(f"{username} {path}: UTC")
    assert walked >= 20
    assert not offenders, "raw codes or UTC on staff pages:\n" + "\n".join(offenders)
