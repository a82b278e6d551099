"""Where templates and static files live: inside the installed package (wheel) or beside it (source checkout)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _locate(name: str) -> Path:
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


TEMPLATES_DIR = _locate("templates")
STATIC_DIR = _locate("static")
