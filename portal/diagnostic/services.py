"""Writes of the diagnostic (refusals: portal.errors), each one transaction with its audit entry (portal.accounts.audit.record).

Rules enforced here, whatever door the request came through:
- managers (or admins) rate and attach evidence; heads (or admins) verify; the account that rated an indicator
  never verifies it;
- a verified rating, and an assessment whose every indicator is verified, can no longer change (409);
- an automatic indicator takes its measured colour unless the assessor writes why it differs; a rating that
  took the automatic colour is not confirmed when the figure has since moved to another colour (re-rate first);
- an assessment keeps the catalogue version it started with.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import datetime

from portal.accounts.audit import record
from portal.accounts.auth import CurrentUser
from portal.db.engine import is_unique_violation
from portal.db.tables_diagnostic import COLOURS, DiagnosticAssessment, DiagnosticEvidence, DiagnosticRating
from portal.diagnostic import catalogue, measures, queries
from portal.diagnostic.queries import MAX_YEAR, MIN_YEAR, Scope
from portal.diagnostic.uploads import clean_upload_off_loop
from portal.errors import Conflict, Invalid, NotAllowed, NotFound, _t
from portal.timeutil import utcnow

MAX_TEXT = 4000
LINK = re.compile(r"^https?://[^\s<>\"']{3,490}$")


def _transaction():
    return DiagnosticRating._meta.db.transaction()


def retry_once_on_conflict(fn):
    """Two first writes of one year at once (PostgreSQL) both try to open the assessment or store the
    catalogue; the loser's transaction fails on the unique index and is run again, finding the winner's row."""

    @functools.wraps(fn)
    async def wrapper(*args, **kwargs):
        try:
            return await fn(*args, **kwargs)
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
            return await fn(*args, **kwargs)

    return wrapper


def check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise NotFound("No diagnostic for this year.")


def _allowed(actor: CurrentUser, action: str) -> None:
    """The permissions table (portal.accounts.permissions) allows the actor this action."""
    if not actor.can(action):
        raise NotAllowed("You are not allowed to do this.")


def context(scope: Scope, year: int) -> measures.Context:
    return measures.Context(list(scope.unit_ids), year, scope.timezone)


async def _open_assessment(scope: Scope, year: int, actor: CurrentUser) -> dict:
    """The scope's assessment of the year, created on the first write with the current catalogue version
    (stored first when the catalogue in use has no number yet). Call inside the transaction."""
    row = await queries.assessment(scope, year)
    if row is not None:
        return row
    current = await catalogue.current()
    number = current["version"]
    if number is None:
        number = await catalogue.store(current, actor.id, f"shipped catalogue {current['shipped']}")
        await record(actor, "diagnostic_catalogue_stored", "diagnostic_catalogue", number, unit_id=None,
                     after={"version": number, "shipped": current["shipped"],
                            "indicators": len(current["indicators"])})
    inserted = await DiagnosticAssessment.insert(DiagnosticAssessment(
        government=scope.government["id"], unit=scope.unit_key, year=year, catalogue_version=number,
        status="open", created_by=actor.id,
    )).returning(DiagnosticAssessment.id).run()
    row = await DiagnosticAssessment.select().where(DiagnosticAssessment.id == inserted[0]["id"]).first().run()
    assert row is not None  # inserted just above
    await record(actor, "diagnostic_assessment_opened", "diagnostic_assessment", row["id"], unit_id=scope.audit_unit,
                 after={"government": scope.government["slug"], "unit": scope.unit["slug"] if scope.unit else None,
                        "year": year, "catalogue_version": number})
    return row


async def _indicator(assessment: dict, code: str) -> dict:
    _version, indicators = await queries.indicators_of(assessment)
    found = catalogue.by_code(indicators).get(code)
    if found is None:
        raise NotFound("No such indicator in this catalogue.")
    return found


def _open(assessment: dict, current: dict | None) -> None:
    if assessment["status"] == "verified":
        raise Conflict("This assessment is verified and can no longer be changed.")
    if current is not None and current["status"] == "verified":
        raise Conflict("This indicator is verified and can no longer be changed.")


def _text(value: str, name: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TEXT:
        raise Invalid(_t("%(label)s is too long (at most 4000 characters)."), label=name)
    return value


def _public(row: dict | None) -> dict | None:
    if row is None:
        return None
    keep = ("colour", "source", "status", "evidence_text", "evidence_link", "override_reason", "return_note")
    return {k: row[k] for k in keep}


@retry_once_on_conflict
async def rate(scope: Scope, year: int, code: str, actor: CurrentUser, colour: str, evidence_text: str = "",
               evidence_link: str = "", override_reason: str = "") -> dict:
    """The assessor's colour for one indicator, with its evidence (submitted for verification)."""
    check_year(year)
    _allowed(actor, "diagnostic.rate")
    if colour not in COLOURS:
        raise Invalid("Choose red, yellow or green.")
    evidence_text = _text(evidence_text, "Evidence")
    override_reason = _text(override_reason, "Reason")
    evidence_link = (evidence_link or "").strip()
    if evidence_link and not LINK.match(evidence_link):
        raise Invalid("The link must be a web address starting with http:// or https://.")
    measured = await measures.measure(code, context(scope, year))  # read before the write transaction
    async with _transaction():
        assessment = await _open_assessment(scope, year, actor)
        await _indicator(assessment, code)
        before = await queries.rating(assessment["id"], code)
        _open(assessment, before)
        if measured is not None and measured.colour is not None:
            if colour != measured.colour and not override_reason:
                raise Invalid("The measured colour is %(colour)s: write why you rate it differently.",
                                      colour=measured.colour)
            source = "automatic" if colour == measured.colour else "override"
        else:
            source = "manual"
            if not (evidence_text or evidence_link or await queries.evidence_of(assessment["id"], code)):
                raise Invalid("Give the evidence: a note, a link or an uploaded file.")
        values = {
            "colour": colour, "source": source, "status": "submitted", "evidence_text": evidence_text,
            "evidence_link": evidence_link, "override_reason": override_reason if source == "override" else "",
            "measure": json.dumps(measured.as_json() if measured else {}), "assessed_by": actor.id,
            "assessed_at": utcnow(), "verified_by": None, "verified_at": None,
        }
        if before is None:
            inserted = await DiagnosticRating.insert(DiagnosticRating(assessment=assessment["id"], code=code,
                                                                      **values)).returning(DiagnosticRating.id).run()
            rating_id = inserted[0]["id"]
        else:
            rating_id = before["id"]
            await DiagnosticRating.update({getattr(DiagnosticRating, k): v for k, v in values.items()}).where(
                DiagnosticRating.id == rating_id).run()
        after = await queries.rating(assessment["id"], code)
        assert after is not None  # written just above
        await record(actor, "diagnostic_rated", "diagnostic_rating", rating_id, unit_id=scope.audit_unit,
                     before=_public(before), after=_public(after), note=f"{year} {code}")
    return after


