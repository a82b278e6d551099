"""Insight routes: the open-data results API, dashboards, public performance, corrective actions, evidence pack."""

from __future__ import annotations

from portal.insight import api

route_handlers = [*api.route_handlers]
