"""The citizen POSTs' fixed-window rate limit counted in one step (portal.ratelimit): in the process, in one Redis
call shared by every worker (run with PORTAL_REDIS_URL), and in the process again while Redis is unreachable."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from redis.asyncio import Redis

from portal import ratelimit
from portal.resilience import FallbackStore


def test_in_process_window_allows_the_limit_then_refuses_until_it_closes(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr(ratelimit, "unix_now", lambda: now[0])
    store = MemoryStore()
    assert [ratelimit.count_in_process(store, "a", 60, 3)[0] for _ in range(4)] == [True, True, True, False]
    assert ratelimit.count_in_process(store, "a", 60, 3)[1] == [3, 1_000_060]
    assert ratelimit.count_in_process(store, "b", 60, 3)[0]  # another client has its own window
    now[0] += 59
    assert not ratelimit.count_in_process(store, "a", 60, 3)[0]
    now[0] += 1  # the window has closed: a new one opens at this request
    assert ratelimit.count_in_process(store, "a", 60, 3) == (True, [1, 1_000_120])


def test_closed_windows_are_dropped_as_new_clients_come(monkeypatch):
    now = [2_000_000.0]
    monkeypatch.setattr(ratelimit, "unix_now", lambda: now[0])
    store = MemoryStore()
    for i in range(1000):
        ratelimit.count_in_process(store, f"client {i}", 60, 3)
    now[0] += 30
    ratelimit.count_in_process(store, "client 0", 60, 3)  # still its first window
    ratelimit.count_in_process(store, "late", 60, 3)
    assert len(ratelimit._windows_of(store)) == 1001
    now[0] += 31  # the first thousand windows have closed; "late" has not
    ratelimit.count_in_process(store, "newcomer", 60, 3)
    assert list(ratelimit._windows_of(store)) == ["late", "newcomer"]


def _redis_url() -> str:
    url = os.environ.get("PORTAL_REDIS_URL", "")
    if not url:
        pytest.skip("needs Redis (PORTAL_REDIS_URL, the scale-out pass)")
    return url


async def test_redis_window_counts_every_request_of_concurrent_workers():
    url, namespace = _redis_url(), f"ratelimit-test-{uuid.uuid4().hex[:8]}"
    workers = [FallbackStore(RedisStore(Redis.from_url(url), namespace=namespace)) for _ in range(2)]
    try:
        answers = await asyncio.gather(*(ratelimit.count_in_redis(workers[i % 2], "client", 60, 10)
                                         for i in range(25)))
        assert sum(allowed for allowed, _window in answers) == 10  # atomic: no lost update across workers
        refused = [window for allowed, window in answers if not allowed]
        assert len(refused) == 15 and all(count == 10 for count, _reset in refused)
        assert workers[0].redis_usable()
        other = await ratelimit.count_in_redis(workers[1], "another client", 60, 10)
        assert other[0] and other[1][0] == 1
        ttl = await workers[0].primary._redis.ttl(workers[0].primary._make_key("client::window"))
        assert 0 < ttl <= 60  # the window closes by itself
    finally:
        for store in workers:
            await store.primary.delete_all()
            await store.primary._redis.aclose()


async def test_redis_unreachable_counts_in_the_process_and_stops_asking_for_a_while():
    store = FallbackStore(RedisStore(Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5), namespace="x"))
    answers = [await ratelimit.count_in_redis(store, "client", 60, 3) for _ in range(4)]
    assert [allowed for allowed, _window in answers] == [True, True, True, False]
    assert not store.redis_usable()
    await store.primary._redis.aclose()
