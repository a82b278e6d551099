"""The waiting room: the public TV board, its live JSON state (with the clips of each announcement), its voice
clips and its websocket."""

from __future__ import annotations

import msgspec
from litestar import MediaType, Request, Response, Router, WebSocket, get, websocket
from litestar.channels import ChannelsPlugin
from litestar.exceptions import NotFoundException, WebSocketDisconnect
from litestar.params import FromPath
from litestar.response import Template

from portal.queue import board, queries, voice, waits
from portal.queue.queries import UnitRow
from portal.queue.schemas import QueueState
from portal.web import request_lang, t

# --- public: the board, its JSON state and its websocket -------------------------------------------------------------

async def _public_unit(request: Request | WebSocket, unit_slug: str) -> UnitRow:
    unit = await queries.unit_by_slug(unit_slug)
    if unit is None:
        raise NotFoundException(t(request, "Unknown unit."))  # type: ignore[arg-type]
    return unit


@get("/units/{unit_slug:str}/board", name="queue_board")
async def queue_board(request: Request, unit_slug: FromPath[str]) -> Template:
    unit = await _public_unit(request, unit_slug)
    return Template("queue/board.html", context={"unit": unit, "state": await board.queue_state(unit),
                                                 "lang": request_lang(request)})


class BoardView(msgspec.Struct):
    """What the board's script reads: the queue state and, per recent call (RecentCall.key), the URLs of the
    clips that announce it in the board's language."""

    state: QueueState
    clips: dict[str, list[str]]
    lang: str


@get("/units/{unit_slug:str}/board/state", name="queue_board_state", media_type=MediaType.JSON, cache_control=None)
async def queue_board_state(request: Request, unit_slug: FromPath[str]) -> Response[BoardView]:
    unit = await _public_unit(request, unit_slug)
    state = await board.queue_state(unit)
    lang = request_lang(request)
    var_dir = request.app.state.settings.var_dir
    clips = {call.key: [request.app.route_reverse("queue_voice_clip", lang=lang, clip=name)
                        for name in voice.announcement(call.ticket, call.counter, call.counter_code, lang, var_dir)]
             for call in state.recent}
    return Response(BoardView(state=state, clips=clips, lang=lang), headers={"cache-control": "no-store"})


@get("/voice/{lang:str}/{clip:str}", name="queue_voice_clip")
async def queue_voice_clip(request: Request, lang: FromPath[str], clip: FromPath[str]) -> Response[bytes]:
    """One clip of the board's voice: the office's recording under <var>/voice/<lang>/ if there is one, else the
    shipped one (portal.queue.voice)."""
    path = voice.clip_file(request.app.state.settings.var_dir, lang, clip)
    if path is None:
        raise NotFoundException(t(request, "Page not found."))
    return Response(path.read_bytes(), media_type=voice.MEDIA_TYPES[path.suffix],
                    headers={"cache-control": "public, max-age=300"})


@get("/api/v1/units/{unit_slug:str}/queue", name="queue_api", media_type=MediaType.JSON,
     summary="Live queue state of a unit", tags=["queue"], cache_control=None)
async def api_queue(request: Request, unit_slug: FromPath[str]) -> Response[waits.LiveQueue]:
    """Waiting count, the ticket now served at each counter, the median wait today (arrival to call), and per
    service: people waiting, counters open, median wait of the last hour, an estimate with its basis
    (portal.queue.waits; cached a few seconds)."""
    unit = await _public_unit(request, unit_slug)
    return Response(await waits.live(unit), headers={"cache-control": "no-store"})


@websocket("/ws/units/{unit_slug:str}/queue", name="queue_ws")
async def ws_queue(socket: WebSocket, unit_slug: FromPath[str]) -> None:
    """Streams the unit's queue events (JSON QueueEvent) as they happen; first message: the current state."""
    unit = await queries.unit_by_slug(unit_slug)
    if unit is None:
        await socket.close(code=4404)
        return
    channels = socket.app.plugins.get(ChannelsPlugin)
    await socket.accept()

    async def forward(event: bytes) -> None:
        await socket.send_text(event.decode() if isinstance(event, bytes) else str(event))

    async with channels.start_subscription([board.channel_name(unit["id"])]) as subscriber:
        state = await board.queue_state(unit)
        await socket.send_text(msgspec.json.encode({"type": "state", "state": state}).decode())
        async with subscriber.run_in_background(forward):
            try:
                while True:
                    await socket.receive_text()
            except WebSocketDisconnect:
                pass


public = Router(path="/", opt={"exclude_from_auth": True}, include_in_schema=False,
                route_handlers=[queue_board, queue_board_state, queue_voice_clip, ws_queue])
public_api = Router(path="/", opt={"exclude_from_auth": True}, route_handlers=[api_queue])