@retry_once_on_conflict
async def fill_automatic(scope: Scope, year: int, actor: CurrentUser) -> list[str]:
    """Rate every automatic indicator not yet rated with its measured colour; returns the codes rated."""
    check_year(year)
    _allowed(actor, "diagnostic.rate")
    ctx = context(scope, year)
    measured = await measures.measure_all(sorted(measures.MEASURES), ctx)
    done = []
    async with _transaction():
        assessment = await _open_assessment(scope, year, actor)
        _open(assessment, None)
        _version, indicators = await queries.indicators_of(assessment)
        existing = await queries.ratings(assessment["id"])
        for indicator in indicators:
            m = measured.get(indicator["code"])
            if m is None or m.colour is None or indicator["code"] in existing:
                continue
            inserted = await DiagnosticRating.insert(DiagnosticRating(
                assessment=assessment["id"], code=indicator["code"], colour=m.colour, source="automatic",
                status="submitted", measure=json.dumps(m.as_json()), assessed_by=actor.id,
                assessed_at=utcnow(),
            )).returning(DiagnosticRating.id).run()
            await record(actor, "diagnostic_rated", "diagnostic_rating", inserted[0]["id"], unit_id=scope.audit_unit,
                         after={"colour": m.colour, "source": "automatic", "status": "submitted"},
                         note=f"{year} {indicator['code']}")
            done.append(indicator["code"])
    return done


