"""The allowed values of every enum-like text column, {(table, column): values}, as the table modules declare them.

The database enforces the same sets (m0110: CHECK constraints `ck_<table>_<column>` on PostgreSQL, BEFORE INSERT
and BEFORE UPDATE triggers `check_<table>_<column>_insert|update` on SQLite); the schema test compares this dict
with the migrated database, so a value added to a tuple needs a migration that widens the constraint. NULL stays
allowed wherever the column is nullable. Free-text codes (audit_log.action/entity, nonconformity_event.action,
periods, version labels) are not listed: their sets are open.
"""

from __future__ import annotations

from portal.db import tables, tables_complaints, tables_diagnostic, tables_insight
from portal.settings import LANGUAGES

ALLOWED_VALUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("government", "kind"): tables.GOVERNMENT_KINDS,
    ("unit", "kind"): tables.UNIT_KINDS,
    ("standard_version", "status"): tables.STANDARD_STATUSES,
    ("standard_version", "time_limit_unit"): tables.TIME_UNITS,
    ("portal_user", "role"): tables.ROLES,
    ("visit", "origin"): tables.VISIT_ORIGINS,
    **{("visit", f"{stage}_source"): tables.SOURCES for stage in tables.VISIT_STAGES},
    ("visit", "outcome"): tables.OUTCOMES,
    ("survey_response", "product_correct"): tables.PRODUCT_CORRECT,
    ("survey_response", "sex"): tables.SEXES,
    ("survey_response", "age_band"): tables.AGE_BANDS,
    ("survey_response", "education"): tables.EDUCATION,
    ("survey_response", "occupation"): tables.OCCUPATIONS,
    ("survey_response", "channel"): tables.RESPONSE_CHANNELS,
    ("survey_response", "count_reason"): tables.COUNT_REASONS,
    ("survey_response", "language"): LANGUAGES,
    ("overcharge_case", "source"): tables.SOURCES,
    ("nonconformity", "source"): tables_insight.NONCONFORMITY_SOURCES,
    ("nonconformity", "status"): tables_insight.NC_STATUSES,
    ("nonconformity_event", "status"): tables_insight.NC_STATUSES,
    ("complaint", "category"): tables_complaints.CATEGORIES,
    ("complaint", "channel"): tables_complaints.CHANNELS,
    ("complaint", "status"): tables_complaints.STATUSES,
    ("complaint", "severity"): tables_complaints.SEVERITIES,
    ("complaint", "flag"): tables_complaints.FLAGS,
    ("complaint", "language"): LANGUAGES,
    ("complaint_photo", "media_type"): tables_complaints.PHOTO_MEDIA_TYPES,
    ("diagnostic_assessment", "status"): tables_diagnostic.ASSESSMENT_STATUSES,
    ("diagnostic_rating", "colour"): tables_diagnostic.COLOURS,
    ("diagnostic_rating", "source"): tables_diagnostic.RATING_SOURCES,
    ("diagnostic_rating", "status"): tables_diagnostic.RATING_STATUSES,
    ("diagnostic_evidence", "content_type"): tables_diagnostic.EVIDENCE_CONTENT_TYPES,
}

#: Times that never go backwards, {table: ((earlier, later), ...)}: when both are set, earlier <= later. A visit's
#: stages happen in order (arrived, called, served, finished, delivered: a call after the finish is impossible)
#: and a repeated call comes after the call. m0130 enforces them (PostgreSQL CHECK `visit_order_<a>_<b>`, SQLite
#: triggers `visit_order_<a>_<b>_insert|update`); tests/integration/test_queue_order.py tries every pair on the
#: session's engine.
ORDERED_TIMES: dict[str, tuple[tuple[str, str], ...]] = {
    "visit": (*((f"{a}_at", f"{b}_at") for i, a in enumerate(tables.VISIT_STAGES) for b in tables.VISIT_STAGES[i + 1:]),
              ("called_at", "recalled_at")),
}
