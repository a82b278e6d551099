"""Insight routes, collected from one module per audience: the open-data API (api), heads and managers
(routes_dashboard, routes_actions), the public (routes_performance) and heads' evidence pack (routes_evidence)."""

from __future__ import annotations

from portal.insight import api, routes_actions, routes_dashboard, routes_evidence, routes_performance

route_handlers = [*api.route_handlers, *routes_evidence.route_handlers, *routes_dashboard.route_handlers,
                  *routes_actions.route_handlers, *routes_performance.route_handlers]
