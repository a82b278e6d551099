"""Queue routes, collected from one module per audience: officers (routes_console, routes_counter) and the waiting
room (routes_board). The services, standards, counters and maklumat administration lives in the catalog."""

from __future__ import annotations

from portal.queue import routes_board, routes_console, routes_counter

route_handlers = [routes_console.console, routes_counter.counter_console, routes_board.public, routes_board.public_api]
