"""Redis is an accelerator, not a dependency (ARCHITECTURE.md, "The write path"): stores fall back to an in-process
store while Redis is unreachable, and the live-event stream reconnects by itself when Redis returns.

- `FallbackStore`: every store operation goes to Redis; on a connection error it is served by an in-process
  MemoryStore instead (rate limits keep limiting, per process), and Redis is not asked again for a few seconds,
  so an outage costs no timeouts on every request. Sessions live only in Redis, so during an outage staff are
  asked to sign in again; citizens hold no session and notice nothing.
- `ResilientStreamBackend`: Litestar's Redis stream backend, whose reading loop ends for good on the first
  connection error (a board then stays open and silently gets nothing). This one keeps the position in every
  stream, waits with a short backoff and reads again, so every worker's boards receive events again within
  seconds of Redis returning.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Any

from litestar.channels.backends.redis import RedisChannelsStreamBackend
from litestar.stores.base import NamespacedStore, Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("portal.resilience")

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)
RETRY_AFTER_SECONDS = 3.0


class FallbackStore(Store):
    """A RedisStore that answers from an in-process MemoryStore while Redis is unreachable."""

    def __init__(self, primary: RedisStore, fallback: MemoryStore | None = None) -> None:
        self.primary = primary
        self.fallback = fallback or MemoryStore()
        self._down_until = 0.0

    @property
    def namespace(self) -> str | None:
        return self.primary.namespace

    def redis_usable(self) -> bool:
        """False for a few seconds after Redis failed (callers go to the fallback meanwhile)."""
        return time.monotonic() >= self._down_until

    def mark_down(self, exc: BaseException) -> None:
        """Redis failed with `exc`: use the fallback for RETRY_AFTER_SECONDS."""
        if self.redis_usable():
            log.warning("Redis unreachable (%s): using the in-process store for %.0f s", exc, RETRY_AFTER_SECONDS)
        self._down_until = time.monotonic() + RETRY_AFTER_SECONDS

    async def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.redis_usable():
            try:
                return await getattr(self.primary, name)(*args, **kwargs)
            except REDIS_DOWN as exc:
                self.mark_down(exc)
        return await getattr(self.fallback, name)(*args, **kwargs)

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        await self._call("set", key, value, expires_in=expires_in)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        return await self._call("get", key, renew_for=renew_for)

    async def delete(self, key: str) -> None:
        await self._call("delete", key)

    async def delete_all(self) -> None:
        await self._call("delete_all")

    async def exists(self, key: str) -> bool:
        return await self._call("exists", key)

    async def expires_in(self, key: str) -> int | None:
        return await self._call("expires_in", key)

    def with_namespace(self, namespace: str) -> FallbackStore:
        return FallbackStore(self.primary.with_namespace(namespace), self.fallback.with_namespace(namespace)
                             if isinstance(self.fallback, NamespacedStore) else MemoryStore())


class ResilientStreamBackend(RedisChannelsStreamBackend):
    """Redis stream channels whose reader survives Redis restarts (see the module docstring)."""

    reconnect_delays = (0.2, 0.5, 1.0, 2.0)

    async def stream_events(self) -> AsyncGenerator[tuple[str, Any], None]:
        stream_ids: dict[str, bytes] = {}
        failures = 0
        while True:
            stream_keys = [self._make_key(c) for c in await self._get_subscribed_channels()]
            try:
                data = await self._redis.xread(
                    {key: stream_ids.get(key, 0) for key in stream_keys}, block=self._stream_sleep_no_subscriptions
                )
            except REDIS_DOWN as exc:
                if failures == 0:
                    log.warning("live events: Redis unreachable (%s); reconnecting", exc)
                await asyncio.sleep(self.reconnect_delays[min(failures, len(self.reconnect_delays) - 1)])
                failures += 1
                continue
            if failures:
                log.warning("live events: Redis is back after %s attempts", failures)
                failures = 0
            for stream_key, channel_events in data or []:
                for event_id, event in channel_events:
                    stream_ids[stream_key.decode()] = event_id
                    yield event[b"channel"].decode(), event[b"data"]
