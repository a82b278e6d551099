"""Fixtures of the browser suite: the one portal serving every browser walk's scene (see tests/e2e/support.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.clock import suite_today
from tests.e2e.support import portal_server, seed_scenes


@pytest.fixture(scope="session", autouse=True)
def browsers_on_the_suites_day():
    """With PORTAL_TEST_TODAY set, every browser context starts its clock (Date, timers) on the suite's day and
    lets it run, like the portals the tests serve (tests/clock.py): a kiosk's answers are stamped that day."""
    if suite_today() is None:
        yield
        return
    from playwright.sync_api import Browser

    original = Browser.new_context

    def new_context(self, *args, **kwargs):
        context = original(self, *args, **kwargs)
        context.clock.install(time=datetime.now(UTC))  # the moved clock of this process
        return context

    Browser.new_context = new_context  # type: ignore[method-assign]
    yield
    Browser.new_context = original  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def scenes(tmp_path_factory):
    """One SQLite portal on a free port for the whole session, seeded with each walk's own scene
    (support.SCENES_SEED); test modules take their scene with support.scene(scenes, name)."""
    with portal_server(tmp_path_factory.mktemp("e2e-scenes"), public_url=True, log_level="info",
                       seed=seed_scenes) as server:
        yield server
