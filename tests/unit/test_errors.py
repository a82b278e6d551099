"""One hierarchy of domain errors (issue 25, item 4): codes, fields, HTTP statuses; unique violations name their
column; a refused transition always has its own notice."""

from __future__ import annotations

import sqlite3

import pytest

from portal.db.engine import unique_field
from portal.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound, TooLate, unique_as_conflict
from portal.queue.tickets import TRANSITIONS, CounterBusy, TransitionError
from portal.queue.web import NOTICES, with_notice


def test_each_error_has_its_status_and_code():
    assert [(c("m").status_code, c("m").code) for c in (Invalid, NotFound, Conflict, NotAllowed, TooLate)] == [
        (400, "invalid"), (404, "not-found"), (409, "conflict"), (403, "not-allowed"), (409, "too-late")]
    error = Conflict("This code is taken.", field="code", code="taken")
    assert (error.field, error.code, error.errors) == ("code", "taken", {"code": "This code is taken."})


def test_invalid_fields_names_every_wrong_field_in_order():
    error = Invalid.fields({"name": "A name is required.", "code": "The code ..."}, n=3)
    assert isinstance(error, DomainError) and error.field == "name" and list(error.errors) == ["name", "code"]
    assert error.values == {"n": 3}


class FakePgUnique(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__("duplicate key value violates unique constraint")
        self.detail = detail


def test_unique_field_reads_either_engines_message():
    assert unique_field(sqlite3.IntegrityError("UNIQUE constraint failed: counter.code")) == "code"
    assert unique_field(sqlite3.IntegrityError("UNIQUE constraint failed: standard_version.service, "
                                               "standard_version.version")) == "version"
    assert unique_field(sqlite3.IntegrityError("UNIQUE constraint failed: index 'ix_x'")) is None
    assert unique_field(FakePgUnique('Key (username)=(ani) already exists.')) == "username"
    assert unique_field(FakePgUnique('Key (lower(username::text))=(ani) already exists.')) is None


def test_unique_as_conflict_turns_a_unique_violation_into_a_conflict_on_its_field():
    with pytest.raises(Conflict) as caught, unique_as_conflict({"code": "This code is taken."}):
        raise sqlite3.IntegrityError("UNIQUE constraint failed: counter.code")
    assert (caught.value.field, caught.value.message, caught.value.status_code) == ("code", "This code is taken.", 409)
    with pytest.raises(sqlite3.IntegrityError), unique_as_conflict({"code": "x"}):  # other integrity errors pass
        raise sqlite3.IntegrityError("FOREIGN KEY constraint failed")


def test_every_refused_transition_has_its_own_notice():
    """The notice is chosen by code, not by comparing English text: no refusal falls back to the generic one."""
    for code in TRANSITIONS:
        error = TransitionError(code)
        assert error.status_code == 409 and NOTICES[error.code] == error.message
        assert with_notice("/console/x", error.code).url.endswith(f"?notice={code}")
    assert CounterBusy().code == "counter-busy"
    assert with_notice("/console/x?a=1", "no-such-code").url.endswith("&notice=not-now")
    with pytest.raises(KeyError):
        TransitionError("an unknown reason")
