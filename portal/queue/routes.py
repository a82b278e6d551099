"""Queue routes, collected from one module per audience: officers (routes_console) and the waiting room
(routes_board). The services, standards, counters and maklumat administration lives in the catalog."""

from __future__ import annotations

from portal.queue import routes_board, routes_console

route_handlers = [routes_console.console, routes_board.public, routes_board.public_api]
