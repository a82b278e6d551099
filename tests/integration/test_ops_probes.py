"""Probes and metrics through HTTP: /healthz answers without the database, /readyz names what is not ready (503),
/metrics speaks the Prometheus text format, counts requests by route template and survey answers by channel and
reason, computes the refresher's lag and the queues at scrape time, and opens only with the token or to an
allowed direct address."""

from __future__ import annotations

import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from portal.ops import health, queries
from portal.settings import Settings
from tests.conftest import PortalClient
from tests.factories import make_counter, make_service, make_unit
from tests.integration.queue_support import login, post, world
from tests.integration.test_feedback_support import ANSWERS, survey_form, survey_path


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of a Prometheus text exposition (parsed by prometheus-client)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
async def outsider(app):
    """A client at an address outside the metrics allow-list (not loopback)."""
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
    async with PortalClient(transport=transport, base_url="https://testserver.local", follow_redirects=False,
                            refreshed=False) as c:
        yield c


async def test_healthz_answers_ok_without_the_database(client, monkeypatch):
    async def broken():
        raise ConnectionRefusedError("the database is down")

    monkeypatch.setattr(queries, "database_answers", broken)
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    assert response.headers["cache-control"] == "no-store"


async def test_readyz_is_ready_and_says_the_refresher_is_off_when_it_is(client, settings):
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready" and body["failing"] == []
    checks = body["checks"]
    assert checks["database"]["ok"] and checks["migrations"]["ok"] and "pending" not in checks["migrations"]
    assert checks["refresher"]["status"] == "disabled"  # the tests run with PORTAL_REFRESH_SECONDS=0
    assert "PORTAL_REFRESH_SECONDS=0" in checks["refresher"]["note"]
    if settings.redis_url:
        assert checks["redis"] == {"ok": True}
    else:
        assert checks["redis"]["ok"] and "not used" in checks["redis"]["status"]


async def test_readyz_names_the_database_when_it_does_not_answer(client, monkeypatch):
    async def broken():
        raise ConnectionRefusedError("10.1.2.3:5432 refused")

    monkeypatch.setattr(queries, "database_answers", broken)
    response = await client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready" and body["failing"] == ["database", "migrations"]
    assert body["checks"]["database"] == {"ok": False, "error": "ConnectionRefusedError"}
    assert "10.1.2.3" not in response.text  # the error's type only, never its text (hosts, passwords)


async def test_readyz_names_pending_migrations(client, monkeypatch):
    from portal.db.migrate import migration_names

    names = migration_names()

    async def one_missing():
        return set(names[:-1])

    monkeypatch.setattr(queries, "applied_migrations", one_missing)
    response = await client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["migrations"]
    assert body["checks"]["migrations"]["pending"] == [names[-1]]
    assert "portal migrate" in body["checks"]["migrations"]["hint"]


def test_refresher_state_follows_its_passes(tmp_path):
    settings = Settings.from_env({"PORTAL_VAR_DIR": str(tmp_path), "PORTAL_SECRET_KEY": "k" * 32,
                                  "PORTAL_REFRESH_SECONDS": "5"})

    class Refresher:
        last_pass: float | None = None

    refresher = Refresher()
    assert health.refresher_state(settings, refresher, started=100.0, now=110.0)["status"] == "starting"
    late = health.refresher_state(settings, refresher, started=100.0, now=200.0)
    assert not late["ok"] and late["status"] == "no pass completed"
    refresher.last_pass = 195.0
    assert health.refresher_state(settings, refresher, started=100.0, now=200.0) == {
        "ok": True, "status": "running", "seconds_since_last_pass": 5.0, "limit_seconds": 30.0}
    behind = health.refresher_state(settings, refresher, started=100.0, now=240.0)
    assert not behind["ok"] and behind["status"] == "behind"
    off = Settings.from_env({"PORTAL_VAR_DIR": str(tmp_path), "PORTAL_SECRET_KEY": "k" * 32,
                             "PORTAL_REFRESH_SECONDS": "0"})
    assert health.refresher_state(off, None, started=0.0)["status"] == "disabled"


