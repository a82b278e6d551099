"""`portal unit-calendar`: a unit's working-day calendar settings (cuti bersama)."""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    """Add the catalog commands to the `portal` CLI."""
    c = subparsers.add_parser("unit-calendar", help="show or set whether a unit is closed on cuti bersama",
                              description="Working days skip weekends, national holidays, the unit's closures and, "
                                          "by default, cuti bersama (collective leave). A unit that stays open on "
                                          "cuti bersama sets --cuti-bersama open; its rollups are recomputed.")
    c.add_argument("--unit", required=True, metavar="SLUG")
    c.add_argument("--cuti-bersama", dest="cuti_bersama", choices=("closed", "open"),
                   help="closed: cuti bersama are non-working days (default); open: they are working days")
    c.set_defaults(func=cmd_unit_calendar)


def cmd_unit_calendar(args: argparse.Namespace) -> int:
    from portal.cli import run_with_db

    async def work(settings) -> dict | str:
        from portal.catalog.services import set_cuti_bersama
        from portal.db.tables import Unit
        from portal.errors import NotFound

        if args.cuti_bersama is None:
            unit = await Unit.select(Unit.slug, Unit.cuti_bersama).where(Unit.slug == args.unit).first().run()
            if unit is None:
                return f"unknown unit: {args.unit}"
            return {"unit": unit["slug"], "after": True if unit["cuti_bersama"] is None else bool(unit["cuti_bersama"])}
        try:
            return await set_cuti_bersama(args.unit, args.cuti_bersama == "closed")
        except NotFound:
            return f"unknown unit: {args.unit}"

    result = run_with_db(work)
    if isinstance(result, str):
        print(f"error: {result}", file=sys.stderr)
        return 2
    state = "closed (non-working days)" if result["after"] else "open (working days)"
    print(f"{result['unit']}: on cuti bersama {state}")
    if "before" in result and result["before"] != result["after"]:
        print(f"rebuilt rollups of {result['services']} services: {result['rows']} rows")
    return 0
