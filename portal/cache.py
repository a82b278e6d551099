"""Small in-process caches with a time to live, for the citizen hot path (one per process, never shared).

`catalog` holds what a counter's pages need (the counter, its unit, its services and their standards in force);
every change to units, services, counters or standards calls `catalog_changed()` in the process that made it,
and other worker processes see the change within CATALOG_TTL seconds (docs/deploy.md). `published` holds the
published figures read by thank-you pages for a few seconds (the refresher changes them at most that often).
"""

from __future__ import annotations

import time
from typing import Any

CATALOG_TTL = 5.0
PUBLISHED_TTL = 2.0
_MISSING = object()


class TTLCache:
    def __init__(self, ttl: float, maxsize: int = 2048) -> None:
        self.ttl = ttl
        self.maxsize = maxsize
        self._items: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any, default: Any = _MISSING) -> Any:
        found = self._items.get(key)
        if found is None or found[0] < time.monotonic():
            return default
        return found[1]

    def put(self, key: Any, value: Any) -> None:
        if len(self._items) >= self.maxsize:
            now = time.monotonic()
            self._items = {k: v for k, v in self._items.items() if v[0] >= now}
            if len(self._items) >= self.maxsize:
                self._items.clear()
        self._items[key] = (time.monotonic() + self.ttl, value)

    def clear(self) -> None:
        self._items.clear()


catalog = TTLCache(CATALOG_TTL)
published = TTLCache(PUBLISHED_TTL)
MISSING = _MISSING


def catalog_changed() -> None:
    """Forget the cached catalog of this process (call after any change to units, services, counters or
    standards)."""
    catalog.clear()
