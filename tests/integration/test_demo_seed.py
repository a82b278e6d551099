"""The demo seed: idempotent, and the patterns the dashboards need are really in the rows (checked with survey/)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from portal.db.tables import Counter, Service, StandardVersion, SurveyResponse, Unit, Visit
from portal.db.tables_insight import RollupDay, RollupDirty
from portal.demo.seed import seed_demo
from survey import clock, compliance, ikm, survival


async def _service(slug: str) -> dict:
    return await Service.select(Service.all_columns(), Service.unit.timezone).where(Service.slug == slug).first().run()


async def _visits(service_id: int) -> list[dict]:
    return await Visit.select(Visit.all_columns(), Visit.standard_version.time_limit_value,
                              Visit.standard_version.time_limit_unit, Visit.standard_version.fee) \
        .where(Visit.service == service_id).run()


def _durations(rows: list[dict], tz: str) -> np.ndarray:
    unit = rows[0]["standard_version.time_limit_unit"]
    return clock.durations([r["arrived_at"] for r in rows], [r["delivered_at"] for r in rows], unit, tz)


async def test_demo_is_idempotent_and_sized(demo):
    assert demo["services"] >= 12 and demo["units"] >= 5 and demo["counters"] >= 10
    assert demo["visits"] > 1000 and demo["responses"] > 300
    assert {"admin", "kadis.dukcapil", "manajer.ptsp", "petugas.dukcapil"} <= set(demo["accounts"])
    before = (await Visit.count().run(), await SurveyResponse.count().run(), await Unit.count().run())
    again = await seed_demo(months=2, scale=0.15, seed=7, quiet=True)
    assert again["created"] is False
    assert (await Visit.count().run(), await SurveyResponse.count().run(), await Unit.count().run()) == before
    assert again["visits"] == demo["visits"]


async def test_demo_units_span_two_timezones_and_have_maklumat(demo):
    units = await Unit.select().where(Unit.slug.is_in(["disdukcapil-kupang", "kantor-penghubung-jakarta",
                                                       "puskesmas-oesapa", "dinkes-kupang"])).run()
    by_slug = {u["slug"]: u for u in units}
    assert by_slug["disdukcapil-kupang"]["timezone"] == "Asia/Makassar"
    assert by_slug["kantor-penghubung-jakarta"]["timezone"] == "Asia/Jakarta"
    assert by_slug["puskesmas-oesapa"]["parent"] == by_slug["dinkes-kupang"]["id"]
    assert all(u["maklumat_text"] and u["maklumat_signer"] and u["maklumat_date"] for u in units)
    assert await Counter.exists().where(Counter.code == "DKP-01").run()


async def test_demo_version_history(demo):
    ktp = await _service("ktp-el")
    versions = await StandardVersion.select().where(StandardVersion.service == ktp["id"]) \
        .order_by(StandardVersion.version).run()
    now = datetime.now(UTC)
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert versions[2]["status"] == "approved" and versions[2]["effective_from"] > now  # upcoming
    assert versions[1]["effective_from"] < now and versions[1]["time_limit_value"] != versions[0]["time_limit_value"]
    pindah = await _service("surat-pindah")
    assert await StandardVersion.exists().where((StandardVersion.service == pindah["id"])
                                                & (StandardVersion.status == "draft")).run()
    # Each visit is judged against the version in force at arrival.
    rows = await Visit.select(Visit.arrived_at, Visit.standard_version.effective_from) \
        .where(Visit.service == ktp["id"]).run()
    assert all(r["standard_version.effective_from"] <= r["arrived_at"] for r in rows)


async def test_demo_time_compliance_patterns(demo):
    rates = {}
    for slug in ("izin-reklame", "akta-kelahiran", "ktp-el", "pemeriksaan-umum-puskesmas", "sertifikat-laik-higiene"):
        service = await _service(slug)
        rows = [r for r in await _visits(service["id"]) if r["outcome"] == "completed"]
        within = clock.within_limit(_durations(rows, service["unit.timezone"]),
                                    rows[0]["standard_version.time_limit_value"])
        rates[slug] = compliance.proportion(int(within.sum()), len(rows), target=0.95)
    # A 30 % late share: below the 95 % target by the one-sided test (the seed's draws shift with the calendar the
    # demo is laid on, so the test asks for the verdict and a clear gap, not for one sample's rate).
    assert rates["izin-reklame"].rate < 0.9 and rates["izin-reklame"].verdict == "below"
    for slug in ("akta-kelahiran", "ktp-el", "pemeriksaan-umum-puskesmas"):
        assert rates[slug].rate > 0.9, (slug, rates[slug])


async def test_demo_has_open_multiday_cases_for_kaplan_meier(demo):
    service = await _service("persetujuan-bangunan-gedung")
    rows = [r for r in await _visits(service["id"]) if r["finished_at"] is not None
            and r["outcome"] in (None, "completed")]
    observed = np.array([r["delivered_at"] is not None for r in rows])
    assert (~observed).sum() >= 1  # open cases, censored
    now = datetime.now(UTC)
    so_far = clock.durations([r["arrived_at"] for r in rows],
                             [r["delivered_at"] or now for r in rows], "working_days", service["unit.timezone"])
    km = survival.km_within(so_far, observed, 28)
    assert km.censored >= 1 and km.n == len(rows)


async def test_demo_overcharge_reported(demo):
    service = await _service("kartu-keluarga")
    responses = await SurveyResponse.select(SurveyResponse.amount_paid) \
        .where(SurveyResponse.service == service["id"]).run()
    result = compliance.overcharge([r["amount_paid"] for r in responses], 0)
    assert result.k >= 3


async def test_demo_low_u3_u8_at_hospital_registration(demo):
    service = await _service("pendaftaran-rawat-jalan")
    rows = await SurveyResponse.select(*[getattr(SurveyResponse, f"u{i}") for i in range(1, 10)]) \
        .where(SurveyResponse.service == service["id"]).run()
    answers = np.array([[r[f"u{i}"] or 0 for i in range(1, 10)] for r in rows], dtype=float)
    result = ikm.ikm_from_answers(answers, bootstrap=0)
    assert result.unsur_grades[2] in ("C", "D") and result.unsur_grades[7] in ("C", "D")
    good = await _service("imunisasi-anak")
    rows = await SurveyResponse.select(*[getattr(SurveyResponse, f"u{i}") for i in range(1, 10)]) \
        .where(SurveyResponse.service == good["id"]).run()
    other = ikm.ikm_from_answers(np.array([[r[f"u{i}"] or 0 for i in range(1, 10)] for r in rows], dtype=float),
                                 bootstrap=0)
    assert other.ikm > result.ikm + 10


async def test_demo_live_queue_and_rollups(demo):
    service = await _service("ktp-el")
    waiting = await Visit.count().where((Visit.service == service["id"]) & Visit.called_at.is_null()
                                        & Visit.outcome.is_null()).run()
    assert waiting >= 3
    # The demo marks every (service, day) it wrote; the refresher has recomputed them all since.
    assert not await RollupDirty.exists().where(RollupDirty.service == service["id"]).run()
    days = {str(r["local_day"]) for r in await Visit.select(Visit.local_day)
            .where(Visit.service == service["id"]).distinct().run()}
    rolled = {str(r["day"]) for r in await RollupDay.select(RollupDay.day)
              .where(RollupDay.service == service["id"]).distinct().run()}
    assert days <= rolled
