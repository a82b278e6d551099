"""Enum-like text columns accept only their declared values (issue 16): CHECK constraints `ck_<table>_<column>` on
PostgreSQL, BEFORE INSERT / BEFORE UPDATE OF triggers `check_<table>_<column>_insert|update` raising ABORT on
SQLite (no table rebuild, so audit_log's and complaint's own triggers stay as they are). NULL stays allowed where
the column is nullable (a CHECK and a trigger's WHEN both let NULL through; NOT NULL refuses it where declared).

The values are written out as they are today (portal.db.checks.ALLOWED_VALUES then): a later change to a tuple
needs its own migration. Existing rows must already hold allowed values (no NOT VALID): every value any version
of the portal wrote is listed (nonconformity.source includes "complaint", written by the complaints capability).
Rows entered by hand with another value (e.g. a unit kind other than OPD/UPT) stop the migration before it
changes anything, with the table, column, values and row counts to correct.
"""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import execute, is_postgres, run_all

SOURCES = ("officer", "citizen")
NC_STATUSES = ("open", "action_planned", "closed")
LANGUAGES = ("id", "en")

CHECKS: dict[tuple[str, str], tuple[str, ...]] = {
    ("government", "kind"): ("kota", "kabupaten", "provinsi"),
    ("unit", "kind"): ("OPD", "UPT"),
    ("standard_version", "status"): ("draft", "approved"),
    ("standard_version", "time_limit_unit"): ("minutes", "hours", "working_days", "calendar_days"),
    ("portal_user", "role"): ("admin", "head", "manager", "officer"),
    ("visit", "origin"): ("ticket", "scan"),
    ("visit", "arrived_source"): SOURCES,
    ("visit", "called_source"): SOURCES,
    ("visit", "served_source"): SOURCES,
    ("visit", "finished_source"): SOURCES,
    ("visit", "delivered_source"): SOURCES,
    ("visit", "outcome"): ("completed", "rejected_incomplete", "no_show", "cancelled"),
    ("survey_response", "product_correct"): ("yes", "no", "not_yet"),
    ("survey_response", "sex"): ("male", "female"),
    ("survey_response", "age_band"): ("17-25", "26-35", "36-45", "46-55", "56+"),
    ("survey_response", "education"): ("SD", "SMP", "SMA", "D1-D3", "S1", "S2", "S3"),
    ("survey_response", "occupation"): ("PNS", "TNI", "POLRI", "swasta", "wirausaha", "lainnya"),
    ("survey_response", "channel"): ("qr_ticket", "qr_counter", "paper", "web", "kiosk"),
    ("survey_response", "count_reason"): ("bound", "paper", "stamp", "kiosk", "manager_in",
                                          "no_stamp", "reused_stamp", "too_fast", "over_cap", "manager_out"),
    ("survey_response", "language"): LANGUAGES,
    ("overcharge_case", "source"): SOURCES,
    ("nonconformity", "source"): ("time_below_target", "overcharge", "ikm_category", "complaint"),
    ("nonconformity", "status"): NC_STATUSES,
    ("nonconformity_event", "status"): NC_STATUSES,
    ("complaint", "category"): ("overcharge", "time", "requirements", "conduct", "facilities", "other"),
    ("complaint", "channel"): ("web", "paper", "phone", "lapor"),
    ("complaint", "status"): ("received", "classified", "in_progress", "answered", "closed", "forwarded",
                              "rejected"),
    ("complaint", "severity"): ("light", "normative", "plain", "investigation"),
    ("complaint", "flag"): ("", "fast", "no_stamp", "honeypot"),
    ("complaint", "language"): LANGUAGES,
    ("complaint_photo", "media_type"): ("image/jpeg", "image/png"),
    ("diagnostic_assessment", "status"): ("open", "verified"),
    ("diagnostic_rating", "colour"): ("red", "yellow", "green"),
    ("diagnostic_rating", "source"): ("manual", "automatic", "override"),
    ("diagnostic_rating", "status"): ("submitted", "returned", "verified"),
    ("diagnostic_evidence", "content_type"): ("application/pdf", "image/png", "image/jpeg"),
}


class DisallowedValues(RuntimeError):
    """Existing rows hold values outside a column's allowed set: nothing was changed."""


def _in_list(values: tuple[str, ...]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


async def _disallowed(engine: Engine) -> list[str]:
    found = []
    for (table, column), values in CHECKS.items():
        marks = ", ".join("{}" for _ in values)
        rows = await execute(
            engine, f'SELECT "{column}" AS value, COUNT(*) AS n FROM "{table}" '
            f'WHERE "{column}" IS NOT NULL AND "{column}" NOT IN ({marks}) GROUP BY "{column}"', *values)
        for row in rows:
            found.append(f"{table}.{column} = {row['value']!r}: {row['n']} row(s); allowed: {', '.join(values)}")
    return found


def _postgres() -> list[str]:
    by_table: dict[str, list[str]] = {}
    for (table, column), values in CHECKS.items():
        by_table.setdefault(table, []).append(
            f'ADD CONSTRAINT "ck_{table}_{column}" CHECK ("{column}" IN ({_in_list(values)}))')
    # one statement per table: PostgreSQL checks the existing rows against all of its constraints in one scan
    return [f'ALTER TABLE "{table}" ' + ", ".join(clauses) for table, clauses in by_table.items()]


def _sqlite() -> list[str]:
    statements = []
    for (table, column), values in CHECKS.items():
        allowed = ", ".join(f'"{value}"' for value in values)
        message = f"CHECK constraint failed: ck_{table}_{column}: {table}.{column} must be one of {allowed}"
        for event, when in (("insert", "INSERT"), ("update", f'UPDATE OF "{column}"')):
            statements.append(
                f'CREATE TRIGGER IF NOT EXISTS "check_{table}_{column}_{event}" BEFORE {when} ON "{table}" '
                f'WHEN NEW."{column}" NOT IN ({_in_list(values)}) '
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
    return statements


async def forwards(engine: Engine) -> None:
    found = await _disallowed(engine)
    if found:
        raise DisallowedValues("m0110_check_constraints: correct these rows, then run `portal migrate` again:\n  "
                               + "\n  ".join(found))
    async with engine.transaction():
        await run_all(engine, _postgres() if is_postgres(engine) else _sqlite())
