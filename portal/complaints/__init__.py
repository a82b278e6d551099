"""Complaints (pengaduan): filed by citizens or recorded by officers, followed by tracking code, answered by units."""
