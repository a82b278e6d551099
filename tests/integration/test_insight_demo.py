"""On the demo data: the reported overcharge at Disdukcapil (kartu-keluarga) opens a nonconformity, closing it
needs a verification note, and the public pages never show a comment."""

from __future__ import annotations

from datetime import timedelta

from portal.db.tables import Service, Unit
from portal.db.tables_insight import Nonconformity, OverchargeCase
from portal.timeutil import local_day
from tests.factories import make_user
from tests.integration.test_insight_support import add_response, record_review

HEAD = ("kadis.dukcapil", "demo-kepala-2026")


async def test_demo_overcharge_becomes_an_open_nonconformity_closed_only_with_a_note(client, demo, settings, capsys):
    from tests.integration.test_insight_support import run_cli

    unit = await Unit.select().where(Unit.slug == "disdukcapil-kupang").first().run()
    kk = await Service.select().where(Service.slug == "kartu-keluarga").first().run()
    first = await (OverchargeCase.select().where(OverchargeCase.service == kk["id"])
                   .order_by(OverchargeCase.day).first().run())
    assert first is not None  # the demo's reported payments above the free service's fee
    PERIOD = f"{first['day']:%Y-%m}"  # noqa: N806 - the closed month holding the first case
    assert first["day"] < local_day(unit["timezone"]).replace(day=1)
    code, _out = await run_cli(settings, ["review", "--period", PERIOD, "--unit", "disdukcapil-kupang"], capsys)
    assert code == 0  # `portal review` opens nonconformities; the dashboard only reads them
    assert (await client.login(*HEAD)).status_code == 303
    assert (await record_review(client, "disdukcapil-kupang", PERIOD)).status_code == 303
    r = await client.get(f"/dashboard?unit=disdukcapil-kupang&period={PERIOD}")
    assert r.status_code == 200
    item = await (Nonconformity.select().where((Nonconformity.unit == unit["id"]) & (Nonconformity.service == kk["id"])
                                               & (Nonconformity.source == "overcharge")
                                               & (Nonconformity.period == PERIOD)).first().run())
    assert item is not None and item["status"] == "open"
    assert f"/console/actions/{item['id']}" in r.text  # listed among the open items on the dashboard
    path = f"/console/actions/{item['id']}"

    manager = await make_user("manager", [unit])
    client.cookies.clear()
    await client.login(manager["username"], manager["password"])
    token = await client.csrf(path)
    planned = await client.post(f"{path}/plan", data={"root_cause": "Pungutan tunai di loket", "owner": "Sekretaris",
                                                      "action": "Kanal pembayaran non-tunai", "due_date": "2026-12-31",
                                                      "_csrf_token": token})
    assert planned.status_code == 303

    client.cookies.clear()
    await client.login(*HEAD)
    token = await client.csrf(path)
    refused = await client.post(f"{path}/close", data={"verification_note": "", "_csrf_token": token})
    assert refused.status_code == 400
    closed = await client.post(f"{path}/close", data={"verification_note": "Dua bulan tanpa laporan pungutan",
                                                      "_csrf_token": token})
    assert closed.status_code == 303
    assert (await Nonconformity.select().where(Nonconformity.id == item["id"]).first().run())["status"] == "closed"


async def test_demo_public_pages_carry_no_comment(client, demo):
    unit = await Unit.select().where(Unit.slug == "disdukcapil-kupang").first().run()
    kk = await Service.select().where(Service.slug == "kartu-keluarga").first().run()
    secret = "komentar-demo-yang-unik-7c1f"
    await add_response(unit, kk, local_day(unit["timezone"]) - timedelta(days=3), [1, 2, 3, 4, 1, 2, 3, 4, 1],
                       comment=secret, amount_paid=8_642_097_531)  # 10 digits: no float on the page carries them
    for path in ("/performance/units/disdukcapil-kupang", "/performance/services/kartu-keluarga?period=2026-Q4",
                 "/api/v1/units/disdukcapil-kupang/results.csv", "/api/v1/services/kartu-keluarga/results",
                 "/api/v1/performance/units/disdukcapil-kupang?period=2026-Q4",
                 "/api/v1/performance/services/kartu-keluarga/trend.csv?period=2026-Q4"):
        r = await client.get(path)
        assert r.status_code == 200, path
        assert secret not in r.text and "8642097531" not in r.text and "8.642.097.531" not in r.text, path
