"""`portal demo`: apply migrations, then seed the demo city and its simulated months (idempotent; prints accounts)."""

from __future__ import annotations

import argparse

from portal.settings import Settings


def cmd_demo(args: argparse.Namespace) -> int:
    from portal.cli import apply_migrations, run_with_db
    from portal.demo.seed import seed_demo

    if args.months < 1 or args.scale <= 0:
        print("error: --months must be at least 1 and --scale above 0")
        return 2

    async def work(settings: Settings) -> dict:
        applied = await apply_migrations(settings)
        if applied:
            print("applied migrations: " + ", ".join(applied), flush=True)
        return await seed_demo(months=args.months, scale=args.scale, seed=args.seed, quiet=False,
                               secret_key=settings.secret_key)

    summary = run_with_db(work)
    if not summary["created"]:
        print("nothing changed (the demo data set exists; it is keyed on the government "
              f"slug {summary['government']!r})")
    return 0


def register(subparsers) -> None:
    demo = subparsers.add_parser("demo", help="seed the demo city with months of simulated visits (idempotent)")
    demo.add_argument("--months", type=int, default=6, help="months of history ending today (default 6)")
    demo.add_argument("--scale", type=float, default=1.0, help="visit volume factor (1.0 ≈ 50,000 visits)")
    demo.add_argument("--seed", type=int, default=2026, help="random seed of the simulation (default 2026)")
    demo.set_defaults(func=cmd_demo)
