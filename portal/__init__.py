"""Citizen-facing portal for Indonesian local-government services (the Litestar web application)."""

__version__ = "0.1.0"
