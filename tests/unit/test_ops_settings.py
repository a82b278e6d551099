"""The operations settings: log format and who may read /metrics are checked at start-up."""

from __future__ import annotations

import pytest

from portal.settings import Settings


def settings(tmp_path, **env: str) -> Settings:
    return Settings.from_env({"PORTAL_VAR_DIR": str(tmp_path), "PORTAL_SECRET_KEY": "k" * 32, **env})


def test_defaults_are_text_logs_and_loopback_metrics_without_a_token(tmp_path):
    s = settings(tmp_path)
    assert s.log_format == "text" and s.metrics_token is None and s.metrics_allow == ("127.0.0.1", "::1")


def test_values_are_read_and_an_empty_allow_list_means_token_only(tmp_path):
    s = settings(tmp_path, PORTAL_LOG_FORMAT="JSON", PORTAL_METRICS_TOKEN="t0ken",
                 PORTAL_METRICS_ALLOW=" 10.0.0.0/8, 192.0.2.7 ")
    assert s.log_format == "json" and s.metrics_token == "t0ken" and s.metrics_allow == ("10.0.0.0/8", "192.0.2.7")
    assert settings(tmp_path, PORTAL_METRICS_ALLOW="").metrics_allow == ()


@pytest.mark.parametrize(("name", "value", "message"), [
    ("PORTAL_LOG_FORMAT", "xml", "PORTAL_LOG_FORMAT must be one of text, json"),
    ("PORTAL_METRICS_ALLOW", "127.0.0.1,prometheus.local", "'prometheus.local' is not an address or a network"),
])
def test_bad_values_are_refused_at_start_up(tmp_path, name, value, message):
    with pytest.raises(ValueError, match=message):
        settings(tmp_path, **{name: value})
