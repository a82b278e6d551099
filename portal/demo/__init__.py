"""Demo data: a fictional but realistic city (Pemerintah Kota Kupang, WITA) with units, standards and a simulation."""
