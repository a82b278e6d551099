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


def test_port_and_host_feed_the_default_public_url(tmp_path):
    base = {"PORTAL_VAR_DIR": str(tmp_path), "PORTAL_SECRET_KEY": "k" * 32}
    assert Settings.from_env({**base, "PORTAL_PORT": "8311"}).public_url == "http://127.0.0.1:8311"
    assert Settings.from_env({**base, "PORTAL_HOST": "10.0.0.5", "PORTAL_PORT": "9000"}).public_url == \
        "http://10.0.0.5:9000"
    assert Settings.from_env({**base, "PORTAL_HOST": "0.0.0.0"}).public_url == "http://127.0.0.1:8000"
    assert Settings.from_env({**base, "PORTAL_PORT": "8311", "PORTAL_PUBLIC_URL": "https://x.go.id/"}).public_url \
        == "https://x.go.id"


def test_debug_is_off_unless_asked_for(tmp_path):
    base = {"PORTAL_VAR_DIR": str(tmp_path), "PORTAL_SECRET_KEY": "k" * 32}
    assert Settings.from_env(base).debug is False
    assert Settings.from_env({**base, "PORTAL_DEBUG": ""}).debug is False
    assert Settings.from_env({**base, "PORTAL_DEBUG": "0"}).debug is False
    assert Settings.from_env({**base, "PORTAL_DEBUG": "off"}).debug is False
    assert Settings.from_env({**base, "PORTAL_DEBUG": "1"}).debug is True
    assert Settings.from_env({**base, "PORTAL_DEBUG": " True "}).debug is True
    with pytest.raises(ValueError, match="PORTAL_DEBUG"):
        Settings.from_env({**base, "PORTAL_DEBUG": "maybe"})
