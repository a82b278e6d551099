"""Admin console of the diagnostic catalogue: its versions, and local indicators added as a new version."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.response import Redirect, Template

from portal.accounts.guards import current_user, requires
from portal.db.tables_diagnostic import AREAS, COLOURS
from portal.diagnostic import catalogue, services
from portal.diagnostic.schemas import IndicatorForm
from portal.diagnostic.web import AREA_TITLES, COLOUR_LABELS, message
from portal.errors import DomainError
from portal.web import FORM

FIELDS = ("code", "area", "title_id", "title_en", "evidence_id", "evidence_en",
          *(f"{c}_{lang}" for c in COLOURS for lang in ("id", "en")))


async def _page(request: Request, errors: list[str] | None = None, form: dict | None = None,
                status_code: int = 200) -> Template:
    return Template("diagnostic/catalogue.html", status_code=status_code, context={
        "current": await catalogue.current(), "versions": await catalogue.versions(), "errors": errors or [],
        "form": form or {}, "areas": AREAS, "area_titles": AREA_TITLES, "colours": COLOURS,
        "colour_labels": COLOUR_LABELS, "text": catalogue.text,
    })


@get("/console/diagnostic/catalogue", name="diagnostic_catalogue", guards=[requires("diagnostic.catalogue")])
async def catalogue_page(request: Request) -> Template:
    """The catalogue in use (shipped and local indicators) and its stored versions."""
    return await _page(request)


@post("/console/diagnostic/catalogue", name="diagnostic_catalogue_add", guards=[requires("diagnostic.catalogue")], status_code=303)
async def add_indicator(request: Request, data: Annotated[IndicatorForm, FORM]) -> Response:
    """Add a local indicator (every text in Indonesian and English): the catalogue gets a new version."""
    values = {k: getattr(data, k).strip() for k in FIELDS}
    indicator = {
        "code": values["code"].upper(), "area": values["area"],
        "title": {"id": values["title_id"], "en": values["title_en"]},
        "evidence": {"id": values["evidence_id"], "en": values["evidence_en"]},
        "criteria": {c: {"id": values[f"{c}_id"], "en": values[f"{c}_en"]} for c in COLOURS},
    }
    try:
        await services.add_local_indicator(current_user(request), indicator)
    except DomainError as exc:
        return await _page(request, [message(request, exc)], values, exc.status_code)
    return Redirect(path=request.app.route_reverse("diagnostic_catalogue"), status_code=303)


route_handlers = [Router(path="/", include_in_schema=False, route_handlers=[catalogue_page, add_indicator])]
