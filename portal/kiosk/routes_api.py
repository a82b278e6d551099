"""The kiosk batch API: POST /api/v1/kiosk/responses with the device token in the X-Kiosk-Token header. It only
writes: the answer tells, per item, stored, duplicate or refused, and never returns any data."""

from __future__ import annotations

from litestar import MediaType, Request, Response, post
from litestar.exceptions import ClientException, NotAuthorizedException

from portal.kiosk import queries, services
from portal.kiosk.routes_pages import context_of
from portal.kiosk.schemas import BATCH_MAX, WAITING_MAX, BatchResult, decode_batch
from portal.web import request_lang, t

TOKEN_HEADER = "x-kiosk-token"


@post("/api/v1/kiosk/responses", name="kiosk_api_responses", media_type=MediaType.JSON, status_code=200,
      summary="Send a kiosk's queued survey answers", tags=["kiosk"])
async def kiosk_responses(request: Request) -> Response[BatchResult]:
    """A batch `{"items": [{"id": UUID, "given_at": ISO time, "service": slug, "u": [9 x 1..4|null],
    "comment": ""}], "waiting": N}` (N: the answers the tablet holds, these included; `{"items": [], "waiting": 0}`
    is a heartbeat, so /console/kiosks shows when each tablet last reached the server). Each item is stored once (its UUID is unique), with the time it was given; an item in the
    future or before the kiosk's pairing, or with a bad score, is refused with its reason while the rest is
    stored; the answer lists every item's status in the items' order. A revoked or unknown token gets 401 and
    nothing is stored."""
    kiosk = await queries.kiosk_by_token(request.headers.get(TOKEN_HEADER))
    if kiosk is None:
        raise NotAuthorizedException(t(request, "This kiosk is not paired (or was revoked). Its answers stay on "
                                                "the tablet until it is paired again."))
    try:
        batch = decode_batch(await request.body())
    except ValueError:
        raise ClientException(t(request, "Send a JSON object with a list of items.")) from None
    if len(batch.items) > BATCH_MAX:
        raise ClientException(t(request, "At most %(n)s answers per batch.", n=BATCH_MAX))
    if batch.waiting is not None and not len(batch.items) <= batch.waiting <= WAITING_MAX:
        raise ClientException(t(request, "The number of waiting answers is not plausible."))
    _counter, unit, services_ = await context_of(kiosk)
    if not unit:
        raise ClientException(t(request, "This kiosk's counter is no longer active."), status_code=409)
    result = await services.store_batch(kiosk, unit, services_, batch.items, request_lang(request), batch.waiting)
    return Response(result, headers={"cache-control": "no-store"})


route_handlers = [kiosk_responses]
