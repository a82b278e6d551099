"""`portal export-complaints` (a unit's register as CSV for reporting upward, through the spreadsheet-safe writer of
portal.exports) and `portal purge-contacts`."""

from __future__ import annotations

import argparse
import sys
from datetime import date

EXPORT_COLUMNS = ("code", "received_day", "channel", "lapor_number", "service", "category", "description",
                  "happened_on", "amount", "status", "severity", "deadline_days", "deadline", "answered_day",
                  "on_time", "answer", "reject_reason", "forwarded_from", "nonconformity")


def register(subparsers) -> None:
    """Add the complaints commands to the `portal` CLI."""
    e = subparsers.add_parser("export-complaints", help="export a unit's complaint register as CSV",
                              description="One row per complaint received on unit-local days FROM..TO (inclusive). "
                                          "Contact data is left out unless --with-contact is given together with "
                                          "--admin NAME (an active admin account); that export is audited.")
    e.add_argument("--unit", required=True, metavar="SLUG")
    e.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    e.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    e.add_argument("--with-contact", action="store_true", help="include the contact column (admins only)")
    e.add_argument("--admin", metavar="NAME", help="the admin account answering for a --with-contact export")
    e.add_argument("file", metavar="FILE.csv")
    e.set_defaults(func=cmd_export)

    p = subparsers.add_parser("purge-contacts", help="erase contact data of complaints closed long enough ago",
                              description="Erase the phone or e-mail of every complaint closed (or rejected) more "
                                          "than its unit's retention ago (default 180 days). Safe to run at any "
                                          "time; the background refresher runs it too.")
    p.set_defaults(func=cmd_purge)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise SystemExit(f"error: not a date (YYYY-MM-DD): {text}") from exc


def cmd_export(args: argparse.Namespace) -> int:
    from portal.cli import run_with_db

    date_from, date_to = _date(args.date_from), _date(args.date_to)
    if date_from > date_to:
        print("error: --from is after --to", file=sys.stderr)
        return 2
    if args.with_contact and not args.admin:
        print("error: --with-contact needs --admin NAME (an active admin account)", file=sys.stderr)
        return 2

    async def work(settings) -> int | str:
        from portal.accounts import audit
        from portal.accounts.auth import CurrentUser
        from portal.accounts.queries import user_by_name
        from portal.complaints import codes, queries
        from portal.db.tables import Service
        from portal.exports import csv_writer

        unit = await queries.unit_by_slug(args.unit)
        if unit is None:
            return f"unknown unit: {args.unit}"
        actor = None
        if args.with_contact:
            user = await user_by_name(args.admin)
            if user is None or not user["active"] or user["role"] != "admin":
                return f"not an active admin account: {args.admin}"
            actor = CurrentUser(user["id"], user["username"], user["display_name"] or user["username"], "admin",
                                frozenset())
        rows = await queries.export_rows(unit["id"], date_from, date_to, args.with_contact)
        services = {s["id"]: s["slug"] for s in await Service.select(Service.id, Service.slug).run()}
        units = {u["id"]: u["slug"] for u in await queries.units(None)}
        columns = EXPORT_COLUMNS + (("contact",) if args.with_contact else ())
        with open(args.file, "w", newline="", encoding="utf-8") as f:
            writer = csv_writer(f)  # text from citizens and staff never becomes a live formula
            writer.writerow(columns)
            for r in rows:
                on_time = "" if r["answered_day"] is None else int(r["answered_day"] <= r["deadline"])
                values = {**r, "code": codes.display(r["code"]), "service": services.get(r["service"], ""),
                          "on_time": on_time, "forwarded_from": units.get(r["first_unit"], "") if r["first_unit"] else "",
                          "lapor_number": r["lapor_number"] or "", "nonconformity": r["nonconformity"] or ""}
                writer.writerow(["" if values.get(c) is None else values.get(c) for c in columns])
        if actor is not None:
            await audit.record(actor, "complaints_contacts_exported", "complaint", None, unit_id=unit["id"],
                               note=f"{len(rows)} complaints {date_from}..{date_to}")
        return len(rows)

    result = run_with_db(work)
    if isinstance(result, str):
        print(f"error: {result}", file=sys.stderr)
        return 2
    print(f"wrote {result} complaints to {args.file}" + (" (with contact data)" if args.with_contact else ""))
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from portal.cli import run_with_db
    from portal.complaints.services import purge_expired_contacts

    erased = run_with_db(lambda settings: purge_expired_contacts())
    print(f"erased the contact data of {erased} complaints")
    return 0
