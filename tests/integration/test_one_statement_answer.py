# ruff: noqa: F811  (pytest fixtures imported from test_feedback_support)
"""On PostgreSQL a citizen's stamped answer is stored in one statement (nonce, row, rollup delta, overcharge case:
portal.insight.ledger.response_added_in_one_statement). Through HTTP, the same answers stored that way and through
the multi-statement transaction the embedded mode uses write the same rows, the same deltas and the same cases:
counted with an overcharge, over the per-address cap, and a reused stamp (nothing of the one statement is kept)."""

from __future__ import annotations

import pytest

from portal.db.engine import execute, on_postgres
from portal.feedback import services
from portal.feedback.services import ADDRESS_CAP
from tests.integration.test_feedback_support import ANSWERS, phone, place, survey_form, survey_path  # noqa: F401

COMPARED = ("u1", "u5", "u9", "amount_paid", "product_correct", "extra_requirements", "channel", "counter",
            "local_day", "counted", "count_reason", "client_hash", "flagged_fast", "visit")


async def _post_and_capture(phone, place, answers: dict) -> tuple[int, dict | None, list[dict], list[dict]]:
    """POST one answer (a fresh form each time; its fetch folds earlier deltas); returns the status, the newest
    response, and the deltas and overcharge cases that POST wrote."""
    fields = {**await survey_form(phone, survey_path(place)), **answers}
    service = place["service"]["id"]
    before = (await execute("SELECT COALESCE(MAX(id), 0) AS n FROM overcharge_case WHERE service = {}", service))[0]
    status = (await phone.post(survey_path(place), data=fields)).status_code
    rows = await execute("SELECT * FROM survey_response WHERE service = {} ORDER BY id DESC LIMIT 1", service)
    deltas = await execute("SELECT counter, day, payload FROM rollup_delta WHERE service = {} ORDER BY id", service)
    cases = await execute("SELECT counter, day, source, ref_id, amount, fee FROM overcharge_case"
                          " WHERE service = {} AND id > {} ORDER BY id", service, before["n"])
    return status, (rows[0] if rows else None), deltas, cases


def _same(row: dict) -> dict:
    return {k: row[k] for k in COMPARED}


async def _both_ways(phone, place, monkeypatch, answers: dict) -> list[tuple]:
    captured = []
    for one_statement in (True, False):
        monkeypatch.setattr(services, "on_postgres", lambda one_statement=one_statement: one_statement)
        status, row, deltas, cases = await _post_and_capture(phone, place, answers)
        assert row is not None
        captured.append((status, _same(row), [(d["counter"], d["day"], d["payload"]) for d in deltas],
                         [{**c, "ref_id": c["ref_id"] == row["id"]} for c in cases]))
    return captured


async def test_one_statement_writes_what_the_transaction_writes(app, phone, place, monkeypatch):
    if not on_postgres():
        pytest.skip("the one-statement answer is the scale-out mode's (PostgreSQL)")
    overcharged = {**ANSWERS, "amount_paid": "50000"}  # the place's fee is 15,000
    one, many = await _both_ways(phone, place, monkeypatch, overcharged)
    assert one == many
    assert one[1]["counted"] and one[1]["count_reason"] == "stamp" and one[0] == 200
    assert len(one[2]) == 1 and '"responses":1' in one[2][0][2].replace(" ", "")
    assert one[3] == [{"counter": place["counter"]["id"], "day": one[1]["local_day"], "source": "citizen",
                       "ref_id": True, "amount": 50000, "fee": 15000}]

    for _ in range(ADDRESS_CAP):  # fill the address's cap for the day
        assert (await _post_and_capture(phone, place, ANSWERS))[0] == 200
    one, many = await _both_ways(phone, place, monkeypatch, overcharged)
    assert one == many
    assert (one[1]["counted"], one[1]["count_reason"]) == (False, "over_cap")
    assert one[3] == []  # an answer that does not count opens no case
    assert '"nc_over_cap":1' in one[2][0][2].replace(" ", "")


async def test_a_reused_stamp_keeps_nothing_of_the_one_statement(app, phone, place, monkeypatch):
    if not on_postgres():
        pytest.skip("the one-statement answer is the scale-out mode's (PostgreSQL)")
    fields = {**await survey_form(phone, survey_path(place)), **ANSWERS}
    assert (await phone.post(survey_path(place), data=fields)).status_code == 200
    again = await phone.post(survey_path(place), data={**fields, "u1": "1"})
    assert again.status_code == 200 and "Sudah diterima" in again.text
    rows = await execute("SELECT u1, counted, count_reason FROM survey_response WHERE service = {} ORDER BY id",
                         place["service"]["id"])
    assert [(r["u1"], r["counted"], r["count_reason"]) for r in rows] == [(3, True, "stamp"), (1, False, "reused_stamp")]
    deltas = await execute("SELECT payload FROM rollup_delta WHERE service = {} ORDER BY id", place["service"]["id"])
    assert len(deltas) == 2 and '"nc_reused_stamp":1' in deltas[1]["payload"].replace(" ", "")
