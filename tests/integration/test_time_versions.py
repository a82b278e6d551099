"""Issue 17 item 5: a period spanning two standard versions reports each version's limit and compliance
separately, and the combined figure is labelled as such (results API JSON and CSV, dashboard)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from portal.db.tables import StandardVersion
from tests.factories import make_service, make_unit, make_user
from tests.integration.test_insight_support import add_visit, at


async def test_period_across_two_versions_reports_both(client, app):
    unit = await make_unit()
    svc = await make_service(unit, time_limit=(60, "minutes"), effective_from=datetime(2025, 1, 1, tzinfo=UTC))
    first = await StandardVersion.select().where(StandardVersion.service == svc["id"]).first().run()
    await StandardVersion(**{k: v for k, v in first.items() if k not in ("id", "version", "time_limit_value",
                                                                         "effective_from")},
                          version=2, time_limit_value=45,
                          effective_from=datetime(2026, 9, 15, tzinfo=UTC)).save().run()
    for day in (1, 2, 3):  # 50 minutes: within v1's 60
        await add_visit(unit, svc, at(unit, date(2026, 9, day), 9), minutes=50)
    for day in (21, 22):  # 50 minutes: beyond v2's 45
        await add_visit(unit, svc, at(unit, date(2026, 9, day), 9), minutes=50)
    await add_visit(unit, svc, at(unit, date(2026, 9, 23), 9), minutes=30)
    url = f"/api/v1/services/{svc['slug']}/results?from=2026-09-01&to=2026-09-30"
    tm = (await client.get(url)).json()["time"]
    assert (tm["n"], tm["within"], tm["combined_versions"]) == (6, 4, True)
    assert [(v["version"], v["limit"], v["limit_unit"], v["n"], v["within"]) for v in tm["versions"]] == [
        (1, 60, "minutes", 3, 3), (2, 45, "minutes", 3, 1)]
    row = next(csv.DictReader(io.StringIO((await client.get(url.replace("results?", "results.csv?"))).text)))
    assert row["time_versions"] == "v1 60 minutes: 3/3;v2 45 minutes: 1/3"
    one = (await client.get(f"/api/v1/services/{svc['slug']}/results?from=2026-09-20&to=2026-09-30")).json()
    assert one["time"]["combined_versions"] is False and len(one["time"]["versions"]) == 1

    head = await make_user("head", [unit])
    assert (await client.login(head["username"], head["password"])).status_code == 303
    html = (await client.get(f"/dashboard?unit={unit['slug']}&period=2026-09&lang=en")).text
    assert "Combined across standard versions with different limits" in html
    assert "v1 (60 minutes)" in html and "v2 (45 minutes)" in html
