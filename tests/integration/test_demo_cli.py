"""`portal demo` through the CLI on a fresh SQLite file: seeds once, the second run changes nothing and says so."""

from __future__ import annotations

import sqlite3

import pytest

from portal.cli import main
from portal.db import engine as db


@pytest.fixture(autouse=True)
def keep_session_engine():
    """`portal demo` binds every table to its own engine: give the session's engine back afterwards."""
    try:
        previous = db.current_engine()
    except RuntimeError:
        previous = None
    yield
    if previous is not None:
        db.bind(previous)
        db._current = previous


def test_portal_demo_cli_is_idempotent(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PORTAL_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    monkeypatch.delenv("PORTAL_REDIS_URL", raising=False)
    assert main(["demo", "--months", "1", "--scale", "0.05"]) == 0
    first = capsys.readouterr().out
    assert "visits…" in first and "admin" in first and "DEMO PASSWORDS" in first
    db = tmp_path / "portal.sqlite3"
    with sqlite3.connect(db) as conn:
        visits = conn.execute("select count(*) from visit").fetchone()[0]
        services = conn.execute("select count(*) from service").fetchone()[0]
    assert visits > 100 and services >= 12
    assert main(["demo", "--months", "1", "--scale", "0.05"]) == 0
    second = capsys.readouterr().out
    assert "nothing changed" in second
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from visit").fetchone()[0] == visits


def test_portal_demo_cli_rejects_bad_arguments(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PORTAL_VAR_DIR", str(tmp_path))
    assert main(["demo", "--months", "0"]) == 2
    assert "error" in capsys.readouterr().out
