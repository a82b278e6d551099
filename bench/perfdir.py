"""Where the shared benchmark instruments live (../shared/perf beside the checkout)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def perf_dir() -> Path:
    """PORTAL_PERF_DIR if set, else shared/perf beside this checkout, else beside the main checkout of a git
    worktree (a helper's worktree lives elsewhere than the checkout whose sibling holds shared/)."""
    if os.environ.get("PORTAL_PERF_DIR"):
        return Path(os.environ["PORTAL_PERF_DIR"])
    here = REPO.parent / "shared" / "perf"
    if here.is_dir():
        return here
    try:
        common = subprocess.run(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=REPO,
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return here
    return Path(common).parent.parent / "shared" / "perf"
