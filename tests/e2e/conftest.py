"""Fixtures of the browser suite: the one portal serving every browser walk's scene (see tests/e2e/support.py)."""

from __future__ import annotations

import pytest

from tests.e2e.support import portal_server, seed_scenes


@pytest.fixture(scope="session")
def scenes(tmp_path_factory):
    """One SQLite portal on a free port for the whole session, seeded with each walk's own scene
    (support.SCENES_SEED); test modules take their scene with support.scene(scenes, name)."""
    with portal_server(tmp_path_factory.mktemp("e2e-scenes"), public_url=True, log_level="info",
                       seed=seed_scenes) as server:
        yield server
