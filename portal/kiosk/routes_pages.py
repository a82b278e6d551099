"""The tablet's pages: the one-time pairing link, the kiosk survey (plain forms that work without JavaScript;
static/kiosk/kiosk.js turns them into one question per screen that keeps answers while offline), its manifest and
service worker. The device token travels in an HttpOnly cookie limited to /kiosk and, for the script, in the page."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from portal.feedback import queries as feedback_queries
from portal.feedback.queries import CounterServiceRow
from portal.kiosk import queries, services
from portal.kiosk.queries import KioskRow
from portal.kiosk.schemas import KioskAnswerForm, KioskItem
from portal.paths import STATIC_DIR
from portal.timeutil import utcnow
from portal.web import FORM, request_lang, t
from survey.instrument import UNSUR_2017

COOKIE = "portal_kiosk"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie


def _unsur(lang: str) -> list[dict]:
    english = lang == "en"
    return [{"field": f"u{i}", "name": u.name_en if english else u.name_id,
             "labels": u.labels_en if english else u.labels_id} for i, u in enumerate(UNSUR_2017, start=1)]


async def context_of(kiosk: KioskRow) -> tuple[Mapping[str, Any], Mapping[str, Any], list[CounterServiceRow]]:
    """The kiosk's counter, unit and the counter's active services (per-process catalog cache); an empty unit
    and no services when the counter was deactivated."""
    counter = await queries.counter_by_id(kiosk["counter"])
    found = await feedback_queries.counter_context(counter["code"]) if counter else None
    if found is None:  # the counter was deactivated: the kiosk has nothing to ask about
        return counter or {}, {}, []
    return found


def _not_paired(request: Request) -> Template:
    return Template("kiosk/not_paired.html", status_code=401, headers={"cache-control": "no-store"})


@get("/kiosk/pair/{code:str}", name="kiosk_pair_page")
async def pair_page(request: Request, code: FromPath[str]) -> Template:
    kiosk = await queries.kiosk_by_pairing(code, utcnow())
    if kiosk is None:
        raise NotFoundException(t(request, "This pairing link is not valid: it was already used, it expired, or "
                                           "it is mistyped. Ask the unit's manager for a new one."))
    counter, unit, _services = await context_of(kiosk)
    return Template("kiosk/pair.html", context={"code": code, "counter": counter, "unit": unit},
                    headers={"cache-control": "no-store"})


@post("/kiosk/pair/{code:str}", name="kiosk_pair", status_code=303)
async def pair(request: Request, code: FromPath[str]) -> Redirect:
    paired = await services.pair(code)
    if paired is None:
        raise NotFoundException(t(request, "This pairing link is not valid: it was already used, it expired, or "
                                           "it is mistyped. Ask the unit's manager for a new one."))
    _kiosk, token = paired
    secure = request.app.state.settings.public_url.startswith("https://")
    cookie = Cookie(key=COOKIE, value=token, path="/kiosk", max_age=COOKIE_MAX_AGE, httponly=True,
                    samesite="strict", secure=secure)
    return Redirect(path=request.app.route_reverse("kiosk_page"), status_code=303, cookies=[cookie])


@get("/kiosk", name="kiosk_page")
async def kiosk_page(request: Request) -> Template:
    token = request.cookies.get(COOKIE)
    kiosk = await queries.kiosk_by_token(token)
    if kiosk is None:
        return _not_paired(request)
    counter, unit, services_ = await context_of(kiosk)
    return Template("kiosk/kiosk.html", headers={"cache-control": "no-store"}, context={
        "token": token, "counter": counter, "unit": unit, "services": services_,
        "unsur": _unsur(request_lang(request)), "answer_id": str(uuid.uuid4())})


@post("/kiosk", name="kiosk_answer", status_code=200)
async def kiosk_answer(request: Request, data: Annotated[KioskAnswerForm, FORM]) -> Template:
    """The plain-form answer (no JavaScript, online): one item through the same checks and write as a batch."""
    kiosk = await queries.kiosk_by_token(request.cookies.get(COOKIE))
    if kiosk is None:
        return _not_paired(request)
    counter, unit, services_ = await context_of(kiosk)
    item = KioskItem(id=data.id, given_at=utcnow().isoformat(), u=data.scores(), service=data.service or None,
                     comment=data.comment, lang=request_lang(request))
    lang = request_lang(request)
    result = await services.store_batch(kiosk, unit, services_, [msgspec.json.encode(item)], lang)
    outcome = result.items[0]
    if outcome.status == "refused":
        return Template("kiosk/kiosk.html", status_code=400, context={
            "token": request.cookies.get(COOKIE), "counter": counter, "unit": unit, "services": services_,
            "unsur": _unsur(lang), "answer_id": str(uuid.uuid4()), "error": outcome.message})
    return Template("kiosk/thanks.html", context={"counter": counter, "unit": unit})


@get("/kiosk/sw.js", name="kiosk_sw")
async def service_worker() -> Response:
    """The service worker, served under /kiosk so that it may control the kiosk page."""
    return Response((STATIC_DIR / "kiosk" / "sw.js").read_bytes(), media_type="text/javascript",
                    headers={"service-worker-allowed": "/kiosk", "cache-control": "no-cache"})


@get("/kiosk/manifest.webmanifest", name="kiosk_manifest")
async def manifest() -> Response:
    return Response((STATIC_DIR / "kiosk" / "manifest.webmanifest").read_bytes(),
                    media_type="application/manifest+json", headers={"cache-control": "no-cache"})


route_handlers = [pair_page, pair, kiosk_page, kiosk_answer, service_worker, manifest]
