"""Reads of the diagnostic: the scope (a government or one unit), assessments, ratings, evidence, public summaries."""

from __future__ import annotations

import json
from dataclasses import dataclass

from portal.db.tables import Government, Unit
from portal.db.tables_diagnostic import (
    AREAS,
    COLOURS,
    DiagnosticAssessment,
    DiagnosticEvidence,
    DiagnosticRating,
)
from portal.diagnostic import catalogue
from portal.timeutil import DEFAULT_TIMEZONE

MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class Scope:
    """What is assessed: a whole government (unit None) or one of its units; `unit_ids` are the units measured."""

    government: dict
    unit: dict | None
    unit_ids: tuple[int, ...]
    timezone: str

    @property
    def unit_key(self) -> int:
        return self.unit["id"] if self.unit else 0

    @property
    def audit_unit(self) -> int | None:
        return self.unit["id"] if self.unit else None

    @property
    def name(self) -> str:
        return self.unit["name"] if self.unit else self.government["name"]

    def query(self) -> str:
        """The query string that names this scope in links."""
        if self.unit:
            return f"?unit={self.unit['slug']}"
        return f"?government={self.government['slug']}"


async def government_by_slug(slug: str) -> dict | None:
    return await Government.select().where(Government.slug == slug).first().run()


async def default_government() -> dict | None:
    """The portal's own government: the first one created (the demo city, or the one a deployment seeds)."""
    return await Government.select().order_by(Government.id).first().run()


async def governments() -> list[dict]:
    return await Government.select(Government.id, Government.slug, Government.name).order_by(Government.name).run()


async def unit_by_slug(slug: str) -> dict | None:
    return await Unit.select().where(Unit.slug == slug).first().run()


async def unit_by_id(unit_id: int) -> dict | None:
    return await Unit.select().where(Unit.id == unit_id).first().run()


async def scope_of(government: dict, unit: dict | None = None) -> Scope:
    if unit is not None:
        return Scope(government, unit, (unit["id"],), unit["timezone"])
    units = await Unit.select(Unit.id, Unit.timezone).where(Unit.government == government["id"]) \
        .order_by(Unit.id).run()
    timezone = units[0]["timezone"] if units else DEFAULT_TIMEZONE
    return Scope(government, None, tuple(u["id"] for u in units), timezone)


async def government_of_unit(unit: dict) -> dict | None:
    return await Government.select().where(Government.id == unit["government"]).first().run()


async def assessment(scope: Scope, year: int) -> dict | None:
    return await DiagnosticAssessment.select().where(
        (DiagnosticAssessment.government == scope.government["id"]) & (DiagnosticAssessment.unit == scope.unit_key)
        & (DiagnosticAssessment.year == year)).first().run()


def _decoded(row: dict) -> dict:
    if isinstance(row.get("measure"), str):
        row["measure"] = json.loads(row["measure"] or "{}")
    return row


async def ratings(assessment_id: int) -> dict[str, dict]:
    """The ratings of an assessment by indicator code, with the usernames of assessor and verifier."""
    rows = await DiagnosticRating.select(
        *DiagnosticRating.all_columns(), DiagnosticRating.assessed_by.username.as_alias("assessed_by_name"),
        DiagnosticRating.verified_by.username.as_alias("verified_by_name"),
    ).where(DiagnosticRating.assessment == assessment_id).run()
    return {r["code"]: _decoded(r) for r in rows}


async def rating(assessment_id: int, code: str) -> dict | None:
    row = await DiagnosticRating.select().where(
        (DiagnosticRating.assessment == assessment_id) & (DiagnosticRating.code == code)).first().run()
    return _decoded(row) if row else None


EVIDENCE_COLUMNS = (DiagnosticEvidence.id, DiagnosticEvidence.assessment, DiagnosticEvidence.code,
                    DiagnosticEvidence.filename, DiagnosticEvidence.content_type, DiagnosticEvidence.size,
                    DiagnosticEvidence.sha256, DiagnosticEvidence.uploaded_at)


async def evidence_of(assessment_id: int, code: str | None = None) -> list[dict]:
    """Evidence files of an assessment (one indicator's when `code` is given), without their content."""
    query = DiagnosticEvidence.select(*EVIDENCE_COLUMNS,
                                      DiagnosticEvidence.uploaded_by.username.as_alias("uploaded_by_name")) \
        .where(DiagnosticEvidence.assessment == assessment_id)
    if code is not None:
        query = query.where(DiagnosticEvidence.code == code)
    return await query.order_by(DiagnosticEvidence.id).run()


async def evidence_file(evidence_id: int) -> dict | None:
    """One evidence file with its content and the government and unit of its assessment."""
    return await DiagnosticEvidence.select(
        *DiagnosticEvidence.all_columns(), DiagnosticEvidence.assessment.government.as_alias("government"),
        DiagnosticEvidence.assessment.unit.as_alias("unit"),
    ).where(DiagnosticEvidence.id == evidence_id).first().run()


async def indicators_of(assessment_row: dict | None) -> tuple[int | None, list[dict]]:
    """(catalogue version, indicators) an assessment uses: its own version, or the current one when none yet."""
    if assessment_row is not None:
        stored = await catalogue.version(assessment_row["catalogue_version"])
        if stored is not None:
            return stored["version"], stored["indicators"]
    current = await catalogue.current()
    return current["version"], current["indicators"]


def empty_counts() -> dict[str, int]:
    return {**dict.fromkeys(COLOURS, 0), "unverified": 0}


def count(indicators: list[dict], ratings_by_code: dict[str, dict]) -> dict:
    """Verified colours counted by area and in total; anything not verified counts as "unverified"."""
    by_area = {area: empty_counts() for area in AREAS}
    total = empty_counts()
    for indicator in indicators:
        r = ratings_by_code.get(indicator["code"])
        key = r["colour"] if r and r["status"] == "verified" else "unverified"
        by_area[indicator["area"]][key] += 1
        total[key] += 1
    return {"areas": by_area, "total": total}


async def public_year(scope: Scope, year: int) -> dict:
    """What the public sees for a year: only verified colours (None for the rest), counted per area."""
    row = await assessment(scope, year)
    version, indicators = await indicators_of(row)
    by_code = await ratings(row["id"]) if row else {}
    items = []
    for indicator in indicators:
        r = by_code.get(indicator["code"])
        verified = r is not None and r["status"] == "verified"
        items.append({"indicator": indicator, "colour": r["colour"] if r and verified else None,
                      "verified_at": r["verified_at"] if r and verified else None})
    return {"assessment": row, "catalogue_version": version if row else None, "items": items,
            **count(indicators, by_code)}


async def history(scope: Scope, up_to: int) -> list[dict]:
    """Verified colour counts of each assessed year up to `up_to`, oldest first (year over year)."""
    rows = await DiagnosticAssessment.select().where(
        (DiagnosticAssessment.government == scope.government["id"]) & (DiagnosticAssessment.unit == scope.unit_key)
        & (DiagnosticAssessment.year <= up_to)).order_by(DiagnosticAssessment.year).run()
    out = []
    for row in rows:
        _version, indicators = await indicators_of(row)
        out.append({"year": row["year"], **count(indicators, await ratings(row["id"]))})
    return out
