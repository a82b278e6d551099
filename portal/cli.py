"""The `portal` command: serve, migrate, createuser, plus the commands each capability registers (demo, ikm, ...)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from portal.catalog import commands as catalog_commands
from portal.complaints import commands as complaints_commands
from portal.demo import commands as demo_commands
from portal.feedback import commands as feedback_commands
from portal.insight import commands as insight_commands
from portal.kiosk import commands as kiosk_commands
from portal.measure import commands as measure_commands
from portal.ops import commands as ops_commands
from portal.settings import Settings
from portal.staffing import commands as staffing_commands

T = TypeVar("T")

#: Modules with `register(subparsers)` adding their commands, in this order.
COMMAND_MODULES = (measure_commands, demo_commands, catalog_commands, feedback_commands, insight_commands,
                   complaints_commands, kiosk_commands, staffing_commands,
                   ops_commands)


def run_with_db(work: Callable[[Settings], Awaitable[T]], settings: Settings | None = None) -> T:
    """Run `work(settings)` with the engine configured, started and stopped around it."""
    from portal.db import engine as db

    settings = settings or Settings.from_env()

    async def main() -> T:
        previous = db._current
        engine = db.configure(settings)
        await db.start(engine)
        try:
            return await work(settings)
        finally:
            await db.stop(engine)
            if previous is not None:  # an app in this process keeps its own engine (tests call main())
                db._current = db.bind(previous)

    return asyncio.run(main())


async def apply_migrations(settings: Settings) -> list[str]:
    from portal.db.engine import current_engine
    from portal.db.migrate import migrate

    return await migrate(current_engine())


def cmd_migrate(args: argparse.Namespace) -> int:
    applied = run_with_db(apply_migrations)
    print("applied: " + ", ".join(applied) if applied else "database is up to date")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    # The flags win over PORTAL_HOST/PORTAL_PORT and feed the default public URL (QR codes, posters, tickets,
    # API urls) in this process and in every worker, which each build their settings from the environment.
    if args.host:
        os.environ["PORTAL_HOST"] = args.host
    if args.port:
        os.environ["PORTAL_PORT"] = str(args.port)
    settings = Settings.from_env()
    from portal.ops import logs, metrics

    logs.configure(settings, args.log_level)
    say = logging.getLogger("portal").info if settings.log_format == "json" else print  # json: every line a record
    if settings.is_sqlite or args.demo:
        applied = run_with_db(apply_migrations, settings)
        if applied:
            say("applied migrations: " + ", ".join(applied))
    if args.demo:
        from portal.demo.seed import seed_demo

        run_with_db(lambda s: seed_demo(secret_key=s.secret_key), settings)
    host, port = settings.host, settings.port
    workers = args.workers or settings.workers
    if workers > 1 and (settings.is_sqlite or not settings.redis_url):
        print("several workers need PORTAL_DATABASE_URL (PostgreSQL) and PORTAL_REDIS_URL", file=sys.stderr)
        return 2
    if workers > 1:  # prometheus-client's multiprocess mode: each worker writes its values under var/metrics
        metrics.prepare_multiprocess(metrics.multiprocess_dir() or settings.var_dir / "metrics")
    say(f"Portal at http://{host}:{port}  (public URL {settings.public_url})")
    sys.stdout.flush()
    uvicorn.run("portal.app:create_app", factory=True, host=host, port=port, workers=workers,
                proxy_headers=False, log_level=args.log_level, access_log=False,
                log_config=logs.uvicorn_config(settings, args.log_level))
    return 0


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            raise ValueError("the passwords differ")
    if len(password) < 10:
        raise ValueError("the password needs at least 10 characters")
    return password


def cmd_createuser(args: argparse.Namespace) -> int:
    from portal.accounts.passwords import hash_password
    from portal.accounts.services import create_or_reset_user as create_user

    try:
        password = _read_password(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    async def work(settings: Settings) -> int:
        return await create_user(args.name, await hash_password(password), args.role, args.unit or [],
                                 display_name=args.display_name or "")

    try:
        user_id = run_with_db(work)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"user {args.name} (id {user_id}, role {args.role}) saved")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from portal.db.tables import ROLES

    parser = argparse.ArgumentParser(prog="portal", description="Public service portal: standards, surveys, IKM.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="start the web server (applies migrations first on SQLite)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--demo", action="store_true", help="seed the demo data first (idempotent)")
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(func=cmd_migrate)

    createuser = sub.add_parser("createuser", help="create or update a staff account")
    createuser.add_argument("name")
    createuser.add_argument("--role", required=True, choices=ROLES)
    createuser.add_argument("--unit", action="append", metavar="SLUG", help="unit slug (repeatable)")
    createuser.add_argument("--display-name")
    createuser.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    createuser.set_defaults(func=cmd_createuser)

    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
