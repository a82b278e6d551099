"""`portal kiosk add --counter CODE`: register a kiosk for a counter and print its one-time pairing link and QR."""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
import re
import sys


def register(subparsers) -> None:
    """Add the kiosk commands to the `portal` CLI."""
    kiosk = subparsers.add_parser("kiosk", help="counter kiosks (tablets that collect the survey offline too)")
    commands = kiosk.add_subparsers(dest="kiosk_command", required=True, metavar="ACTION")
    add = commands.add_parser("add", help="register a kiosk for a counter and print its one-time pairing link",
                              description="The link (and its QR code, printed as text) is shown once; open it on "
                                          "the tablet. It works once, for 7 days. Revoke or re-pair kiosks at "
                                          "/console/kiosks.")
    add.add_argument("--counter", required=True, metavar="CODE")
    add.add_argument("--label", default="", help="a name for the tablet, e.g. 'exit stand'")
    add.add_argument("--no-qr", action="store_true", help="print the link only")
    add.add_argument("--public-url", metavar="URL",
                     help="the address tablets reach the portal at, e.g. https://layanan.example.go.id (default: "
                          "PORTAL_PUBLIC_URL; without either, the link names this machine and port 8000)")
    add.set_defaults(func=cmd_add)


def cmd_add(args: argparse.Namespace) -> int:
    from portal.cli import run_with_db
    from portal.feedback.qr import _qr
    from portal.kiosk import queries, services
    from portal.kiosk.routes_console import pairing_url
    from portal.settings import Settings

    async def work(settings):
        counter = await queries.counter_by_code(args.counter)
        if counter is None or not counter["active"]:
            return None
        _kiosk_id, code = await services.create(counter, args.label.strip(), None)
        return counter, pairing_url(settings.public_url, code)

    public_url = (args.public_url or "").strip().rstrip("/")
    if public_url and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", public_url):
        print(f"error: --public-url must be an http(s) address, e.g. https://layanan.example.go.id (got {public_url!r})",
              file=sys.stderr)
        return 2
    settings = Settings.from_env()
    if public_url:
        settings = dataclasses.replace(settings, public_url=public_url)
    found = run_with_db(work, settings)
    if found is None:
        print(f"error: no active counter with code {args.counter}", file=sys.stderr)
        return 2
    counter, url = found
    if not public_url and not os.environ.get("PORTAL_PUBLIC_URL"):
        print(f"note: PORTAL_PUBLIC_URL is not set, so this link assumes the portal is served from this machine at "
              f"{settings.public_url}. If the server runs elsewhere (another port, a proxy, a domain), run again "
              f"with --public-url https://your-portal-address (or set PORTAL_PUBLIC_URL); the link is only shown "
              f"once, and a new one can be made at /console/kiosks.", file=sys.stderr)
    print(f"kiosk registered for counter {counter['code']} ({counter['name']}); open this link once on the tablet:")
    print(url)
    if not args.no_qr:
        text = io.StringIO()
        _qr(url).print_ascii(out=text)
        print(text.getvalue(), end="")
    return 0
