"""Kiosk routes by audience: the console (pairing, revocation), the tablet's pages, the batch API."""

from __future__ import annotations

from litestar import Router

from portal.kiosk import routes_api, routes_console, routes_pages

console = Router(path="/", include_in_schema=False, route_handlers=routes_console.route_handlers)
pages = Router(path="/", opt={"exclude_from_auth": True}, include_in_schema=False,
               route_handlers=routes_pages.route_handlers)
api = Router(path="/", opt={"exclude_from_auth": True}, route_handlers=routes_api.route_handlers)
route_handlers = [console, pages, api]
