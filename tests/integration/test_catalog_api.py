"""Read-only JSON API v1 through HTTP: services (filters), one service, units, counters, and the OpenAPI schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.db.tables import StandardVersion
from tests.factories import make_counter, make_service, make_unit

STANDARD_KEYS = {"version", "effective_from", "time_limit", "fee", "requirements", "procedure", "product",
                 "complaint_channel"}


async def test_services_after_demo_seed_have_every_field(client, demo):
    response = await client.get("/api/v1/services")
    assert response.status_code == 200
    services = response.json()
    by_slug = {s["slug"]: s for s in services}
    demo_services = [s for s in services if s["unit"]["slug"] in {
        "disdukcapil-kupang", "dpmptsp-kupang", "rsud-sk-lerik", "puskesmas-oesapa", "dinkes-kupang",
        "kecamatan-kelapa-lima", "kantor-penghubung-jakarta"}]
    assert len(demo_services) >= 12
    for service in demo_services:
        assert set(service) == {"slug", "name", "unit", "standard"}
        assert set(service["unit"]) == {"slug", "name"}
        assert set(service["standard"]) == STANDARD_KEYS
        assert set(service["standard"]["time_limit"]) == {"value", "unit"}
        assert isinstance(service["standard"]["requirements"], list) and service["standard"]["requirements"]
        assert isinstance(service["standard"]["procedure"], list)
    ktp = by_slug["ktp-el"]["standard"]
    assert ktp["version"] == 2 and ktp["fee"] == 0 and ktp["time_limit"] == {"value": 45, "unit": "minutes"}
    one = await client.get("/api/v1/services/izin-reklame")
    assert one.status_code == 200 and one.json()["standard"]["fee"] == 400_000
    filtered = await client.get("/api/v1/services", params={"unit": "disdukcapil-kupang", "q": "akta"})
    slugs = [s["slug"] for s in filtered.json()]
    assert slugs[0] == "akta-kelahiran"  # a match in the name ranks first
    assert "kartu-keluarga" in slugs  # its requirements mention "akta perkawinan"
    assert "ktp-el" not in slugs


async def test_service_without_standard_in_force_is_null(client):
    unit = await make_unit()
    service = await make_service(unit, approved=False)
    response = await client.get(f"/api/v1/services/{service['slug']}")
    assert response.status_code == 200
    assert response.json()["standard"] is None


async def test_service_picks_version_in_force(client):
    unit = await make_unit()
    service = await make_service(unit, fee=1000)
    await StandardVersion(service=service["id"], version=2, status="approved", time_limit_value=5,
                          time_limit_unit="working_days", fee=2000, requirements=["A"], procedure=["B"],
                          effective_from=datetime.now(UTC) - timedelta(days=1)).save().run()
    await StandardVersion(service=service["id"], version=3, status="approved", time_limit_value=5,
                          time_limit_unit="working_days", fee=3000,
                          effective_from=datetime.now(UTC) + timedelta(days=5)).save().run()
    data = (await client.get(f"/api/v1/services/{service['slug']}")).json()
    assert data["standard"]["version"] == 2 and data["standard"]["fee"] == 2000
    assert data["standard"]["requirements"] == ["A"] and data["standard"]["procedure"] == ["B"]
    assert data["unit"] == {"slug": unit["slug"], "name": unit["name"]}
    listed = (await client.get("/api/v1/services", params={"unit": unit["slug"]})).json()
    assert [s["slug"] for s in listed] == [service["slug"]]


async def test_api_errors_are_json(client):
    missing = await client.get("/api/v1/services/tidak-ada")
    assert missing.status_code == 404 and missing.json()["status"] == 404
    bad_unit = await client.get("/api/v1/services", params={"unit": "no such unit!"})
    assert bad_unit.status_code == 400 and "error" in bad_unit.json()
    unknown_unit = await client.get("/api/v1/services", params={"unit": "unit-yang-tidak-ada"})
    assert unknown_unit.status_code == 400 and "unit-yang-tidak-ada" in unknown_unit.json()["error"]
    long_q = await client.get("/api/v1/services", params={"q": "x" * 150})
    assert long_q.status_code == 400 and long_q.headers["content-type"].startswith("application/json")


async def test_units_list_with_parent_and_services(client):
    parent = await make_unit(name="Dinas Induk")
    child = await make_unit(name="UPT Anak", government=parent["government"], parent=parent["id"], kind="UPT",
                            address="Jl. Anak 2", timezone="Asia/Jayapura")
    service = await make_service(child)
    units = {u["slug"]: u for u in (await client.get("/api/v1/units")).json()}
    row = units[child["slug"]]
    assert set(row) == {"slug", "name", "kind", "timezone", "address", "parent", "services"}
    assert row["parent"] == parent["slug"] and row["kind"] == "UPT" and row["timezone"] == "Asia/Jayapura"
    assert row["address"] == "Jl. Anak 2" and row["services"] == [service["slug"]]
    assert units[parent["slug"]]["parent"] is None


async def test_counters_list_with_public_url(client, settings):
    unit = await make_unit()
    first, second = await make_service(unit), await make_service(unit)
    counter = await make_counter(unit, [first, second], name="Loket API")
    counters = {c["code"]: c for c in (await client.get("/api/v1/counters")).json()}
    row = counters[counter["code"]]
    assert set(row) == {"code", "name", "unit", "services", "url"}
    assert row["name"] == "Loket API" and row["unit"] == {"slug": unit["slug"], "name": unit["name"]}
    assert sorted(row["services"]) == sorted([first["slug"], second["slug"]])
    assert row["url"] == f"{settings.public_url}/c/{counter['code']}"


async def test_openapi_lists_the_catalog_api(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    for path in ("/api/v1/services", "/api/v1/services/{service_slug}", "/api/v1/units", "/api/v1/counters"):
        assert path in schema["paths"], path
        assert "get" in schema["paths"][path]
    assert not any(p in schema["paths"] for p in ("/", "/units/{unit_slug}", "/services/{service_slug}"))
    components = schema["components"]["schemas"]
    assert any(name.endswith("ServiceOut") for name in components)
