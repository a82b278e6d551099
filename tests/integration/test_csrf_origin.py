"""CSRF: the token of a signed-in user is the one issued with their session at login (a token planted or read
before login, or taken from another session, is refused), and every state-changing request from another origin is
refused, citizen forms included; the anonymous citizen survey still works with its double-submit cookie."""

from __future__ import annotations

from tests.integration.queue_support import login, post, world
from tests.integration.test_feedback_support import (  # noqa: F401
    ANSWERS,
    phone,
    place,
    responses_of,
    survey_form,
    survey_path,
)


async def test_login_issues_a_new_csrf_token_bound_to_the_session(client, app):
    w = await world()
    user = w["officer"]
    await client.get("/login")
    before = client.cookies.get("csrftoken")
    await login(client, user)
    after = client.cookies.get("csrftoken")
    assert before and after and after != before
    issued = await post(client, f"/console/counters/{w['counter']['code']}/tickets", {"service": w["services"][0]["id"]})
    assert issued.status_code == 303  # the session's own token works

    # Another (anonymous) visitor's valid token, planted into the signed-in browser: refused, nothing changes.
    async with type(client)(transport=client._transport, base_url="https://testserver.local") as other:
        await other.get("/login")
        foreign = other.cookies.get("csrftoken")
    client.cookies.set("csrftoken", foreign, domain="testserver.local")
    response = await client.post("/logout", data={"_csrf_token": foreign})
    assert response.status_code == 403
    client.cookies.set("csrftoken", after, domain="testserver.local")
    assert (await client.get("/console")).status_code == 200  # still signed in: the forged logout did nothing


async def test_cross_origin_state_changes_are_refused(client):
    w = await world()
    await login(client, w["officer"])
    code = w["counter"]["code"]
    token = client.cookies.get("csrftoken")
    form = {"service": w["services"][0]["id"], "_csrf_token": token}
    evil = await client.post(f"/console/counters/{code}/tickets", data=form, headers={"origin": "https://evil.example"})
    assert evil.status_code == 403
    evil_ref = await client.post(f"/console/counters/{code}/tickets", data=form,
                                 headers={"referer": "https://evil.example/page"})
    assert evil_ref.status_code == 403
    same = await client.post(f"/console/counters/{code}/tickets", data=form,
                             headers={"origin": "https://testserver.local"})
    assert same.status_code == 303
    public = await client.post(f"/console/counters/{code}/tickets", data=form,
                               headers={"origin": "https://layanan.test"})  # PORTAL_PUBLIC_URL
    assert public.status_code == 303


async def test_citizen_survey_works_anonymously_and_refuses_other_origins(phone, place):  # noqa: F811
    path = survey_path(place)
    fields = {**await survey_form(phone, path), **ANSWERS}
    assert not phone.cookies.get("portal_session")
    cross = await phone.post(path, data=fields, headers={"origin": "https://evil.example"})
    assert cross.status_code == 403 and await responses_of(place["service"]) == []
    ok = await phone.post(path, data=fields, headers={"origin": "https://testserver.local"})
    assert ok.status_code in (200, 303), ok.text[-500:]
    assert len(await responses_of(place["service"])) == 1
    assert not phone.cookies.get("portal_session")


async def test_oversized_anonymous_forms_are_refused_before_parsing(phone, place):  # noqa: F811
    path = survey_path(place)
    fields = await survey_form(phone, path)
    many = "&".join(f"f{i}=1" for i in range(200_000)) + f"&_csrf_token={fields['_csrf_token']}"
    response = await phone.post(path, content=many.encode(),
                                headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    fields_cap = "&".join(f"f{i}=1" for i in range(150)) + f"&_csrf_token={fields['_csrf_token']}"
    response = await phone.post(path, content=fields_cap.encode(),
                                headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    # a forged, well-formed session cookie does not lift the cap of a public form
    phone.cookies.set("portal_session", "ab" * 32, domain="testserver.local")
    response = await phone.post(path, content=many.encode(),
                                headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert await responses_of(place["service"]) == []



async def test_a_forged_host_does_not_make_its_origin_trusted(client):
    """Host: evil.example with Origin: http://evil.example is another site, whatever the request claims to be
    addressed to: refused, nothing stored. Only PORTAL_PUBLIC_URL and PORTAL_ALLOWED_HOSTS are believed."""
    from portal.db.tables import Visit

    w = await world()
    await login(client, w["officer"])
    code = w["counter"]["code"]
    form = {"service": w["services"][0]["id"], "_csrf_token": client.cookies.get("csrftoken")}
    before = await Visit.count().where(Visit.counter == w["counter"]["id"]).run()
    for forged in ("http://evil.example", "https://evil.example", "https://evil.example:8443"):
        host = forged.split("://")[1]
        for header in ("origin", "referer"):
            response = await client.post(f"/console/counters/{code}/tickets", data=form,
                                         headers={"host": host, header: forged + ("/console" if header == "referer" else "")})
            assert response.status_code == 403, (forged, header, response.status_code)
            assert "tidak berasal dari situs ini" in response.text
    assert await Visit.count().where(Visit.counter == w["counter"]["id"]).run() == before
    trusted = await client.post(f"/console/counters/{code}/tickets", data=form,
                                headers={"host": "evil.example", "origin": "https://layanan.test"})
    assert trusted.status_code == 303  # the public URL is believed, whatever the Host
    allowed = await client.post(f"/console/counters/{code}/tickets", data=form,
                                headers={"origin": "https://testserver.local"})
    assert allowed.status_code == 303  # PORTAL_ALLOWED_HOSTS=testserver.local (tests/conftest.py)
    assert await Visit.count().where(Visit.counter == w["counter"]["id"]).run() == before + 2


def test_trusted_origins_are_the_public_url_and_the_allowed_hosts():
    from portal.security import origin_of, trusted_origins

    origins = trusted_origins("https://layanan.kupangkota.go.id", ("intranet.kupang.go.id", "http://10.0.0.5:8000",
                                                                  "Other.Example:8443"))
    assert origins == {"https://layanan.kupangkota.go.id", "https://intranet.kupang.go.id", "http://10.0.0.5:8000",
                       "https://other.example:8443"}
    assert origin_of("HTTPS://Layanan.Kupangkota.go.id:443/path?q") == "https://layanan.kupangkota.go.id"
    assert origin_of("http://[::1]:8000/x") == "http://[::1]:8000"
    for bad in ("null", "", "javascript:alert(1)", "https://", "https://x:notaport", "ftp://layanan.test"):
        assert origin_of(bad) is None
