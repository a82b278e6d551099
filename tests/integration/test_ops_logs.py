"""Logs of a real `portal serve`: with PORTAL_LOG_FORMAT=json every line of its standard error is one JSON object
(time, level, request id, method, route, status, duration, worker on each request's line), and no line holds
citizen data after a survey with a comment, a complaint with its contact and a kiosk batch (no answer, comment,
complaint text or contact, ticket token, forwarded or raw client address). The default stays readable text."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime

import httpx

from portal.ops import logs
from portal.settings import Settings
from tests.integration.ops_support import answer_survey, hidden_fields, kiosk_batch, portal_env, seed, served

ACCESS_FIELDS = {"time", "level", "logger", "message", "request_id", "worker", "method", "route", "status",
                 "duration_ms"}


def test_json_logs_parse_line_by_line_and_hold_no_citizen_data(tmp_path):
    marker = uuid.uuid4().hex[:12]
    comment, contact = f"komentar-rahasia-{marker}", f"kontak.{marker}@contoh.id"
    complaint_text = f"Diminta uang rokok {marker} oleh petugas."
    forwarded = "198.51.100.23"
    ticket_token = f"tiket{marker}"
    with portal_env(tmp_path, PORTAL_LOG_FORMAT="json", PORTAL_TRUSTED_PROXIES="127.0.0.1") as env:
        scene = seed(env)
        with served(env, log_level="info") as server, httpx.Client(base_url=server["base"], timeout=30) as client:
            headers = {"x-forwarded-for": forwarded}
            thanks = answer_survey(client, scene, comment=comment, amount_paid="25000", u3="1")
            assert thanks.status_code == 200 and "Terima kasih" in thanks.text
            form = client.get(f"/complaints/new?service={scene['service']}&counter={scene['counter']}", headers=headers)
            filed = client.post("/complaints/new", headers=headers, data={
                **hidden_fields(form.text), "service": scene["service"], "counter": scene["counter"],
                "category": "overcharge", "description": complaint_text, "amount": "50000", "contact": contact},
                files={"photo": ("", b"", "application/octet-stream")})
            assert filed.status_code == 303, filed.text[-1500:]
            batch = kiosk_batch(client, scene, [{"id": str(uuid.uuid4()), "given_at": datetime.now(UTC).isoformat(),
                                                 "u": [4] * 9, "comment": comment}])
            assert batch.status_code == 200 and batch.json()["stored"] == 1
            assert client.get(f"/t/{ticket_token}?q={marker}", headers=headers).status_code == 404
            proxy_id = f"nginx-{uuid.uuid4().hex[:16]}"  # a proxy's request id is kept
            request_id = client.get("/", headers={"x-request-id": proxy_id}).headers["x-request-id"]
        text = server["err"].read_text()
    lines = [line for line in text.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line parses, or this fails
    assert all(isinstance(r, dict) and {"time", "level", "logger", "message", "worker"} <= set(r) for r in records)
    access = [r for r in records if r["logger"] == "portal.access"]
    assert all(set(r) >= ACCESS_FIELDS for r in access), access
    survey = [r for r in access if r["method"] == "POST" and r["route"] == "/c/{counter_code}/s/{service_slug}/survey"]
    assert survey and survey[0]["status"] == 200 and survey[0]["duration_ms"] >= 0 and len(survey[0]["request_id"]) == 32
    assert any(r["route"] == "/" and r["request_id"] == request_id == proxy_id for r in access)
    assert any(r["route"] == "/complaints/new" and r["status"] == 303 for r in access)
    assert any(r["route"] == "/t/{token}" and r["status"] == 404 for r in access)
    assert {r["worker"] for r in access} == {server["process"].pid}
    datetime.fromisoformat(records[0]["time"])
    for secret in (marker, comment, contact, complaint_text, forwarded, ticket_token, "25000", "50000"):
        assert secret not in text, secret
    assert "127.0.0.1:" not in text.replace(f"127.0.0.1:{server['port']}", "")  # no client address:port


def test_text_logs_stay_readable_by_default(tmp_path, capsys):
    settings = Settings.from_env({"PORTAL_VAR_DIR": str(tmp_path), "PORTAL_SECRET_KEY": "k" * 32})
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure(settings)
        token = logs.REQUEST_ID.set("abcdef0123456789")
        logging.getLogger("portal.access").info("%s %s %s %.1f ms", "GET", "/units/{unit_slug}", 200, 3.2)
        logs.REQUEST_ID.reset(token)
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.endswith("portal.access: GET /units/{unit_slug} 200 3.2 ms [request abcdef0123456789]"), line
    assert not line.startswith("{")