async def verify(scope: Scope, year: int, code: str, actor: CurrentUser, decision: str, note: str = "") -> dict:
    """A second account confirms the rating (immutable from then on) or returns it to the assessor with a note."""
    check_year(year)
    _allowed(actor, "diagnostic.verify")
    if decision not in ("confirm", "return"):
        raise Invalid("Choose to confirm or to return the rating.")
    note = _text(note, "Note")
    if decision == "return" and not note:
        raise Invalid("Write a note saying what the assessor should correct.")
    fresh = await measures.measure(code, context(scope, year))
    async with _transaction():
        assessment = await queries.assessment(scope, year)
        before = await queries.rating(assessment["id"], code) if assessment else None
        if assessment is None or before is None:
            raise Conflict("This indicator has not been rated yet.")
        _open(assessment, before)
        if before["status"] == "returned":
            raise Conflict("This rating was returned: it can be verified once it is rated again.")
        if before["assessed_by"] == actor.id:
            raise NotAllowed("The account that rated an indicator cannot verify it.")
        now = utcnow()
        if decision == "confirm":
            if before["source"] == "automatic" and fresh is not None and fresh.colour != before["colour"]:
                raise Conflict("The measured figure has changed since the rating: return it so the "
                                           "assessor rates it again.")
            values = {"status": "verified", "verified_by": actor.id, "verified_at": now, "return_note": ""}
            if fresh is not None:
                values["measure"] = json.dumps(fresh.as_json())  # frozen as it was when verified
        else:
            values = {"status": "returned", "return_note": note}
        await DiagnosticRating.update({getattr(DiagnosticRating, k): v for k, v in values.items()}).where(
            DiagnosticRating.id == before["id"]).run()
        after = await queries.rating(assessment["id"], code)
        assert after is not None  # updated just above
        await record(actor, "diagnostic_verified" if decision == "confirm" else "diagnostic_returned",
                     "diagnostic_rating", before["id"], unit_id=scope.audit_unit, before=_public(before),
                     after=_public(after), note=f"{year} {code}" + (f": {note}" if note else ""))
        if decision == "confirm":
            await _close_when_complete(scope, assessment, actor, now)
    return after


async def _close_when_complete(scope: Scope, assessment: dict, actor: CurrentUser, now: datetime) -> None:
    _version, indicators = await queries.indicators_of(assessment)
    ratings = await queries.ratings(assessment["id"])
    if all(ratings.get(i["code"], {}).get("status") == "verified" for i in indicators):
        await DiagnosticAssessment.update({DiagnosticAssessment.status: "verified",
                                           DiagnosticAssessment.verified_at: now}).where(
            DiagnosticAssessment.id == assessment["id"]).run()
        await record(actor, "diagnostic_assessment_verified", "diagnostic_assessment", assessment["id"],
                     unit_id=scope.audit_unit, before={"status": "open"}, after={"status": "verified"})


@retry_once_on_conflict
async def attach_evidence(scope: Scope, year: int, code: str, actor: CurrentUser, filename: str,
                          data: bytes) -> int:
    """Store an evidence file (checked and cleaned by portal.diagnostic.uploads) for one indicator."""
    check_year(year)
    _allowed(actor, "diagnostic.rate")
    clean = await clean_upload_off_loop(filename, data)  # UploadError (Invalid) when refused
    async with _transaction():
        assessment = await _open_assessment(scope, year, actor)
        await _indicator(assessment, code)
        _open(assessment, await queries.rating(assessment["id"], code))
        inserted = await DiagnosticEvidence.insert(DiagnosticEvidence(
            assessment=assessment["id"], code=code, filename=clean.filename, content_type=clean.content_type,
            size=len(clean.content), sha256=clean.sha256, content=clean.content, uploaded_by=actor.id,
        )).returning(DiagnosticEvidence.id).run()
        evidence_id = inserted[0]["id"]
        await record(actor, "diagnostic_evidence_added", "diagnostic_evidence", evidence_id,
                     unit_id=scope.audit_unit, after={"code": code, "filename": clean.filename,
                                                      "content_type": clean.content_type, "size": len(clean.content),
                                                      "sha256": clean.sha256}, note=f"{year} {code}")
    return evidence_id


@retry_once_on_conflict
async def add_local_indicator(actor: CurrentUser, indicator: dict) -> int:
    """Admins add a local indicator: a new catalogue version (assessments already open keep theirs)."""
    if not actor.can("diagnostic.catalogue"):
        raise NotAllowed("You are not allowed to do this.")
    try:
        catalogue.validate(indicator)
    except catalogue.CatalogueError as exc:
        raise Invalid(str(exc)) from None
    async with _transaction():
        current = await catalogue.current()
        if indicator["code"] in catalogue.by_code(current["indicators"]):
            raise Conflict("An indicator with this code already exists.")
        content = {"shipped": current["shipped"],
                   "indicators": [*current["indicators"], {**indicator, "local": True}]}
        number = await catalogue.store(content, actor.id, f"local indicator {indicator['code']}")
        await record(actor, "diagnostic_catalogue_stored", "diagnostic_catalogue", number, unit_id=None,
                     after={"version": number, "added": indicator["code"], "indicators": len(content["indicators"])})
    return number
