"""The outermost ASGI layer: each HTTP request gets an id, is counted and timed by route template and status
(portal.ops.metrics) and leaves one access-log line (portal.ops.logs says what a line may hold).

Its cost per request is a clock read, a counter increment and a histogram observation; no database work. Probes
and scrapes (/healthz, /readyz, /metrics) are counted but logged at DEBUG only, so a load balancer polling every
few seconds does not bury the requests that matter.
"""

from __future__ import annotations

import logging
import time
import uuid

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from portal.ops import logs, metrics

access_log = logging.getLogger("portal.access")
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
#: Any other method is counted as OTHER (a client cannot grow the label set at will).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ObserveMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = next((value for name, value in scope.get("headers", []) if name == b"x-request-id"), None)
        request_id = logs.incoming_request_id(incoming.decode("latin-1") if incoming else None) or uuid.uuid4().hex
        token = logs.REQUEST_ID.set(request_id)
        status = 500  # when the app fails before it starts a response
        header = (b"x-request-id", request_id.encode())

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("path_template") or metrics.UNMATCHED
            method = scope.get("method", "GET")
            method = method if method in METHODS else "OTHER"
            metrics.request_done(method, route, status, seconds)
            level = logging.DEBUG if route in QUIET_ROUTES else logging.INFO
            if access_log.isEnabledFor(level):
                duration_ms = round(seconds * 1000, 1)
                access_log.log(level, "%s %s %s %.1f ms", method, route, status, duration_ms, extra={
                    "method": method, "route": route, "status": status, "duration_ms": duration_ms})
            logs.REQUEST_ID.reset(token)
