"""Several workers (`portal serve --workers 2`, PostgreSQL + Redis): /metrics adds up every worker's counts
(prometheus-client's multiprocess mode under <var>/metrics), whichever worker answers the scrape; each worker's
readiness holds; the pool gauge sums the live workers' pools."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.ops_support import answer_survey, portal_env, scale_out, seed, served

pytestmark = pytest.mark.skipif(not scale_out(), reason="several workers need PostgreSQL and Redis (the scale-out "
                                                        "pass runs this)")


def scrape(base: str) -> dict[tuple[str, tuple], float]:
    text = httpx.get(f"{base}/metrics", timeout=30).text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_metrics_add_up_every_workers_counts(tmp_path):
    with portal_env(tmp_path / "var", PORTAL_TRUSTED_PROXIES="127.0.0.1") as env:
        scene = seed(env)
        with served(env, workers=2) as server:
            with httpx.Client(base_url=server["base"], timeout=30) as client:
                for _ in range(40):  # new connections: the kernel spreads them over both workers
                    with httpx.Client(base_url=server["base"], timeout=30) as fresh:
                        response = fresh.get("/readyz")
                        assert response.status_code == 200, response.text
                for n in range(6):
                    thanks = answer_survey(client, scene, headers={"x-forwarded-for": f"198.51.100.{n + 1}"})
                    assert thanks.status_code == 200
            files = sorted(p.name for p in (tmp_path / "var" / "metrics").glob("*.db"))
            workers = {name.rsplit("_", 1)[-1] for name in files}
            assert len(workers) >= 2, files  # both workers wrote their values
            for _ in range(3):  # any worker answering the scrape reports the same sums
                found = scrape(server["base"])
                ready = found[("portal_http_requests_total", (("method", "GET"), ("route", "/readyz"),
                                                              ("status", "200")))]
                assert ready >= 41  # 40 here, plus the start-up probe
                answers = sum(v for (name, labels), v in found.items() if name == "portal_survey_answers_total"
                              and ("channel", "qr_counter") in labels)
                assert answers == 6  # stored (counted, or too fast for the reading time: this walk is a script)
                assert found[("portal_db_pool_connections", (("state", "max"),))] == 20  # two pools of 10
                assert found[("portal_refresher_last_pass_timestamp_seconds", ())] > 0
