"""The deployment files in docs/deploy/ say what docs/deploy.md says, and name only real commands and settings."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from portal.cli import build_parser
from portal.settings import ENVIRONMENT, Settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "docs" / "deploy"
GUIDE = (REPO / "docs" / "deploy.md").read_text()


def test_the_guide_shows_the_files_as_they_are():
    for name in ("portal.service", "nginx-portal.conf"):
        assert (DEPLOY / name).read_text().strip() in GUIDE, f"docs/deploy.md no longer shows docs/deploy/{name}"


def test_the_unit_runs_real_portal_commands():
    unit = (DEPLOY / "portal.service").read_text()
    commands = re.findall(r"^Exec(?:StartPre|Start)=(\S*/portal)\s*(.*)$", unit, flags=re.M)
    assert [args for _path, args in commands] == ["migrate", "serve"]
    for _path, args in commands:
        build_parser().parse_args(shlex.split(args))  # exits (SystemExit) on an unknown command or option
    assert "/readyz" in unit and "EnvironmentFile=/etc/portal/portal.env" in unit


def test_the_environment_file_names_only_real_settings_and_they_parse(tmp_path):
    lines = [line.split("=", 1) for line in (DEPLOY / "portal.env").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    names = [name for name, _value in lines]
    assert set(names) <= set(ENVIRONMENT), set(names) - set(ENVIRONMENT)
    settings = Settings.from_env({**dict(lines), "PORTAL_VAR_DIR": str(tmp_path)})
    assert settings.log_format == "json" and settings.metrics_token and settings.workers == 4


def test_the_docs_name_only_real_settings():
    readme = (REPO / "README.md").read_text()
    for text in (GUIDE, readme, (DEPLOY / "portal.service").read_text()):
        named = {name for name in re.findall(r"\bPORTAL_[A-Z_]+[A-Z]\b", text)
                 if not name.startswith("PORTAL_TEST_")}  # the test suite's clock (tests/clock.py), not a setting
        assert named <= set(ENVIRONMENT), named - set(ENVIRONMENT)
