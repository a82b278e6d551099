"""Migrations, applied in name order by portal.db.migrate (m0001_…, m0002_…)."""