async def test_metrics_count_requests_by_route_template_and_answers_by_channel_and_reason(client, app):
    unit = await make_unit()
    service = await make_service(unit)
    counter = await make_counter(unit, [service])
    place = {"unit": unit, "service": service, "counter": counter}
    before = samples((await client.get("/metrics")).text)
    fields = {**await survey_form(client, survey_path(place)), **ANSWERS}
    assert (await client.post(survey_path(place), data=fields)).status_code == 200
    assert (await client.post(survey_path(place), data=fields)).status_code == 200  # resent: stored, not counted
    assert (await client.get(f"/services/tidak-ada-{uuid.uuid4().hex[:6]}")).status_code == 404
    response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain; version=")
    after = samples(response.text)
    route = "/c/{counter_code}/s/{service_slug}/survey"
    assert value(after, "portal_http_requests_total", method="POST", route=route, status="200") - value(
        before, "portal_http_requests_total", method="POST", route=route, status="200") == 2
    assert value(after, "portal_http_request_duration_seconds_count", method="POST", route=route, status="200") \
        - value(before, "portal_http_request_duration_seconds_count", method="POST", route=route, status="200") == 2
    assert value(after, "portal_http_requests_total", method="GET", route="/services/{service_slug}",
                 status="404") >= 1
    counted = ("portal_survey_answers_total", {"channel": "qr_counter", "counted": "yes", "reason": "stamp"})
    resent = ("portal_survey_answers_total", {"channel": "qr_counter", "counted": "no", "reason": "reused_stamp"})
    for name, labels in (counted, resent):
        assert value(after, name, **labels) - value(before, name, **labels) == 1, labels
    for sample in after:  # no raw path, query, slug or counter code becomes a label
        assert counter["code"] not in str(sample) and service["slug"] not in str(sample)


async def test_metrics_compute_refresher_lag_and_queues_at_scrape_time(client, app):
    from tests.factories import refresh

    w = await world(timezone="Asia/Jayapura")
    await login(client, w["officer"])
    code = w["counter"]["code"]
    for _ in range(4):  # four tickets issued today, one of them called: three people wait
        issued = await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})
        assert issued.status_code in (200, 303), issued.text[-500:]
    assert (await post(client, f"/console/counters/{code}/call-next")).status_code in (200, 303)
    scraped = samples((await client.get("/metrics")).text)  # the client's GET runs a refresher pass first
    assert value(scraped, "portal_queue_waiting", unit=w["unit"]["slug"]) == 3
    assert value(scraped, "portal_refresher_pending_deltas") == 0 and value(scraped, "portal_refresher_lag_seconds") == 0
    raw = PortalClient(transport=client._transport, base_url="https://testserver.local", refreshed=False)
    assert (await post(client, f"/console/counters/{code}/tickets", {"service": w["services"][0]["id"]})).status_code \
        in (200, 303)
    scraped = samples((await raw.get("/metrics")).text)  # no pass: the ticket's delta waits for the refresher
    assert value(scraped, "portal_queue_waiting", unit=w["unit"]["slug"]) == 4
    assert value(scraped, "portal_refresher_pending_deltas") >= 1
    assert value(scraped, "portal_refresher_lag_seconds") >= 0
    await refresh()
    assert await queries.pending_deltas() == {"count": 0, "oldest_seconds": 0.0}


async def test_metrics_refuse_an_outsider_without_the_token_in_the_users_language(outsider):
    refused = await outsider.get("/metrics?lang=id")
    assert refused.status_code == 403 and "token metrik" in refused.text
    refused = await outsider.get("/metrics?lang=en")
    assert refused.status_code == 403 and "metrics token" in refused.text
    assert (await outsider.get("/healthz")).status_code == 200  # the probes stay open


async def test_metrics_open_with_the_token_and_never_through_a_proxy(app, outsider, client, monkeypatch):
    settings = app.state.settings
    monkeypatch.setattr(app.state, "settings", Settings(**{**settings.__dict__, "metrics_token": "s3cret-token"}))
    assert (await outsider.get("/metrics", headers={"authorization": "Bearer s3cret-token"})).status_code == 200
    assert (await outsider.get("/metrics", headers={"authorization": "Bearer wrong"})).status_code == 403
    assert (await outsider.get("/metrics", headers={"authorization": "Basic s3cret-token"})).status_code == 403
    # Loopback is allowed only for a direct connection: through a proxy on the same host it is refused.
    assert (await client.get("/metrics")).status_code == 200
    assert (await client.get("/metrics", headers={"x-forwarded-for": "198.51.100.7"})).status_code == 403
    assert (await client.get("/metrics", headers={"forwarded": "for=198.51.100.7"})).status_code == 403


async def test_every_answer_carries_a_request_id_and_keeps_a_proxys_well_formed_one(client):
    first = await client.get("/healthz")
    second = await client.get("/healthz")
    assert len(first.headers["x-request-id"]) == 32 and first.headers["x-request-id"] != second.headers["x-request-id"]
    given = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    assert (await client.get("/healthz", headers={"x-request-id": given})).headers["x-request-id"] == given
    forged = (await client.get("/healthz", headers={"x-request-id": "evil id; drop table"})).headers["x-request-id"]
    assert forged != "evil id; drop table" and len(forged) == 32
