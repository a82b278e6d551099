"""`portal staffing`: one hour's Erlang C answer (survey.staffing; no database), for a planner or a textbook check."""

from __future__ import annotations

import argparse
import json
import math
import sys

from survey.staffing import Queue, counters_needed, evaluate


def register(subparsers) -> None:
    """Add `portal staffing` to the CLI (subparsers = parser.add_subparsers(dest=...))."""
    p = subparsers.add_parser(
        "staffing", help="counters needed for one hour by Erlang C (M/M/N)",
        description="Counters needed so that SHARE %% of citizens wait at most WAIT minutes, for ARRIVALS per hour "
                    "each keeping a counter busy HANDLE minutes on average (Erlang C: Poisson arrivals, "
                    "exponential handling, nobody leaves the queue), with the service level, the probability of "
                    "waiting and the mean wait. With --counters N: the figures of N counters instead.")
    p.add_argument("--arrivals", required=True, metavar="PER_HOUR", help="citizens arriving per hour (>= 0)")
    p.add_argument("--handle", required=True, metavar="MINUTES", help="mean minutes a counter is busy per citizen")
    p.add_argument("--wait", required=True, metavar="MINUTES", help="the target wait in minutes (e.g. 15, or 0.3333 "
                                                                    "for 20 seconds)")
    p.add_argument("--share", required=True, metavar="P", help="percent of citizens to wait at most that long "
                                                               "(0 < P < 100), e.g. 80")
    p.add_argument("--counters", metavar="N", help="evaluate N counters instead of finding the fewest")
    p.add_argument("--json", action="store_true", help="print JSON (full precision) instead of text")
    p.set_defaults(func=cmd_staffing)


def _number(text: str, name: str) -> float:
    try:
        value = float(str(text).strip().replace(",", "."))
    except ValueError:
        raise ValueError(f"{name} must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {text!r}")
    return value


def _as_json(q: Queue, share: float, searched: bool) -> dict:
    return {
        "arrivals_per_hour": q.arrivals_per_hour, "handle_minutes": q.handle_minutes, "wait_minutes": q.wait_minutes,
        "share": share, "counters": q.counters, "counters_searched": searched, "load_erlangs": q.load,
        "occupancy": q.occupancy, "p_wait": q.p_wait, "service_level": q.service_level,
        "mean_wait_minutes": q.mean_wait if math.isfinite(q.mean_wait) else None, "stable": q.stable,
        "meets_target": q.service_level >= share,
    }


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.2f} %"


def _print_text(q: Queue, share: float, searched: bool) -> None:
    head = "Counters needed" if searched else "Counters"
    print(f"{head}: {q.counters}")
    print(f"  offered load {q.load:.4f} Erlangs, occupancy {_pct(q.occupancy)}")
    print(f"  probability of waiting {_pct(q.p_wait)}")
    print(f"  service level {_pct(q.service_level)} wait at most {q.wait_minutes:g} min "
          f"(target {share * 100:g} %: {'met' if q.service_level >= share else 'not met'})")
    if math.isfinite(q.mean_wait):
        print(f"  mean wait {q.mean_wait:.4f} min ({q.mean_wait * 60:.1f} s)")
    else:
        print("  mean wait: unbounded (fewer counters than the offered load)")


def cmd_staffing(args) -> int:
    try:
        arrivals = _number(args.arrivals, "--arrivals")
        handle = _number(args.handle, "--handle")
        wait = _number(args.wait, "--wait")
        share_percent = _number(args.share, "--share")
        if not 0 < share_percent < 100:
            raise ValueError(f"--share must be a percent strictly between 0 and 100, got {args.share!r}")
        share = share_percent / 100.0
        if args.counters is not None:
            counters = _number(args.counters, "--counters")
            if counters < 0 or not counters.is_integer():
                raise ValueError(f"--counters must be a whole number >= 0, got {args.counters!r}")
            q, searched = evaluate(arrivals, handle, int(counters), wait), False
        else:
            q, searched = counters_needed(arrivals, handle, wait, share), True
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(_as_json(q, share, searched)))
    else:
        _print_text(q, share, searched)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry for testing: `python -m portal.staffing.commands staffing --arrivals ...`."""
    parser = argparse.ArgumentParser(prog="portal")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
