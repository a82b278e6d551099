"""The complaints capability's routes, split by audience: citizens (routes_public) and staff (routes_console)."""

from __future__ import annotations

from portal.complaints import routes_console, routes_public

route_handlers = [*routes_public.route_handlers, *routes_console.route_handlers]
