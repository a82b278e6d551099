"""Pure logic of the queue capability: visit stages, draft parsing, standard status, median wait, audit diffs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from portal.accounts.audit import _normalised, changes
from portal.catalog.schemas import DraftForm
from portal.catalog.services import effective_instant
from portal.catalog.standards import as_form, status_of
from portal.errors import Invalid
from portal.queue.board import median_wait_minutes
from portal.queue.tickets import stage

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _visit(**fields) -> dict:
    base = {k: None for k in ("called_at", "served_at", "finished_at", "delivered_at", "outcome")}
    return {**base, **fields}


def test_stages_follow_the_timestamps():
    assert stage(_visit()) == "waiting"
    assert stage(_visit(called_at=T0)) == "called"
    assert stage(_visit(called_at=T0, served_at=T0)) == "serving"
    assert stage(_visit(called_at=T0, served_at=T0, finished_at=T0, outcome="completed")) == "finished"
    assert stage(_visit(called_at=T0, served_at=T0, finished_at=T0, delivered_at=T0)) == "delivered"
    assert stage(_visit(called_at=T0, outcome="no_show")) == "closed"
    assert stage(_visit(outcome="cancelled")) == "closed"


FORM = {"requirements": " KTP \n\n KK ", "procedure": "a\r\nb", "time_limit_value": "14",
        "time_limit_unit": "calendar_days", "fee": "1.500.000", "product": "Izin", "complaint_channel": "LAPOR!",
        "staff_count": "2", "target_time": "0,95", "target_cost": "1", "target_accuracy": "0"}


def _parse(form: dict):
    try:
        return DraftForm(**form).validated(), {}
    except Invalid as exc:
        return None, exc.errors


def test_draft_form_reads_every_component():
    values, errors = _parse(FORM)
    assert errors == {} and values is not None
    assert values["requirements"] == ["KTP", "KK"] and values["procedure"] == ["a", "b"]
    assert values["fee"] == 1_500_000 and values["time_limit_value"] == 14 and values["staff_count"] == 2
    assert (values["target_time"], values["target_cost"], values["target_accuracy"]) == (0.95, 1.0, 0.0)


def test_draft_form_refuses_bad_values_naming_the_field():
    for field, bad in [("fee", "-1"), ("fee", "gratis"), ("time_limit_value", "0"), ("time_limit_unit", "weeks"),
                       ("requirements", " \n "), ("target_cost", "1.01"), ("staff_count", "0"), ("product", ""),
                       ("fee", "9" * 30), ("time_limit_value", "800")]:
        _values, errors = _parse({**FORM, field: bad})
        assert list(errors) == [field], (field, bad, errors)


def test_draft_form_reports_every_wrong_field_at_once():
    _values, errors = _parse({**FORM, "fee": "-1", "product": "", "target_time": "2", "requirements": ""})
    assert set(errors) == {"fee", "product", "target_time", "requirements"}


def test_as_form_round_trips_a_version():
    values, _ = _parse(FORM)
    again, errors = _parse({k: str(v) for k, v in as_form(values).items()})
    assert errors == {} and again is not None
    assert again["requirements"] == values["requirements"] and again["fee"] == values["fee"]


def test_status_of_versions():
    now = T0
    approved = {"id": 1, "status": "approved", "effective_from": now - timedelta(days=10)}
    assert status_of(approved, 1, now) == "in_force"
    assert status_of(approved, 2, now) == "superseded"
    assert status_of({**approved, "effective_from": now + timedelta(hours=1)}, 2, now) == "upcoming"
    assert status_of({"id": 3, "status": "draft", "effective_from": None}, 1, now) == "draft"


def test_effective_instant_is_local_midnight():
    assert effective_instant("Asia/Jayapura", date(2026, 3, 2)) == datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    assert effective_instant("Asia/Jakarta", date(2026, 3, 2)) == datetime(2026, 3, 1, 17, 0, tzinfo=UTC)


def test_median_wait_uses_called_visits_only():
    visits = [{"arrived_at": T0, "called_at": T0 + timedelta(minutes=m)} for m in (3, 9, 4, 30)]
    visits.append({"arrived_at": T0, "called_at": None})
    assert median_wait_minutes(visits) == 6.5
    assert median_wait_minutes([{"arrived_at": T0, "called_at": None}]) is None


def test_audit_changes_keep_only_changed_fields():
    before = {"name": "A", "active": True, "day": date(2026, 1, 1)}
    after = {"name": "B", "active": True, "day": date(2026, 1, 1)}
    assert changes(before, after) == {"name": {"before": "A", "after": "B"}}
    assert changes(None, {"x": 1}) == {"x": {"before": None, "after": 1}}
    assert _normalised('{"unit_id": 3, "changes": {"figure": "2 of 9"}}')["changes"] == {
        "figure": {"before": None, "after": "2 of 9"}}
    assert _normalised("not json")["changes"] == {}
