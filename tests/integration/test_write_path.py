"""The write path: a fact and its consequences commit together or not at all; SQLite never blocks the loop on
another process's lock; published figures come from the refresher."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime

import pytest

from portal.db.tables import SurveyResponse, Visit
from portal.db.tables_feedback import FormNonce
from portal.db.tables_insight import RollupDelta
from portal.feedback import services
from portal.insight import ledger
from portal.timeutil import local_day
from tests.factories import make_counter, make_service, make_unit, refresh, uid


@pytest.fixture
async def place(app):
    unit = await make_unit()
    service = await make_service(unit, fee=10000)
    counter = await make_counter(unit, [service])
    return {"unit": unit, "service": service, "counter": counter}


def _values(place, comment: str) -> dict:
    now = datetime.now(UTC)
    return {**{f"u{i}": 3 for i in range(1, 10)}, "amount_paid": 50000, "comment": comment,
            "service": place["service"]["id"], "unit": place["unit"]["id"], "counter": place["counter"]["id"],
            "visit": None, "channel": "qr_counter", "local_day": local_day(place["unit"]["timezone"], now),
            "submitted_at": now}


async def test_a_failure_after_the_insert_leaves_neither_the_response_nor_its_consequences(place, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("injected failure between the response and its rollup delta")

    monkeypatch.setattr(ledger, "record", broken)
    marker, nonce = uid("atomic"), uid("nonce")
    with pytest.raises(RuntimeError):
        await services.submit_response(_values(place, marker), nonce, standard=None)
    assert not await SurveyResponse.exists().where(SurveyResponse.comment == marker).run()
    assert not await FormNonce.exists().where(FormNonce.nonce == nonce).run(), "the one-use stamp is not spent"
    assert not await RollupDelta.exists().where(RollupDelta.service == place["service"]["id"]).run()

    monkeypatch.undo()
    stored = await services.submit_response(_values(place, marker), nonce, standard=None)
    assert stored is not None, "the same answer can be sent again: nothing was lost or half-written"
    assert await RollupDelta.exists().where(RollupDelta.service == place["service"]["id"]).run()
    assert await services.submit_response(_values(place, marker), nonce, standard=None) is None  # replayed


async def test_a_visit_stage_and_its_delta_commit_together(place, monkeypatch):
    visit = await services.start_scan_visit(place["unit"], place["service"]["id"], place["counter"]["id"], None,
                                            uid("token") * 2)
    await refresh()

    async def broken(*args, **kwargs):
        raise RuntimeError("injected")

    monkeypatch.setattr(ledger, "visit_changed", broken)
    with pytest.raises(RuntimeError):
        await services.citizen_stage(visit, "finished")
    row = await Visit.select().where(Visit.id == visit["id"]).first().run()
    assert row["finished_at"] is None and not row["survey_offered"]
    assert not await RollupDelta.exists().where(RollupDelta.service == place["service"]["id"]).run()


async def test_folded_rollups_equal_a_rebuild_after_many_writes(place):
    from portal.db.tables_insight import RollupDay
    from portal.insight import rollups

    for i in range(12):  # each on its own valid form stamp: counted (docs/measures.md, counting rule)
        await services.submit_response({**_values(place, f"w{i}"), "u1": 1 + i % 4}, uid("stamp"), standard=None)
    visit = await services.start_scan_visit(place["unit"], place["service"]["id"], place["counter"]["id"], None,
                                            uid("token") * 2)
    await services.citizen_stage(visit, "served")
    await services.citizen_stage(visit, "finished")
    await refresh()

    def snapshot(rows):
        return sorted(({k: v for k, v in r.items() if k not in ("id", "computed_at")} for r in rows),
                      key=lambda r: (r["counter"], str(r["day"])))

    folded = snapshot(await RollupDay.select().where(RollupDay.service == place["service"]["id"]).run())
    await rollups.rebuild([place["service"]["id"]])
    assert folded == snapshot(await RollupDay.select().where(RollupDay.service == place["service"]["id"]).run())
    assert folded[0]["responses"] == 12 and folded[0]["visits"] == 1 and folded[0]["cost_resp_over"] == 12


async def test_a_refresher_pass_folds_what_was_pending_when_it_began_while_answers_keep_coming(place, monkeypatch):
    """Under a steady stream of answers a pass must end: it folds the deltas pending when it began, in full
    batches, and leaves the ones that arrived meanwhile to the next pass (before, it chased them, a handful per
    fold, for as long as the stream lasted: bench/RESULTS-submit.md)."""
    from portal.db.tables_insight import RollupDay
    from portal.insight import rollups

    await refresh()
    for i in range(3):
        await services.submit_response(_values(place, f"before{i}"), uid("stamp"), standard=None)
    fold, folds = rollups.apply_pending, []

    async def answer_then_fold(*args, **kwargs):
        # A citizen's answer commits just before every fold of the pass.
        await services.submit_response(_values(place, f"during{len(folds)}"), uid("stamp"), standard=None)
        folds.append(await fold(*args, **kwargs))
        return folds[-1]

    monkeypatch.setattr(rollups, "apply_pending", answer_then_fold)
    await refresh()
    monkeypatch.undo()
    assert len(folds) == 2 and not folds[-1], "one fold of what was pending, then the pass ends"
    pending = await RollupDelta.count().where(RollupDelta.service == place["service"]["id"]).run()
    assert pending == 2, "the answers that came during the pass wait for the next one"
    await refresh()
    assert not await RollupDelta.exists().where(RollupDelta.service == place["service"]["id"]).run()
    days = await RollupDay.select(RollupDay.responses).where(RollupDay.service == place["service"]["id"]).run()
    assert sum(day["responses"] for day in days) == 5, "every answer folded once"


async def test_sqlite_waits_for_another_process_off_the_event_loop(app, settings, place):
    """While another process holds SQLite's write lock, a write waits in the fallback thread: the event loop
    keeps running other work, and the write lands once the lock is released."""
    if not settings.is_sqlite:
        pytest.skip("the embedded engine's fallback is SQLite's")
    other = sqlite3.connect(settings.sqlite_path, timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    marker = uid("busy")
    ticking = asyncio.create_task(ticker())
    write = asyncio.create_task(services.submit_response(_values(place, marker), None, standard=None))
    await asyncio.sleep(0.3)
    assert not write.done(), "the write waits for the other process"
    assert ticks >= 10, "the event loop was not blocked meanwhile"
    other.execute("COMMIT")
    other.close()
    assert await asyncio.wait_for(write, 15) is not None
    ticking.cancel()
    assert await SurveyResponse.exists().where(SurveyResponse.comment == marker).run()
