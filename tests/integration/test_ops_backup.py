"""`portal backup` while a real portal serves under a write load, and `portal restore` on a stopped one: every
answer acknowledged before the backup began is in the restored database (and nothing that was never sent), the
restored portal serves figures that agree with its rows, a backup taken once the load stopped holds every
acknowledged answer, a restore refuses while the portal serves, a damaged archive or one from a newer release is
refused with nothing changed, and the PostgreSQL mode is pointed at pg_dump."""

from __future__ import annotations

import sqlite3
import tarfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.integration.ops_support import answer_survey, cli, kiosk_batch, portal_env, scale_out, seed, served

embedded_only = pytest.mark.skipif(scale_out(), reason="portal backup is the embedded (SQLite) mode's; the "
                                                       "scale-out pass checks that it points at pg_dump instead")


class Load:
    """Citizens answering the survey (each its own forwarded address, a unique amount paid to recognise the
    answer) and a kiosk sending batches, until stopped; every acknowledged answer is kept with the time of its
    acknowledgement."""

    def __init__(self, base: str, scene: dict) -> None:
        self.base, self.scene = base, scene
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.web: dict[int, float] = {}  # amount_paid -> acknowledged at (monotonic)
        self.kiosk: dict[str, float] = {}  # item uuid -> acknowledged at
        self.sent_web: set[int] = set()
        self.sent_kiosk: set[str] = set()
        self.errors: list[str] = []
        self.threads = [threading.Thread(target=self._citizens, args=(n,), daemon=True) for n in range(2)]
        self.threads.append(threading.Thread(target=self._kiosk, daemon=True))

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def acknowledged(self) -> int:
        with self.lock:
            return len(self.web) + len(self.kiosk)

    def wait_for(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while self.acknowledged() < count and time.monotonic() < deadline and not self.errors:
            time.sleep(0.05)
        assert not self.errors, self.errors[:3]
        assert self.acknowledged() >= count, f"only {self.acknowledged()} answers acknowledged"

    def _citizens(self, worker: int) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            n = 0
            while not self.stop.is_set() and n < 2000:
                n += 1
                amount = 100_000 + worker * 10_000 + n
                headers = {"x-forwarded-for": f"198.51.{worker}.{n % 250 + 1}"}
                with self.lock:
                    self.sent_web.add(amount)
                try:
                    response = answer_survey(client, self.scene, headers=headers, amount_paid=str(amount))
                except (httpx.HTTPError, AssertionError) as exc:
                    self.errors.append(repr(exc))
                    return
                if response.status_code != 200 or "Terima kasih" not in response.text:
                    self.errors.append(f"survey answered {response.status_code}: {response.text[-300:]}")
                    return
                with self.lock:
                    self.web[amount] = time.monotonic()

    def _kiosk(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as client:
            for _ in range(2000):
                if self.stop.is_set():
                    return
                items = [{"id": str(uuid.uuid4()), "given_at": datetime.now(UTC).isoformat(), "u": [3, 4] * 4 + [3]}
                         for _ in range(5)]
                with self.lock:
                    self.sent_kiosk.update(item["id"] for item in items)
                try:
                    response = kiosk_batch(client, self.scene, items)
                except httpx.HTTPError as exc:
                    self.errors.append(repr(exc))
                    return
                if response.status_code != 200:
                    self.errors.append(f"kiosk batch answered {response.status_code}: {response.text[-300:]}")
                    return
                now = time.monotonic()
                with self.lock:
                    self.kiosk.update({r["id"]: now for r in response.json()["items"] if r["status"] == "stored"})


def stored(db: Path) -> tuple[set[int], set[str], int]:
    """(amounts paid of web answers, kiosk answer UUIDs, counted answers) in a database file."""
    with sqlite3.connect(db) as connection:
        amounts = {row[0] for row in connection.execute(
            "SELECT amount_paid FROM survey_response WHERE channel <> 'kiosk' AND amount_paid IS NOT NULL")}
        uuids = {row[0] for row in connection.execute("SELECT uuid FROM kiosk_answer")}
        counted = connection.execute("SELECT COUNT(*) FROM survey_response WHERE counted").fetchone()[0]
    return amounts, uuids, counted


@embedded_only
def test_a_backup_under_write_load_restores_every_acknowledged_answer(tmp_path):
    var, elsewhere = tmp_path / "var", tmp_path / "restored"
    under_load, quiet = tmp_path / "under-load.tar.gz", tmp_path / "quiet.tar.gz"
    with portal_env(var, PORTAL_TRUSTED_PROXIES="127.0.0.1") as env:
        scene = seed(env)
        with served(env) as server:
            with Load(server["base"], scene) as load:
                load.wait_for(30)
                began = time.monotonic()
                done = cli(env, "backup", str(under_load))
                assert "backup written" in done.stdout
                load.wait_for(load.acknowledged() + 20)  # the load went on during and after the backup
            assert not load.errors, load.errors[:3]
            cli(env, "backup", str(quiet))  # the portal still serves; nothing is being written now
            refused = cli(env, "restore", str(quiet), ok=False)
            assert refused.returncode == 2 and "the portal is running" in refused.stderr
            assert "nothing was changed" in refused.stderr
            assert not list(var.glob("*.before-restore-*"))
        # The backup taken under load: every answer acknowledged before it began, nothing never sent.
        with portal_env(elsewhere, PORTAL_REFRESH_SECONDS="1") as other:
            restored = cli(other, "restore", str(under_load))
            assert "restored the backup" in restored.stdout
            amounts, uuids, counted = stored(elsewhere / "portal.sqlite3")
            before_web = {a for a, at in load.web.items() if at < began}
            before_kiosk = {u for u, at in load.kiosk.items() if at < began}
            assert len(before_web) + len(before_kiosk) >= 30
            assert before_web <= amounts and before_kiosk <= uuids
            assert amounts <= load.sent_web and uuids <= load.sent_kiosk
            # The restored portal serves figures that agree with its rows (each answer came with its delta).
            other["PORTAL_SECRET_KEY"] = (elsewhere / "secret_key").read_text().strip()
            with served(other) as again:
                api = httpx.get(f"{again['base']}/api/v1/services/{scene['service']}/results", timeout=30)
                assert api.status_code == 200 and api.json()["satisfaction"]["n"] == counted
        # The quiet backup, restored in place on the stopped portal: every acknowledged answer.
        restored = cli(env, "restore", str(quiet))
        assert "the previous file is kept as" in restored.stdout
        assert len(list(var.glob("portal.sqlite3.before-restore-*"))) == 1
        amounts, uuids, _counted = stored(var / "portal.sqlite3")
        assert set(load.web) <= amounts and set(load.kiosk) <= uuids
        assert (var / "secret_key").read_text().strip() == env["PORTAL_SECRET_KEY"]


def _archive_with(tmp_path: Path, source: Path, name: str, change) -> Path:
    """A copy of the archive `source` with one member changed by `change(path)`, checksums left as they were."""
    work = tmp_path / f"work-{name}"
    work.mkdir()
    with tarfile.open(source, "r:gz") as tar:
        tar.extractall(work, filter="data")
    change(work)
    target = tmp_path / f"{name}.tar.gz"
    with tarfile.open(target, "w:gz") as tar:
        for member in ("manifest.json", "portal.sqlite3", "secret_key"):
            tar.add(work / member, arcname=member)
    return target


@embedded_only
def test_a_damaged_archive_or_one_from_a_newer_release_is_refused_and_nothing_changes(tmp_path):
    var = tmp_path / "var"
    with portal_env(var) as env:
        cli(env, "migrate")
        good = tmp_path / "good.tar.gz"
        cli(env, "backup", str(good))
        again = cli(env, "backup", str(good), ok=False)
        assert again.returncode == 2 and "already exists" in again.stderr
        before = (var / "portal.sqlite3").read_bytes()

        def flip_a_byte(work: Path) -> None:
            data = bytearray((work / "portal.sqlite3").read_bytes())
            data[len(data) // 2] ^= 0xFF
            (work / "portal.sqlite3").write_bytes(bytes(data))

        def newer_migration(work: Path) -> None:
            import hashlib
            import json

            db = work / "portal.sqlite3"
            with sqlite3.connect(db) as connection:
                connection.execute("INSERT INTO portal_migration (name, applied_at) VALUES ('m9999_future', 'x')")
            manifest = json.loads((work / "manifest.json").read_text())
            manifest["files"]["portal.sqlite3"] = {"size": db.stat().st_size,
                                                   "sha256": hashlib.sha256(db.read_bytes()).hexdigest()}
            manifest["database"]["tables"]["portal_migration"] += 1
            (work / "manifest.json").write_text(json.dumps(manifest))

        cases = {"checksum": (flip_a_byte, "does not match its checksum"),
                 "newer": (newer_migration, "made by a newer release")}
        for name, (change, message) in cases.items():
            refused = cli(env, "restore", str(_archive_with(tmp_path, good, name, change)), ok=False)
            assert refused.returncode == 2 and message in refused.stderr, refused.stderr
        not_an_archive = tmp_path / "notes.tar.gz"
        not_an_archive.write_bytes(b"just some bytes")
        refused = cli(env, "restore", str(not_an_archive), ok=False)
        assert refused.returncode == 2 and "cannot be read as a backup archive" in refused.stderr
        assert (var / "portal.sqlite3").read_bytes() == before
        assert not list(var.glob("*.before-restore-*"))


@pytest.mark.skipif(not scale_out(), reason="the PostgreSQL refusal is checked in the scale-out pass")
def test_postgresql_is_pointed_at_pg_dump(tmp_path):
    with portal_env(tmp_path) as env:
        refused = cli(env, "backup", str(tmp_path / "b.tar.gz"), ok=False)
        assert refused.returncode == 2 and "pg_dump" in refused.stderr
        refused = cli(env, "restore", str(tmp_path / "b.tar.gz"), ok=False)
        assert refused.returncode == 2 and "pg_restore" in refused.stderr

