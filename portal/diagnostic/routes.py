"""The diagnostic's routers, split by audience: public (page and API), console (assess, verify), admin (catalogue)."""

from __future__ import annotations

from portal.diagnostic import routes_admin, routes_console, routes_public

route_handlers = [*routes_public.route_handlers, *routes_admin.route_handlers, *routes_console.route_handlers]
