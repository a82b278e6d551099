"""Backup and restore of the embedded mode: one archive with the SQLite database, the secret key and a manifest.

`backup` copies the database while the portal serves, with SQLite's online backup API in a single step: the copy
is the database as it was when the step began (WAL mode lets the server go on writing meanwhile), including
every answer acknowledged before then. The uploaded files (complaint receipt photos, diagnostic evidence) are rows
of the database (complaint_photo, diagnostic_evidence), so they travel with it; the manifest counts them. Staff
sessions (<var>/sessions) are left out: they expire within hours and a restored portal signs everyone in again.

`restore` checks the whole archive first (every member's size and SHA-256, the copy's integrity check, migrations
this release knows, the row counts of the manifest) and refuses while a portal serves from the folder (the
serving lock, portal.ops.serving) or a command writes to its database. It then moves the current database and
secret key aside (NAME.before-restore-<time>; nothing is deleted) and puts the archive's in their place.

The archive is a gzip'd tar, written with mode 0600 (it holds the secret key): manifest.json, portal.sqlite3,
secret_key. PostgreSQL is backed up with pg_dump (docs/deploy.md, "Backups"): these commands refuse it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portal import __version__
from portal.db.migrate import migration_names
from portal.ops import serving
from portal.settings import Settings
from portal.timeutil import utcnow

FORMAT = "portal-backup"
FORMAT_VERSION = 1
DATABASE = "portal.sqlite3"
SECRET = "secret_key"
MANIFEST = "manifest.json"
MEMBERS = (MANIFEST, DATABASE, SECRET)
#: Tables holding uploaded files, counted in the manifest.
UPLOAD_TABLES = ("complaint_photo", "diagnostic_evidence")
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore refused, with the reason for the operator."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    manifest: dict[str, Any]


@dataclass(frozen=True)
class RestoreSummary:
    manifest: dict[str, Any]
    moved_aside: list[Path]
    pending_migrations: list[str]
    sessions_cleared: int
    secret_differs_from_environment: bool


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _embedded(settings: Settings, action: str) -> Path:
    if not settings.is_sqlite:
        tool = "pg_dump" if action == "backup" else "pg_restore"
        raise BackupError(f"the database is PostgreSQL: use {tool} for it (docs/deploy.md, Backups) and keep "
                          "PORTAL_SECRET_KEY with the dump; `portal {action}` is for the embedded SQLite mode")
    return settings.sqlite_path


def describe(db_path: Path) -> dict[str, Any]:
    """Migrations applied and rows per table of a database file (read only)."""
    connection = sqlite3.connect(db_path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        check = connection.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the database copy fails SQLite's integrity check: {check}")
        tables = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = {name: connection.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in tables}
        migrations = [row[0] for row in connection.execute("SELECT name FROM portal_migration ORDER BY name")] \
            if "portal_migration" in counts else []
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the database copy cannot be read: {exc}") from None
    finally:
        connection.close()
    return {"migrations": migrations, "tables": counts}


def backup(settings: Settings, target: Path) -> BackupSummary:
    """Write the archive to `target` (refusing to overwrite a file)."""
    source = _embedded(settings, "backup")
    if not source.is_file():
        raise BackupError(f"there is no database at {source}")
    target = target.resolve()
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    with tempfile.TemporaryDirectory(prefix=".portal-backup-", dir=target.parent) as tmp:
        copy = Path(tmp) / DATABASE
        snapshot_at = utcnow()
        src = sqlite3.connect(source, timeout=30)
        dst = sqlite3.connect(copy)
        try:
            src.backup(dst)  # one step: a consistent snapshot while the server goes on writing (WAL)
            dst.execute("PRAGMA journal_mode=DELETE")  # the copy is one self-contained file
        finally:
            dst.close()
            src.close()
        secret = Path(tmp) / SECRET
        secret.write_text(settings.secret_key)
        database = describe(copy)
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "portal_version": __version__,
            "created_at": utcnow().isoformat(), "snapshot_at": snapshot_at.isoformat(),
            "database": {"engine": "sqlite", **database},
            "uploads": {table: database["tables"].get(table, 0) for table in UPLOAD_TABLES},
            "secret_key_source": "PORTAL_SECRET_KEY" if os.environ.get("PORTAL_SECRET_KEY") else "var/secret_key",
            "files": {name: {"size": (Path(tmp) / name).stat().st_size, "sha256": _sha256(Path(tmp) / name)}
                      for name in (DATABASE, SECRET)},
        }
        partial = target.with_name(target.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                body = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(body), 0o600, int(snapshot_at.timestamp())
                tar.addfile(info, io.BytesIO(body))
                for name in (DATABASE, SECRET):
                    tar.add(Path(tmp) / name, arcname=name, filter=_private)
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupSummary(target, manifest)


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    return info


def verify(archive: Path, workdir: Path) -> dict[str, Any]:
    """Check the archive and extract its files into `workdir`; the manifest, or BackupError saying what is wrong."""
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file")
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            members = {m.name: m for m in tar.getmembers()}
            strange = sorted(set(members) - set(MEMBERS))
            if strange or MANIFEST not in members:
                raise BackupError(f"{archive} is not a portal backup (members: {', '.join(sorted(members))})")
            manifest = _manifest(tar, members[MANIFEST])
            for name, expected in manifest["files"].items():
                member = members.get(name)
                if member is None or not member.isfile():
                    raise BackupError(f"the archive lacks {name}")
                _extract(tar, member, workdir / name, expected)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{archive} cannot be read as a backup archive: {exc}") from None
    database = describe(workdir / DATABASE)
    known = set(migration_names())
    newer = sorted(set(database["migrations"]) - known)
    if newer:
        raise BackupError("the backup was made by a newer release (its database has migrations this release does "
                          f"not know: {', '.join(newer)}): install that release, or a later one, to restore it")
    if database["tables"] != manifest["database"]["tables"]:
        raise BackupError("the database in the archive does not hold the rows its manifest lists")
    return manifest


def _manifest(tar: tarfile.TarFile, member: tarfile.TarInfo) -> dict[str, Any]:
    f = tar.extractfile(member)
    try:
        manifest = json.loads(f.read(1 << 20)) if f is not None else None
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("the archive's manifest is missing or not a portal backup's")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"the archive's format version {manifest.get('format_version')!r} is not one this "
                          f"release reads ({FORMAT_VERSION})")
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != {DATABASE, SECRET}:
        raise BackupError("the archive's manifest does not list the database and the secret key")
    return manifest


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path, expected: dict[str, Any]) -> None:
    source = tar.extractfile(member)
    assert source is not None  # a regular file (checked by the caller)
    digest, size = hashlib.sha256(), 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if size != expected.get("size") or digest.hexdigest() != expected.get("sha256"):
        raise BackupError(f"{member.name} in the archive does not match its checksum: the archive is damaged")


def _database_idle(db_path: Path) -> None:
    """Refuse when another process (a `portal` command) is writing to the current database."""
    if not db_path.exists():
        return
    connection = sqlite3.connect(db_path, timeout=0)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        raise BackupError(f"another process is writing to {db_path} ({exc}): stop it first") from None
    finally:
        connection.close()


def restore(settings: Settings, archive: Path) -> RestoreSummary:
    """Check the archive, then put its database and secret key in place of the current ones (see the module)."""
    db_path = _embedded(settings, "restore")
    var_dir = settings.var_dir
    lock = serving.stopped(var_dir)
    try:
        lock.acquire()
    except serving.LockBusy:
        raise BackupError(f"the portal is running from {var_dir} (a process holds {lock.path}): stop it first, "
                          "e.g. `systemctl stop portal`, then restore") from None
    try:
        with tempfile.TemporaryDirectory(prefix=".portal-restore-", dir=db_path.parent) as tmp:
            manifest = verify(archive.resolve(), Path(tmp))
            _database_idle(db_path)
            stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
            moved = []
            for current in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"), var_dir / SECRET):
                if current.exists():
                    aside = current.with_name(f"{current.name}.before-restore-{stamp}")
                    os.replace(current, aside)
                    moved.append(aside)
            os.replace(Path(tmp) / DATABASE, db_path)
            os.replace(Path(tmp) / SECRET, var_dir / SECRET)
            secret = (var_dir / SECRET).read_text().strip()
        cleared = _clear_sessions(var_dir / "sessions")
    finally:
        lock.release()
    environment_key = os.environ.get("PORTAL_SECRET_KEY")
    applied = set(manifest["database"]["migrations"])
    return RestoreSummary(
        manifest=manifest, moved_aside=moved, sessions_cleared=cleared,
        pending_migrations=[name for name in migration_names() if name not in applied],
        secret_differs_from_environment=bool(environment_key) and environment_key != secret,
    )


def _clear_sessions(folder: Path) -> int:
    """Staff sessions of the replaced database name users by id: none may outlive the restore."""
    if not folder.is_dir():
        return 0
    count = sum(1 for _ in folder.iterdir())
    shutil.rmtree(folder)
    return count
