"""`portal kiosk add --counter CODE` as a user runs it: the real CLI in a subprocess on its own embedded database."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SEED = textwrap.dedent("""
    from portal.cli import apply_migrations, run_with_db
    from tests.factories import make_counter, make_service, make_unit

    async def work(settings):
        await apply_migrations(settings)
        unit = await make_unit(name="Kecamatan CLI")
        service = await make_service(unit, name="Surat Pengantar")
        await make_counter(unit, [service], code="KCLI1", name="Loket 1")

    run_with_db(work)
""")

HASHES = textwrap.dedent("""
    from portal.cli import run_with_db
    from portal.db.tables_kiosk import Kiosk

    async def work(settings):
        for row in await Kiosk.select(Kiosk.pairing_hash, Kiosk.token_hash, Kiosk.label).run():
            print(row["pairing_hash"], row["token_hash"], row["label"])

    run_with_db(work)
""")


def test_kiosk_add_prints_a_one_time_pairing_link_whose_hash_alone_is_stored(tmp_path):
    env = {**os.environ, "PORTAL_VAR_DIR": str(tmp_path), "PORTAL_SECRET_KEY": "cli-kiosk-key-0123456789",
           "PORTAL_PUBLIC_URL": "https://layanan.kiosk.test"}
    for name in ("PORTAL_DATABASE_URL", "PORTAL_REDIS_URL"):
        env.pop(name, None)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=60)

    assert run(sys.executable, "-c", SEED).returncode == 0
    added = run(sys.executable, "-m", "portal", "kiosk", "add", "--counter", "kcli1", "--label", "exit", "--no-qr")
    assert added.returncode == 0, added.stderr
    link = added.stdout.strip().splitlines()[-1]
    assert link.startswith("https://layanan.kiosk.test/kiosk/pair/")
    code = link.rsplit("/", 1)[1]
    stored = run(sys.executable, "-c", HASHES).stdout.split()
    assert stored == [hashlib.sha256(code.encode()).hexdigest(), "None", "exit"]
    unknown = run(sys.executable, "-m", "portal", "kiosk", "add", "--counter", "NOPE9")
    assert unknown.returncode == 2 and "no active counter" in unknown.stderr


def test_kiosk_add_says_when_the_link_guesses_the_address_and_takes_public_url(tmp_path):
    """Without PORTAL_PUBLIC_URL the link names this machine and port 8000: the command says so on stderr, and
    --public-url gives the address the tablets really reach (issue 26)."""
    env = {**os.environ, "PORTAL_VAR_DIR": str(tmp_path), "PORTAL_SECRET_KEY": "cli-kiosk-key-0123456789"}
    for name in ("PORTAL_DATABASE_URL", "PORTAL_REDIS_URL", "PORTAL_PUBLIC_URL", "PORTAL_PORT", "PORTAL_HOST"):
        env.pop(name, None)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=60)

    assert run(sys.executable, "-c", SEED).returncode == 0
    guessed = run(sys.executable, "-m", "portal", "kiosk", "add", "--counter", "KCLI1", "--no-qr")
    assert guessed.returncode == 0, guessed.stderr
    assert guessed.stdout.strip().splitlines()[-1].startswith("http://") and ":8000/kiosk/pair/" in guessed.stdout
    assert "PORTAL_PUBLIC_URL is not set" in guessed.stderr and "--public-url" in guessed.stderr
    given = run(sys.executable, "-m", "portal", "kiosk", "add", "--counter", "KCLI1", "--no-qr",
                "--public-url", "https://layanan.kupang.test/")
    assert given.returncode == 0, given.stderr
    assert given.stdout.strip().splitlines()[-1].startswith("https://layanan.kupang.test/kiosk/pair/")
    assert "not set" not in given.stderr
    bad = run(sys.executable, "-m", "portal", "kiosk", "add", "--counter", "KCLI1", "--public-url", "layanan")
    assert bad.returncode == 2 and "--public-url" in bad.stderr
