"""Catalog: units, services and their standards (versions in force, history), public pages and the read API."""
