"""`portal rebuild-rollups`, `portal review` and `portal export-responses`: the insight commands."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from portal import exports

EXPORT_COLUMNS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "amount_paid", "extra_requirements",
                  "product_correct", "channel", "verified", "local_day", "counted", "count_reason")
EXPORT_CHUNK = 5000


def register(subparsers) -> None:
    """Add the insight commands to the `portal` CLI."""
    r = subparsers.add_parser("rebuild-rollups", help="recompute every per-service per-day rollup from raw rows",
                              description="Recompute the rollups (per service, counter and unit-local day) from "
                                          "the raw visits and responses. Safe to run at any time.")
    r.add_argument("--service", action="append", metavar="SLUG", help="only this service (repeatable)")
    r.set_defaults(func=cmd_rebuild)

    v = subparsers.add_parser("review", help="open nonconformities from the results of a closed period",
                              description="ISO 9001 10.2: open a nonconformity (idempotent) for each service whose "
                                          "closed period shows a time verdict below target, any overcharge, or "
                                          "IKM category C or D. Default: each unit's last closed quarter.")
    v.add_argument("--period", help="2026-Q3, 2026-S1, 2026-07 or 2026 (default: the last closed quarter)")
    v.add_argument("--unit", action="append", metavar="SLUG", help="only this unit (repeatable)")
    v.set_defaults(func=cmd_review)

    e = subparsers.add_parser("export-responses", help="export survey answers as CSV for `portal ikm`",
                              description="Write the responses of a service (or a unit, or a counter: the "
                                          "dashboard's filters) over unit-local days FROM..TO "
                                          "(inclusive): columns u1..u9 (blank = unanswered), amount_paid, "
                                          "extra_requirements, product_correct, channel, verified, local_day, counted (yes/no: "
                                          "whether the row counts in the published figures under the counting "
                                          "rule; `portal ikm` skips rows with counted = no) and count_reason. No "
                                          "comment text, profile or client hash is exported (no personal data).")
    which = e.add_mutually_exclusive_group(required=True)
    which.add_argument("--service", metavar="SLUG")
    which.add_argument("--unit", metavar="SLUG")
    which.add_argument("--counter", metavar="CODE")
    e.add_argument("--from", dest="date_from", required=True, metavar="YYYY-MM-DD")
    e.add_argument("--to", dest="date_to", required=True, metavar="YYYY-MM-DD")
    e.add_argument("file", metavar="FILE.csv")
    e.set_defaults(func=cmd_export)


def cmd_rebuild(args: argparse.Namespace) -> int:
    from portal.cli import run_with_db

    async def work(settings) -> dict | str:
        from portal.db.tables import Service
        from portal.insight.rollups import rebuild

        ids = None
        if args.service:
            rows = await Service.select(Service.id, Service.slug).where(Service.slug.is_in(args.service)).run()
            unknown = sorted(set(args.service) - {r["slug"] for r in rows})
            if unknown:
                return f"unknown service: {', '.join(unknown)}"
            ids = [r["id"] for r in rows]
        result = await rebuild(ids)
        from portal.insight.published import republish

        await republish(set(ids) if ids is not None else None)
        return result

    result = run_with_db(work)
    if isinstance(result, str):
        print(f"error: {result}", file=sys.stderr)
        return 2
    print(f"rebuilt rollups of {result['services']} services: {result['rows']} rows")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from portal.cli import run_with_db
    from portal.insight import periods

    chosen = None
    if args.period:
        try:
            chosen = periods.parse(args.period)
        except periods.PeriodError as exc:
            print(f"error: {exc.message % {'value': exc.value}}", file=sys.stderr)
            return 2

    async def work(settings) -> list[tuple[str, str, list[int]]] | str:
        from portal.db.tables import Unit
        from portal.insight.actions import review_unit
        from portal.insight.refresher import run_once
        from portal.timeutil import local_day

        await run_once()  # the review reads rollups: fold what the running portal has not folded yet
        query = Unit.select().order_by(Unit.slug)
        if args.unit:
            query = query.where(Unit.slug.is_in(args.unit))
        units = await query.run()
        unknown = sorted(set(args.unit or []) - {u["slug"] for u in units})
        if unknown:
            return f"unknown unit: {', '.join(unknown)}"
        out = []
        for unit in units:
            today = local_day(unit["timezone"])
            period = chosen or periods.last_closed_quarter(today)
            if period.end >= today:
                out.append((unit["slug"], period.label, None))
                continue
            out.append((unit["slug"], period.label, await review_unit(unit, period, today)))
        return out

    result = run_with_db(work)
    if isinstance(result, str):
        print(f"error: {result}", file=sys.stderr)
        return 2
    for slug, label, opened in result:
        if opened is None:
            print(f"{slug} {label}: period not closed yet, not reviewed")
        else:
            print(f"{slug} {label}: {len(opened)} nonconformities opened"
                  + (f" ({', '.join(map(str, opened))})" if opened else ""))
    return 0


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def cmd_export(args: argparse.Namespace) -> int:
    from portal.cli import run_with_db

    try:
        start, end = date.fromisoformat(args.date_from), date.fromisoformat(args.date_to)
    except ValueError:
        print("error: dates must be YYYY-MM-DD", file=sys.stderr)
        return 2
    if start > end:
        print("error: --from is after --to", file=sys.stderr)
        return 2

    async def work(settings) -> int | str:
        from portal.db.tables import Counter, Service, SurveyResponse, Unit

        table, column, key, value = {
            "service": (Service, SurveyResponse.service, Service.slug, args.service),
            "unit": (Unit, SurveyResponse.unit, Unit.slug, args.unit),
            "counter": (Counter, SurveyResponse.counter, Counter.code, args.counter),
        }[next(name for name in ("service", "unit", "counter") if getattr(args, name))]
        found = await table.select(table.id).where(key == value).first().run()
        if found is None:
            return f"unknown {table._meta.tablename}: {value}"
        cols = [getattr(SurveyResponse, c) for c in EXPORT_COLUMNS]
        written, last_id = 0, 0
        with open(args.file, "w", newline="", encoding="utf-8") as fh:
            writer = exports.csv_writer(fh, lineterminator="\n")
            writer.writerow(EXPORT_COLUMNS)
            while True:
                rows = await (SurveyResponse.select(SurveyResponse.id, *cols)
                              .where((column == found["id"]) & (SurveyResponse.local_day >= start)
                                     & (SurveyResponse.local_day <= end) & (SurveyResponse.id > last_id))
                              .order_by(SurveyResponse.id).limit(EXPORT_CHUNK).run())
                if not rows:
                    break
                for row in rows:
                    writer.writerow([_cell(row[c]) for c in EXPORT_COLUMNS])
                written += len(rows)
                last_id = rows[-1]["id"]
        return written

    try:
        result = run_with_db(work)
    except OSError as exc:
        print(f"error: cannot write {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    if isinstance(result, str):
        print(f"error: {result}", file=sys.stderr)
        return 2
    print(f"wrote {result} responses to {args.file}")
    return 0
