"""`portal ikm` and `portal sample-size`: argparse subcommands over survey/ (no web or database imports)."""

from __future__ import annotations

import argparse
import json
import math
import sys

from survey.csvio import TallyError, read_tally
from survey.ikm import CATEGORY_LABELS, WEIGHTS, IkmResult, ikm_from_answers, round_half_up
from survey.instrument import UNSUR_2017
from survey.sampling import krejcie_morgan


def register(subparsers) -> None:
    """Add the measurement commands to the `portal` CLI (subparsers = parser.add_subparsers(dest=...))."""
    p = subparsers.add_parser("ikm", help="compute the IKM (PermenPANRB 14/2017) from a CSV of answers u1..u9",
                              description="Compute NRR, IKM, category, 95%% interval and Cronbach's alpha from "
                                          "a CSV with columns u1..u9 (blank = unanswered) and an optional "
                                          "'service' column (one result per service).")
    p.add_argument("file", metavar="FILE.csv", help="CSV with header u1..u9 [service]")
    p.add_argument("--weight", choices=list(WEIGHTS), default="exact",
                   help="unsur weight: exact 1/9 (default), 0.11 or 0.111 as in some agency worksheets")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=cmd_ikm)

    s = subparsers.add_parser("sample-size", help="Krejcie-Morgan sample size for a population served",
                              description="Required survey sample for a population N (Krejcie & Morgan 1970).")
    s.add_argument("population", metavar="N", help="population served in the period (positive integer)")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.set_defaults(func=cmd_sample_size)


def _num(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def _as_json(r: IkmResult) -> dict:
    return {
        "n": r.n,
        "nrr": [_num(x) for x in r.nrr],
        "ikm": _num(r.ikm),
        "category": r.category,
        "ci95": list(r.ci95) if r.ci95 else None,
        "cronbach_alpha": r.cronbach_alpha,
    }


def _fmt(x: float | None, digits: int) -> str:
    """Display rounding: half up on the decimal value, as the category rule does (survey.ikm.category)."""
    return "-" if x is None or x != x else f"{round_half_up(x, digits):.{digits}f}"


def _print_text(r: IkmResult, service: str | None, out) -> None:
    if service is not None:
        print(f"Service: {service}", file=out)
    print(f"n = {r.n} (weight {r.weight})", file=out)
    for u, nrr, k, g in zip(UNSUR_2017, r.nrr, r.responses_per_unsur, r.unsur_grades, strict=True):
        print(f"  {u.code:<3} {u.name_id:<42} NRR {_fmt(nrr, 4):>6}  ({k} answers, {g})", file=out)
    label = CATEGORY_LABELS.get(r.category, ("tanpa data", "no data"))
    print(f"IKM = {_fmt(r.ikm, 2)}  category {r.category} ({label[0]} / {label[1]})", file=out)
    if r.ci95:
        certain = "category certain" if r.category_certain else "category not certain"
        print(f"95% interval {_fmt(r.ci95[0], 2)} - {_fmt(r.ci95[1], 2)} ({certain})", file=out)
    else:
        print("95% interval -", file=out)
    print(f"Cronbach's alpha = {_fmt(r.cronbach_alpha, 3)}", file=out)


def cmd_ikm(args) -> int:
    try:
        groups = read_tally(args.file)
    except FileNotFoundError:
        print(f"error: file not found: {args.file}", file=sys.stderr)
        return 2
    except IsADirectoryError:
        print(f"error: not a file: {args.file}", file=sys.stderr)
        return 2
    except UnicodeDecodeError:
        print(f"error: {args.file} is not a UTF-8 CSV file", file=sys.stderr)
        return 2
    except TallyError as e:
        for row, col, why in e.errors:
            print(f"row {row}, column {col}: {why}", file=sys.stderr)
        return 2
    has_service = list(groups) != [None]
    results = [(svc, ikm_from_answers(a, args.weight)) for svc, a in groups.items()]
    if args.json:
        if has_service:
            payload = [{"service": svc, **_as_json(r)} for svc, r in results]
        else:
            payload = _as_json(results[0][1])
        print(json.dumps(payload, ensure_ascii=False))
    else:
        for i, (svc, r) in enumerate(results):
            if i:
                print()
            _print_text(r, svc if has_service else None, sys.stdout)
    return 0


def cmd_sample_size(args) -> int:
    try:
        n = int(str(args.population).strip())
    except ValueError:
        n = 0
    if n < 1:
        print(f"error: N must be a positive integer, got {args.population!r}", file=sys.stderr)
        return 2
    s = krejcie_morgan(n)
    if args.json:
        print(json.dumps({"population": n, "sample": s}))
    else:
        print(f"Population {n}: survey at least {s} respondents (Krejcie & Morgan 1970)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry for testing: `python -m portal.measure.commands ikm FILE`."""
    parser = argparse.ArgumentParser(prog="portal")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
