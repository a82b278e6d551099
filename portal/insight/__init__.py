"""Insight: rollups, dashboards, public performance pages, corrective actions and the evidence pack."""
