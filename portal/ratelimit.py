"""Litestar's fixed-window rate limit, counted in the process when its store is the in-process MemoryStore.

Litestar's RateLimitMiddleware keeps, per client, the list of its request times in the store, encoded as JSON: each
checked request takes a process-wide lock, reads and decodes the list, re-encodes it one longer and writes it back,
through the store's own lock and expiry bookkeeping (about a tenth of a survey POST's CPU in the embedded mode,
bench/RESULTS-submit.md). When the store is a plain MemoryStore (the embedded mode: one process, nothing shares it)
the same window is counted here instead, in a dict beside that store: the same key, the same rule (a window opens
at a client's first request and lasts the configured unit; at most `max_requests` in it; the one after is 429 with
the same RateLimit-* headers), synchronously, so no lock is needed. Any other store (Redis in the scale-out mode,
shared by the workers) goes through Litestar's own code, unchanged.
"""

from __future__ import annotations

from typing import Any

from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import DURATION_VALUES, CacheObject, RateLimitMiddleware
from litestar.stores.memory import MemoryStore
from litestar.types import Receive, Scope, Send

from portal.timeutil import unix_now

#: Per MemoryStore (by id, with the store kept so that the id is not reused; an app's stores live as long as it):
#: client key -> [requests in the window, the window's end (Unix seconds)].
_WINDOWS: dict[int, tuple[MemoryStore, dict[str, list[int]]]] = {}
#: Closed windows are dropped when a store's dict holds more than this many clients (each request adds at most one).
SWEEP_ABOVE = 10_000


def _windows_of(store: MemoryStore) -> dict[str, list[int]]:
    found = _WINDOWS.get(id(store))
    if found is None:
        found = _WINDOWS[id(store)] = (store, {})
    return found[1]


def _sweep(windows: dict[str, list[int]], now: int) -> None:
    for key in [key for key, (_count, reset) in windows.items() if reset <= now]:
        del windows[key]


class WindowRateLimitMiddleware(RateLimitMiddleware):
    """RateLimitMiddleware with the in-process count described in the module (use as the config's
    middleware_class)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["litestar_app"]
        store = self.config.get_store_from_app(app)
        if type(store) is not MemoryStore:
            await super().__call__(scope, receive, send)
            return
        request: Any = app.request_class(scope)
        if await self.should_check_request(request=request):
            key = self.cache_key_from_request(request)
            windows = _windows_of(store)
            now = int(unix_now())
            window = windows.get(key)
            if window is None or window[1] <= now:
                if len(windows) >= SWEEP_ABOVE:
                    _sweep(windows, now)
                window = windows[key] = [0, now + DURATION_VALUES[self.unit]]
            if window[0] >= self.max_requests:
                raise TooManyRequestsException(
                    headers=self._headers(window) if self.config.set_rate_limit_headers else None)
            window[0] += 1
            if self.config.set_rate_limit_headers:
                send = self.create_send_wrapper(send=send, cache_object=CacheObject(history=[0] * window[0],
                                                                                     reset=window[1]))
        await self.app(scope, receive, send)  # pyright: ignore[reportCallIssue]  # as the parent class calls it

    def _headers(self, window: list[int]) -> dict[str, str]:
        return self.create_response_headers(CacheObject(history=[0] * window[0], reset=window[1]))
