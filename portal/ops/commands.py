"""`portal backup FILE` and `portal restore FILE`: the embedded mode's database and secret key in one archive."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers) -> None:
    """Add the backup commands to the `portal` CLI."""
    backup = subparsers.add_parser(
        "backup", help="copy the SQLite database (while the portal serves) and the secret key into one archive",
        description="A consistent copy through SQLite's online backup API, the secret key and a manifest with "
                    "checksums, in one .tar.gz (mode 0600: it holds the secret key). For PostgreSQL use pg_dump "
                    "(docs/deploy.md).")
    backup.add_argument("file", metavar="FILE", help="the archive to write, e.g. portal-2026-12-31.tar.gz")
    backup.set_defaults(func=cmd_backup)
    restore = subparsers.add_parser(
        "restore", help="put a backup archive back (the portal must be stopped); the current files are kept aside",
        description="Checks the archive first (checksums, integrity, migrations), refuses while a portal serves "
                    "from this var folder, then moves the current database and secret key aside "
                    "(NAME.before-restore-TIME) and puts the archive's in place.")
    restore.add_argument("file", metavar="FILE")
    restore.set_defaults(func=cmd_restore)


def cmd_backup(args: argparse.Namespace) -> int:
    from portal.ops.backup import BackupError, backup
    from portal.settings import Settings

    try:
        summary = backup(Settings.from_env(), Path(args.file))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    manifest = summary.manifest
    tables = manifest["database"]["tables"]
    print(f"backup written: {summary.path}")
    print(f"  database as of {manifest['snapshot_at']}: {len(tables)} tables, "
          f"{tables.get('survey_response', 0)} survey answers, {tables.get('complaint', 0)} complaints, "
          f"{sum(manifest['uploads'].values())} uploaded files")
    print("  with the secret key: keep this file as safe as the key itself")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from portal.ops.backup import BackupError, restore
    from portal.settings import Settings

    try:
        summary = restore(Settings.from_env(), Path(args.file))
    except BackupError as exc:
        print(f"error: {exc}; nothing was changed", file=sys.stderr)
        return 2
    manifest = summary.manifest
    tables = manifest["database"]["tables"]
    print(f"restored the backup of {manifest['snapshot_at']} (release {manifest['portal_version']}): "
          f"{tables.get('survey_response', 0)} survey answers, {tables.get('complaint', 0)} complaints")
    for path in summary.moved_aside:
        print(f"  the previous file is kept as {path}")
    if summary.sessions_cleared:
        print(f"  {summary.sessions_cleared} staff sessions ended: staff sign in again")
    if summary.secret_differs_from_environment:
        print("  warning: PORTAL_SECRET_KEY is set and differs from the backup's key, and it wins: put the "
              "backup's key (now in the var folder's secret_key) into PORTAL_SECRET_KEY, or ticket QR codes "
              "already issued stop working")
    if summary.pending_migrations:
        print(f"  next: `portal migrate` ({len(summary.pending_migrations)} newer migrations), then start the portal")
    else:
        print("  next: start the portal and check /readyz")
    return 0
