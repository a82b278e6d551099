"""Unit tests of the measurement library (survey/) and its CLI commands; no database."""
