"""`portal export-responses` feeds `portal ikm`: for a filter, the dashboard's and the results API's IKM, interval
and category equal `portal ikm --json` on the exported file; `portal rebuild-rollups` rebuilds from raw rows."""

from __future__ import annotations

import csv
import json

from portal.db.tables_insight import RollupDay
from portal.formatting import number
from tests.factories import make_user
from tests.integration.test_insight_support import DAY, add_response, build_scene, run_cli


async def test_export_then_portal_ikm_equals_dashboard_and_api(client, app, settings, capsys, tmp_path):
    scene = await build_scene(n_answers=57, seed=5)
    secret = "komentar-ekspor-" + scene["unit"]["slug"]
    await add_response(scene["unit"], scene["service"], DAY, [4, 4, 3, None, 2, 4, 4, 1, 3], comment=secret,
                       amount_paid=25000, product_correct="no", extra_requirements=True)
    out_file = tmp_path / "answers.csv"
    code, out = await run_cli(settings, ["export-responses", "--service", scene["service"]["slug"],
                                         "--from", "2026-03-01", "--to", "2026-03-31", str(out_file)], capsys)
    assert code == 0, out
    assert "wrote 58 responses" in out
    text = out_file.read_text()
    assert secret not in text
    rows = list(csv.DictReader(text.splitlines()))
    assert list(rows[0]) == ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "amount_paid",
                             "extra_requirements", "product_correct", "channel", "verified", "local_day", "counted",
                             "count_reason"]
    assert any(r["u8"] == "" for r in rows)  # blank = unanswered

    code, out = await run_cli(settings, ["ikm", "--json", str(out_file)], capsys)
    assert code == 0
    cli = json.loads(out)

    api = (await client.get(f"/api/v1/services/{scene['service']['slug']}/results?from=2026-03-01&to=2026-03-31")).json()
    sat = api["satisfaction"]
    assert sat["ikm"] == cli["ikm"]
    assert sat["ci95"] == cli["ci95"]
    assert sat["category"] == cli["category"]
    assert sat["n"] == cli["n"]
    assert sat["nrr"] == cli["nrr"]

    head = await make_user("head", [scene["unit"]])
    await client.login(head["username"], head["password"])
    page = await client.get(f"/dashboard?service={scene['service']['slug']}&from=2026-03-01&to=2026-03-31&lang=en")
    assert page.status_code == 200
    assert number(cli["ikm"], 2, "en") in page.text
    assert f"{number(cli['ci95'][0], 2, 'en')} – {number(cli['ci95'][1], 2, 'en')}" in page.text
    assert f"badge cat-{cli['category']}" in page.text


async def test_unit_and_counter_filters_equal_portal_ikm_on_their_exports(client, app, settings, capsys, tmp_path):
    scene = await build_scene(n_answers=41, seed=9)
    head = await make_user("head", [scene["unit"]])
    await client.login(head["username"], head["password"])
    for flag, value, query in (("--unit", scene["unit"]["slug"], f"unit={scene['unit']['slug']}"),
                               ("--counter", scene["counter"]["code"], f"counter={scene['counter']['code']}")):
        out_file = tmp_path / f"{flag[2:]}.csv"
        code, out = await run_cli(settings, ["export-responses", flag, value, "--from", "2026-03-01",
                                             "--to", "2026-03-31", str(out_file)], capsys)
        assert code == 0 and "wrote 0 " not in out, out
        code, out = await run_cli(settings, ["ikm", "--json", str(out_file)], capsys)
        assert code == 0, out
        cli = json.loads(out)
        page = await client.get(f"/dashboard?{query}&from=2026-03-01&to=2026-03-31&lang=en")
        assert page.status_code == 200, page.text[-800:]
        assert number(cli["ikm"], 2, "en") in page.text, flag
        assert f"{number(cli['ci95'][0], 2, 'en')} – {number(cli['ci95'][1], 2, 'en')}" in page.text, flag
        assert f"badge cat-{cli['category']}" in page.text, flag


async def test_export_refuses_bad_input(app, settings, capsys, tmp_path):
    code, _ = await run_cli(settings, ["export-responses", "--service", "no-such-service-q", "--from", "2026-03-01",
                                       "--to", "2026-03-31", str(tmp_path / "x.csv")], capsys)
    assert code == 2
    code, _ = await run_cli(settings, ["export-responses", "--service", "x", "--from", "2026-03-31",
                                       "--to", "2026-03-01", str(tmp_path / "x.csv")], capsys)
    assert code == 2


async def test_rebuild_rollups_command(app, settings, capsys):
    scene = await build_scene(n_answers=12, seed=3)
    sid = scene["service"]["id"]
    await RollupDay.delete().where(RollupDay.service == sid).run()  # lose them: the command brings them back
    code, out = await run_cli(settings, ["rebuild-rollups", "--service", scene["service"]["slug"]], capsys)
    assert code == 0 and "rebuilt rollups of 1 services" in out
    rows = await RollupDay.select().where(RollupDay.service == sid).run()
    assert sum(r["responses"] for r in rows) == 13 and sum(r["visits"] for r in rows) == 11
    code, _ = await run_cli(settings, ["rebuild-rollups", "--service", "no-such-service-r"], capsys)
    assert code == 2
