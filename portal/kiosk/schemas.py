"""The kiosk batch API: msgspec structs of what a tablet sends and what it is told back (never any data)."""

from __future__ import annotations

import json

import msgspec

#: Answers per batch; a tablet that was offline for a day sends its queue in several batches.
BATCH_MAX = 200


class KioskItem(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One answer as the tablet queued it: its own UUID, when it was given (ISO 8601 with offset), the service
    (slug; may be left out when the counter serves one service), the nine answers 1–4 (null = unanswered) and an
    optional comment."""

    id: str
    given_at: str
    u: list[int | None]
    service: str | None = None
    comment: str = ""
    lang: str = "id"


class KioskBatch(msgspec.Struct, forbid_unknown_fields=True):
    items: list[msgspec.Raw]


def batch_items(body: bytes) -> list[bytes]:
    """The raw items of a batch body, each to be judged on its own; ValueError when the body is not a JSON object
    {"items": [...]}. msgspec refuses a whole document for one lone UTF-16 surrogate (JSON can carry "\\ud800", a
    browser's JSON.stringify writes one for half a character pair): such a body is split with the json module
    instead, so only that item is refused. Nesting is bounded before any handler (portal.security)."""
    try:
        return [bytes(raw) for raw in msgspec.json.decode(body, type=KioskBatch).items]
    except msgspec.DecodeError:
        pass
    try:
        loose = json.loads(body)
    except (ValueError, RecursionError):
        raise ValueError("not JSON") from None
    if not isinstance(loose, dict) or set(loose) != {"items"} or not isinstance(loose["items"], list):
        raise ValueError("not a batch")
    return [json.dumps(entry).encode() for entry in loose["items"]]  # ensure_ascii: a lone surrogate stays escaped


class ItemResult(msgspec.Struct):
    """stored | duplicate (already stored: the tablet may forget it) | refused (with the reason)."""

    id: str | None
    status: str
    reason: str | None = None
    message: str | None = None


class BatchResult(msgspec.Struct):
    stored: int
    duplicates: int
    refused: int
    items: list[ItemResult]
