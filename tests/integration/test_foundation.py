"""The foundation through HTTP: migrations on the test database, error pages in the chosen language, login."""

from __future__ import annotations

from tests.factories import make_unit, make_user


async def test_unknown_page_is_404_in_indonesian_by_default(client):
    response = await client.get("/does-not-exist")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.text


async def test_language_switch_is_remembered(client):
    response = await client.get("/does-not-exist?lang=en")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert client.cookies.get("lang") == "en"
    again = await client.get("/still-missing")
    assert "Page not found" in again.text


async def test_accept_language_english(client):
    response = await client.get("/nothing-here", headers={"accept-language": "en-US,en;q=0.8"})
    assert "Page not found" in response.text


async def test_api_errors_are_json(client):
    response = await client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.json()["status"] == 404


async def test_login_and_logout(client):
    unit = await make_unit()
    user = await make_user("officer", [unit])
    bad = await client.login(user["username"], "wrong-password")
    assert bad.status_code == 401, bad.text[-1500:]
    assert "Nama pengguna atau kata sandi salah" in bad.text
    ok = await client.login(user["username"], user["password"])
    assert ok.status_code == 303


async def test_login_without_csrf_token_is_refused(client):
    unit = await make_unit()
    user = await make_user("officer", [unit])
    response = await client.post("/login", data={"username": user["username"], "password": user["password"]})
    assert response.status_code == 403
    assert "Formulir ini sudah kedaluwarsa" in response.text


async def test_openapi_schema_is_served(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.")


async def test_language_links_keep_the_query(client):
    response = await client.get("/nothing-here?q=akta+lahir&page=2")
    import re

    link = re.search(r'href="(\?[^"]*lang=en)"', response.text).group(1).replace("&amp;", "&")
    assert sorted(link[1:].split("&")) == ["lang=en", "page=2", "q=akta+lahir"]
