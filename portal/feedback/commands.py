"""`portal import-paper` (paper SKM forms from CSV/XLSX, all or nothing) and `portal posters` (a unit's QR posters)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from portal.settings import Settings


def register(subparsers) -> None:
    p = subparsers.add_parser("import-paper", help="import paper survey forms (CSV or XLSX) for a service and period",
                              description="Columns u1..u9 (1-4, blank = unanswered) plus optional date, amount_paid, "
                                          "extra_requirements, product_correct, comment, sex, age_band, education, "
                                          "occupation. Nothing is imported unless every row is valid.")
    p.add_argument("file", metavar="FILE", help="CSV (comma or semicolon, UTF-8) or XLSX")
    p.add_argument("--service", required=True, metavar="SLUG")
    p.add_argument("--from", dest="period_from", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="period_to", required=True, metavar="YYYY-MM-DD")
    p.set_defaults(func=cmd_import_paper)

    q = subparsers.add_parser("posters", help="write a unit's counter QR codes (SVG) and printable posters (HTML)")
    q.add_argument("--unit", required=True, metavar="SLUG")
    q.add_argument("--out", default="posters", metavar="DIR", help="output folder (default ./posters)")
    q.add_argument("--lang", choices=("id", "en"), default="id")
    q.set_defaults(func=cmd_posters)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise SystemExit(f"error: not a date (YYYY-MM-DD): {text}") from exc


def cmd_import_paper(args: argparse.Namespace) -> int:
    from portal.cli import run_with_db
    from portal.feedback import paper, queries, services
    from survey.csvio import TallyError

    period_from, period_to = _date(args.period_from), _date(args.period_to)
    if period_from > period_to:
        print("error: --from is after --to", file=sys.stderr)
        return 2
    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
    try:
        rows = paper.parse_paper(paper.read_table(path.read_bytes(), path.name), period_from, period_to)
    except TallyError as exc:
        for row, column, reason in exc.errors:
            print(f"row {row}, column {column}: {reason}", file=sys.stderr)
        print("nothing imported", file=sys.stderr)
        return 1

    async def work(settings: Settings) -> int | None:
        service = await queries.service_by_slug(args.service)
        if service is None:
            return None
        return await services.import_paper(service, period_from, period_to, path.name, None, rows)

    batch_id = run_with_db(work)
    if batch_id is None:
        print(f"error: unknown service: {args.service}", file=sys.stderr)
        return 2
    print(f"imported {len(rows)} forms as batch {batch_id}")
    return 0


def cmd_posters(args: argparse.Namespace) -> int:
    from portal.cli import run_with_db
    from portal.feedback import posters
    from portal.feedback.qr import inline_svg, qr_svg
    from portal.paths import STATIC_DIR
    from portal.web import jinja_environment

    out = Path(args.out)

    async def work(settings: Settings) -> int | None:
        unit = await posters.unit_by_slug(args.unit)
        if unit is None:
            return None
        items = await posters.unit_posters(settings.public_url, unit, args.lang)
        out.mkdir(parents=True, exist_ok=True)
        for item in items:
            (out / f"{item['counter']['code']}.svg").write_bytes(qr_svg(item["url"]))
            item["qr_inline"] = inline_svg(item["url"], item["counter"]["code"])
        css = "\n".join((STATIC_DIR / "css" / name).read_text() for name in ("site.css", "print.css", "feedback.css"))
        html = jinja_environment(settings).get_template("feedback/posters_file.html").render(
            lang=args.lang, unit=unit, posters=items, css=css)
        (out / "posters.html").write_text(html, encoding="utf-8")
        return len(items)

    count = run_with_db(work)
    if count is None:
        print(f"error: unknown unit: {args.unit}", file=sys.stderr)
        return 2
    print(f"wrote {count} posters to {out / 'posters.html'} and {count} QR codes (SVG)")
    return 0
