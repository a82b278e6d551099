"""Paper survey forms (back office): upload a CSV or XLSX of tallied forms for a service and a period."""

from __future__ import annotations

from datetime import date

from litestar import Request, Router, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from portal.accounts.guards import ensure_can, requires
from portal.accounts.permissions import units_visible
from portal.feedback import paper, queries, services
from portal.web import request_lang, t
from survey.csvio import TallyError


def _scope(request: Request) -> list[int] | None:
    units = units_visible(request.user)
    return None if units is None else sorted(units)


async def _imports_page(request: Request, *, errors: list | None = None, form: dict | None = None,
                        message: str | None = None, status_code: int = 200) -> Template:
    scope = _scope(request)
    return Template("feedback/imports.html", status_code=status_code, context={
        "batches": await queries.paper_batches(scope), "services": await queries.services_of_units(scope),
        "errors": [(r, c, paper.explain(why, request_lang(request))) for r, c, why in errors or []],
        "form": form or {}, "message": message, "columns": ("u1..u9", *paper.OPTIONAL_COLUMNS),
    })


@get("/console/imports", name="feedback_paper_imports", guards=[requires("imports.run")])
async def paper_imports(request: Request) -> Template:
    return await _imports_page(request)


def _form_date(text: str) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


@post("/console/imports", name="feedback_paper_import", guards=[requires("imports.run")], status_code=303)
async def paper_import(request: Request) -> Template | Redirect:
    form = await request.form()
    slug = form.get("service") if isinstance(form.get("service"), str) else ""
    kept = {"service": slug, "period_from": form.get("period_from") or "", "period_to": form.get("period_to") or ""}
    service = await queries.service_by_slug(slug) if slug else None
    if service is None:
        return await _imports_page(request, form=kept, status_code=400,
                                   message=t(request, "Choose the service the forms are about."))
    ensure_can(request, "imports.run", service["unit"])
    period_from, period_to = _form_date(kept["period_from"]), _form_date(kept["period_to"])
    if period_from is None or period_to is None or period_from > period_to:
        return await _imports_page(request, form=kept, status_code=400,
                                   message=t(request, "Give the period as two dates, the first not after the second."))
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _imports_page(request, form=kept, status_code=400,
                                   message=t(request, "Choose a CSV or XLSX file."))
    content = await upload.read()
    try:
        rows = await paper.read_and_parse(content, upload.filename, period_from, period_to)
    except TallyError as exc:
        return await _imports_page(request, form=kept, status_code=400, errors=exc.errors,
                                   message=t(request, "Nothing was imported: correct these rows and upload the "
                                                      "whole file again."))
    batch_id = await services.import_paper(service, period_from, period_to, upload.filename, request.user, rows)
    return Redirect(path=request.app.route_reverse("feedback_paper_import_batch", batch_id=batch_id), status_code=303)


@get("/console/imports/{batch_id:int}", name="feedback_paper_import_batch", guards=[requires("imports.run")])
async def paper_import_batch(request: Request, batch_id: FromPath[int]) -> Template:
    batch = await queries.paper_batch(batch_id)
    if batch is None:
        raise NotFoundException(t(request, "Page not found."))
    ensure_can(request, "imports.run", batch["unit"])
    return Template("feedback/import_batch.html", context={
        "batch": batch, "days": await queries.paper_batch_days(batch_id)})


paper_console = Router(path="/", include_in_schema=False,
                       route_handlers=[paper_imports, paper_import, paper_import_batch])
