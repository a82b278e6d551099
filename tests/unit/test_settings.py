"""Settings: every environment variable is documented in the README; defaults are sane."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.settings import ENVIRONMENT, Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text()
    missing = [name for name in ENVIRONMENT if f"`{name}`" not in text]
    assert not missing, f"undocumented settings: {missing}"


def test_defaults(tmp_path):
    settings = Settings.from_env({"PORTAL_VAR_DIR": str(tmp_path)})
    assert settings.is_sqlite and settings.sqlite_path == tmp_path / "portal.sqlite3"
    assert settings.redis_url is None
    assert settings.default_language == "id"
    assert len(settings.secret_key) == 64
    assert Settings.from_env({"PORTAL_VAR_DIR": str(tmp_path)}).secret_key == settings.secret_key


def test_bad_values_are_refused(tmp_path):
    with pytest.raises(ValueError):
        Settings.from_env({"PORTAL_VAR_DIR": str(tmp_path), "PORTAL_DEFAULT_LANGUAGE": "fr"})
    with pytest.raises(ValueError):
        Settings.from_env({"PORTAL_VAR_DIR": str(tmp_path), "PORTAL_DATABASE_URL": "mysql://x"})
