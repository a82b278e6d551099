"""Litestar's fixed-window rate limit, counted in one step: in the process (embedded mode) or in one Redis call.

Litestar's RateLimitMiddleware keeps, per client, the list of its request times in the store, encoded as JSON: each
checked request takes a process-wide lock, reads and decodes the list, re-encodes it one longer and writes it back
(two store calls; with Redis two network round trips, and a lost update when two workers count the same client at
once). About a tenth of a survey POST's CPU in the embedded mode (bench/RESULTS-submit.md). Here the same rule — a
window opens at a client's first request and lasts the configured unit; at most `max_requests` in it; the one after
is 429 with the same RateLimit-* headers — is counted in one step:

- a plain MemoryStore (the embedded mode: one process, nothing shares it): a `[count, window end]` pair in a dict
  beside that store, synchronously, so no lock is needed;
- a FallbackStore around Redis (the scale-out mode, shared by the workers): one Lua script (INCR, and EXPIRE when
  the window opens), atomic in Redis, so concurrent workers count every request; while Redis is unreachable the
  store's in-process fallback is counted as above (per worker, as portal.resilience describes);
- any other store goes through Litestar's own code, unchanged.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import DURATION_VALUES, CacheObject, RateLimitMiddleware
from litestar.stores.memory import MemoryStore
from litestar.types import Receive, Scope, Send

from portal.resilience import REDIS_DOWN, FallbackStore
from portal.timeutil import unix_now

#: Per MemoryStore (by id, with the store kept so that the id is not reused; an app's stores live as long as it):
#: client key -> [requests in the window, the window's end (Unix seconds)], oldest window first: every window
#: lasts the same time and a new one goes to the end, so the closed ones are always at the front.
_WINDOWS: dict[int, tuple[MemoryStore, OrderedDict[str, list[int]]]] = {}

#: KEYS[1] the client's window counter, ARGV[1] the window's length (s) -> {requests in the window, seconds left}.
WINDOW_SCRIPT = b"""
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if n == 1 or ttl < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {n, ttl}
"""
#: Per RedisStore (by id, kept as above): the registered script (EVALSHA, loaded again if Redis restarted).
_SCRIPTS: dict[int, tuple[Any, Any]] = {}


def _windows_of(store: MemoryStore) -> OrderedDict[str, list[int]]:
    found = _WINDOWS.get(id(store))
    if found is None:
        found = _WINDOWS[id(store)] = (store, OrderedDict())
    return found[1]


def _sweep(windows: OrderedDict[str, list[int]], now: int) -> None:
    """Drop the closed windows at the front (each request opens at most one window, so this is O(1) amortised;
    it scanned every client's window on every new client before, 3 % of a POST with 10,000 clients a minute)."""
    while windows:
        key = next(iter(windows))
        if windows[key][1] > now:
            return
        del windows[key]


def count_in_process(store: MemoryStore, key: str, seconds: int, limit: int) -> tuple[bool, list[int]]:
    """Count one request of `key` in the process: (allowed, [requests in the window, its end])."""
    windows = _windows_of(store)
    now = int(unix_now())
    window = windows.get(key)
    if window is None or window[1] <= now:
        _sweep(windows, now)  # drops this key's closed window too: the new one goes to the end
        window = windows[key] = [0, now + seconds]
    if window[0] >= limit:
        return False, window
    window[0] += 1
    return True, window


async def count_in_redis(store: FallbackStore, key: str, seconds: int, limit: int) -> tuple[bool, list[int]]:
    """Count one request of `key` in Redis, in one round trip (the module); the in-process count of the store's
    fallback while Redis is unreachable."""
    if store.redis_usable():
        primary = store.primary
        found = _SCRIPTS.get(id(primary))
        if found is None:
            found = _SCRIPTS[id(primary)] = (primary, primary._redis.register_script(WINDOW_SCRIPT))
        try:
            count, left = await found[1](keys=[primary._make_key(f"{key}::window")], args=[seconds])
        except REDIS_DOWN as exc:
            store.mark_down(exc)
        else:
            return int(count) <= limit, [min(int(count), limit), int(unix_now()) + int(left)]
    fallback = store.fallback
    if type(fallback) is not MemoryStore:  # pragma: no cover - FallbackStore always falls back to a MemoryStore
        raise TypeError(f"in-process fallback expected, not {type(fallback).__name__}")
    return count_in_process(fallback, key, seconds, limit)


class WindowRateLimitMiddleware(RateLimitMiddleware):
    """RateLimitMiddleware with the one-step count described in the module (use as the config's
    middleware_class)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["litestar_app"]
        store = self.config.get_store_from_app(app)
        if type(store) is not MemoryStore and not isinstance(store, FallbackStore):
            await super().__call__(scope, receive, send)
            return
        request: Any = app.request_class(scope)
        if await self.should_check_request(request=request):
            key = self.cache_key_from_request(request)
            seconds = DURATION_VALUES[self.unit]
            if isinstance(store, FallbackStore):
                allowed, window = await count_in_redis(store, key, seconds, self.max_requests)
            else:
                allowed, window = count_in_process(store, key, seconds, self.max_requests)
            if not allowed:
                raise TooManyRequestsException(
                    headers=self._headers(window) if self.config.set_rate_limit_headers else None)
            if self.config.set_rate_limit_headers:
                send = self.create_send_wrapper(send=send, cache_object=CacheObject(history=[0] * window[0],
                                                                                     reset=window[1]))
        await self.app(scope, receive, send)  # pyright: ignore[reportCallIssue]  # as the parent class calls it

    def _headers(self, window: list[int]) -> dict[str, str]:
        return self.create_response_headers(CacheObject(history=[0] * window[0], reset=window[1]))
