"""Staff routes of the kiosk: the unit's kiosks, registering one for a counter (a one-time pairing link and its QR),
a new pairing link, revocation. Managers act; heads see."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, get, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from portal.accounts.guards import current_user, ensure_can, requires
from portal.accounts.permissions import units_visible
from portal.feedback.qr import inline_svg
from portal.kiosk import queries, services
from portal.kiosk.queries import CounterRow, KioskRow
from portal.kiosk.schemas import KioskForm
from portal.web import FORM, t


def _scope(request: Request) -> list[int] | None:
    units = units_visible(current_user(request))
    return None if units is None else sorted(units)


def pairing_url(public_url: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/kiosk/pair/{code}"


async def _kiosk(request: Request, kiosk_id: int) -> KioskRow:
    kiosk = await queries.kiosk_by_id(kiosk_id)
    if kiosk is None:
        raise NotFoundException(t(request, "Unknown kiosk."))
    ensure_can(request, "kiosks.manage", kiosk["unit"])
    return kiosk


def _link_page(request: Request, kiosk_id: int, counter: CounterRow, code: str) -> Template:
    url = pairing_url(request.app.state.settings.public_url, code)
    return Template("kiosk/pairing_link.html", context={
        "kiosk_id": kiosk_id, "counter": counter, "url": url, "qr": inline_svg(url, f"k{kiosk_id}"),
        "valid_days": services.PAIRING_VALID.days})


@get("/console/kiosks", name="kiosk_list", guards=[requires("kiosks.view")])
async def kiosk_list(request: Request) -> Template:
    scope = _scope(request)
    return Template("kiosk/console.html", context={
        "kiosks": await queries.kiosks_of_units(scope), "counters": await queries.counters_of_units(scope)})


@post("/console/kiosks", name="kiosk_create", guards=[requires("kiosks.manage")], status_code=200)
async def kiosk_create(request: Request, data: Annotated[KioskForm, FORM]) -> Template:
    counter = await queries.counter_by_code(data.counter[:16])
    if counter is None or not counter["active"]:
        raise ClientException(t(request, "Choose one of your unit's counters."))
    ensure_can(request, "kiosks.manage", counter["unit"])
    kiosk_id, code = await services.create(counter, data.label.strip(), current_user(request))
    return _link_page(request, kiosk_id, counter, code)


@post("/console/kiosks/{kiosk_id:int}/pairing", name="kiosk_pairing", guards=[requires("kiosks.manage")], status_code=200)
async def kiosk_pairing(request: Request, kiosk_id: FromPath[int]) -> Template:
    kiosk = await _kiosk(request, kiosk_id)
    code = await services.new_pairing(kiosk, current_user(request))
    counter = await queries.counter_by_id(kiosk["counter"])
    assert counter is not None  # a kiosk's counter exists (foreign key)
    return _link_page(request, kiosk_id, counter, code)


@post("/console/kiosks/{kiosk_id:int}/revoke", name="kiosk_revoke", guards=[requires("kiosks.manage")], status_code=303)
async def kiosk_revoke(request: Request, kiosk_id: FromPath[int]) -> Redirect:
    kiosk = await _kiosk(request, kiosk_id)
    await services.revoke(kiosk, current_user(request))
    return Redirect(path=request.app.route_reverse("kiosk_list"), status_code=303)


route_handlers = [kiosk_list, kiosk_create, kiosk_pairing, kiosk_revoke]
