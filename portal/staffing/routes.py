"""The staffing capability's routers and handlers, in the order portal.app mounts them."""

from __future__ import annotations

from portal.staffing import routes_api, routes_console

route_handlers = [routes_console.console, *routes_api.route_handlers]
