"""Shared by the diagnostic's public and console routes: labels, the scope named by the query, year checks."""

from __future__ import annotations

from typing import Annotated

from litestar import Request
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import QueryParameter

from portal.diagnostic import queries
from portal.diagnostic.queries import MAX_YEAR, MIN_YEAR, Scope
from portal.errors import DomainError, _t
from portal.web import t

AREA_TITLES = {
    "governance": _t("Institutional development for good governance"),
    "economy": _t("Sustainable economic development"),
    "social": _t("Inclusive social development"),
    "environment": _t("Sustainable environmental development"),
}
COLOUR_LABELS = {"red": _t("Red"), "yellow": _t("Yellow"), "green": _t("Green"), None: _t("Not verified")}
COLOUR_MEANINGS = {"red": _t("not acceptable"), "yellow": _t("minimum acceptable"), "green": _t("reliable")}
STATUS_LABELS = {"submitted": _t("awaiting verification"), "returned": _t("returned to the assessor"),
                 "verified": _t("verified"), None: _t("not rated")}
FIELD_LABELS = {"Evidence": _t("Evidence"), "Reason": _t("Reason"), "Note": _t("Note")}
SOURCE_LABELS = {"automatic": _t("measured by the portal"), "override": _t("differs from the measured colour"),
                 "manual": _t("rated by hand")}

GovernmentParam = Annotated[str | None, QueryParameter(name="government", max_length=100,
                                                       description="government slug (default: the portal's own)")]
UnitParam = Annotated[str | None, QueryParameter(name="unit", max_length=100,
                                                 description="unit slug, for a unit's own diagnostic")]


def check_year(request: Request, year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise NotFoundException(t(request, "No diagnostic for this year."))
    return year


async def resolve_scope(request: Request, government: str | None, unit: str | None) -> Scope:
    """The government (by slug, else the portal's own) or the unit named in the query; 404 when unknown."""
    if unit:
        unit_row = await queries.unit_by_slug(unit)
        if unit_row is None:
            raise NotFoundException(t(request, "Unit not found."))
        gov = await queries.government_of_unit(unit_row)
        if gov is None or (government and gov["slug"] != government):
            raise NotFoundException(t(request, "Unit not found."))
        return await queries.scope_of(gov, unit_row)
    gov = await (queries.government_by_slug(government) if government else queries.default_government())
    if gov is None:
        raise NotFoundException(t(request, "Government not found."))
    return await queries.scope_of(gov)


def http_error(request: Request, exc: DomainError) -> HTTPException:
    return HTTPException(status_code=exc.status_code, detail=message(request, exc))


def _translated(request: Request, values: dict) -> dict:
    """Colour and field names inside a message are shown in the reader's language."""
    out = dict(values)
    if "colour" in out and out["colour"] in COLOUR_LABELS:
        out["colour"] = t(request, COLOUR_LABELS[out["colour"]])
    if "label" in out and out["label"] in FIELD_LABELS:
        out["label"] = t(request, FIELD_LABELS[out["label"]])
    return out


def message(request: Request, exc: DomainError) -> str:
    return t(request, exc.message, **_translated(request, exc.values))
