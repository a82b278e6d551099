"""Shared pieces of the browser suite: the demo portal served on its own port, chromium, axe-core, the page list.

The demo portal is seeded small (`portal demo --scale 0.12`), reviewed once (`portal review`, so corrective
actions exist) and served with `portal serve --port P` and NO PORTAL_PUBLIC_URL / PORTAL_PORT, so the public URL
in QR codes must come from the --port flag.

axe-core is fetched from the npm registry (a pinned version, checked against its published sha512) into
.cache/axe-core/ the first time; `npm pack` is used when npm is installed, otherwise the registry's tarball URL.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

AXE_VERSION = "4.14.1"
AXE_SHA512 = "FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
AXE_DIR = REPO / ".cache" / "axe-core"

ACCOUNTS = {  # the demo's printed accounts (DEMO PASSWORDS)
    "admin": ("admin", "demo-admin-2026"),
    "head": ("kadis.dukcapil", "demo-kepala-2026"),
    "manager": ("manajer.rsud", "demo-manajer-2026"),
    "officer": ("petugas.dukcapil", "demo-petugas-2026"),
}


def axe_source() -> str:
    """The text of axe.min.js (pinned, integrity-checked), fetched from the npm registry once."""
    target = AXE_DIR / AXE_VERSION / "axe.min.js"
    if target.is_file():
        return target.read_text()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tgz = Path(tmp) / f"axe-core-{AXE_VERSION}.tgz"
        npm = shutil.which("npm")
        if npm:
            subprocess.run([npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", tmp, "--silent"],
                           check=True, capture_output=True, timeout=180)
        else:
            url = f"https://registry.npmjs.org/axe-core/-/axe-core-{AXE_VERSION}.tgz"
            with urllib.request.urlopen(url, timeout=60) as r:  # noqa: S310 - a fixed https URL
                tgz.write_bytes(r.read())
        blob = tgz.read_bytes()
        digest = base64.b64encode(hashlib.sha512(blob).digest()).decode()
        if digest != AXE_SHA512:
            raise RuntimeError(f"axe-core {AXE_VERSION}: integrity mismatch")
        with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
            member = tar.extractfile("package/axe.min.js")
            assert member is not None
            target.write_bytes(member.read())
    return target.read_text()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def portal_env(var_dir: Path) -> dict[str, str]:
    env = {**os.environ, "PORTAL_VAR_DIR": str(var_dir), "PORTAL_SECRET_KEY": "e2e-field-quality-0123456789"}
    for name in ("PORTAL_DATABASE_URL", "PORTAL_REDIS_URL", "PORTAL_PUBLIC_URL", "PORTAL_PORT", "PORTAL_HOST"):
        env.pop(name, None)  # an embedded SQLite portal whose public URL comes from --port alone
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_portal(env: dict[str, str], *args: str, timeout: int = 300) -> str:
    done = subprocess.run([sys.executable, "-m", "portal", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"portal {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "portal", "serve", "--port", str(port), "--log-level",
                                "warning"], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the portal did not start: " + process.stdout.read().decode(errors="replace"))


def login(page, base: str, role: str) -> None:
    username, password = ACCOUNTS[role]
    page.goto(f"{base}/login?lang=id")
    page.fill("#username", username)
    page.fill("#password", password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
