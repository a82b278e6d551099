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


#: The most answers a tablet can report holding (a sanity bound on the `waiting` it reports).
WAITING_MAX = 1_000_000


class KioskBatch(msgspec.Struct, forbid_unknown_fields=True):
    """A batch; `waiting` is how many answers the tablet held when it sent it, this batch's items included (an
    empty batch with `waiting` 0 is a heartbeat). Tablets of an older script leave it out."""

    items: list[msgspec.Raw]
    waiting: int | None = None


def decode_batch(body: bytes) -> KioskBatch:
    """The batch, its items still raw (each is judged on its own); ValueError when the body is not a batch.
    msgspec refuses a whole document for one lone UTF-16 surrogate (JSON can carry "\\ud800": a browser's
    JSON.stringify writes one for half a character pair), so such a body is read with the json module instead and
    its items re-encoded one by one: only the item holding it is refused. Nesting is bounded before any handler
    (portal.security)."""
    try:
        return msgspec.json.decode(body, type=KioskBatch)
    except msgspec.DecodeError:
        pass
    try:
        loose = json.loads(body)
        if not isinstance(loose, dict) or not isinstance(loose.get("items"), list):
            raise ValueError("not a batch")
        # ensure_ascii: a lone surrogate stays escaped in the item's own bytes
        items = [msgspec.Raw(json.dumps(entry).encode()) for entry in loose["items"]]
        return msgspec.convert({**loose, "items": items}, KioskBatch)
    except (ValueError, RecursionError, msgspec.ValidationError):
        raise ValueError("not a batch") from None


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


class KioskForm(msgspec.Struct):
    """A kiosk registered for one of the unit's counters (console form)."""

    counter: str = ""
    label: str = ""


class KioskAnswerForm(msgspec.Struct):
    """The kiosk's plain-form answer (no JavaScript): the nine scores u1..u9 ("" = not answered), the service, a
    comment and the answer's one-use id."""

    id: str = ""
    service: str = ""
    comment: str = ""
    u1: str = ""
    u2: str = ""
    u3: str = ""
    u4: str = ""
    u5: str = ""
    u6: str = ""
    u7: str = ""
    u8: str = ""
    u9: str = ""

    def scores(self) -> list[int | None]:
        """Each score 1-4, None when not answered, 0 (refused by the batch's checks) when not a score."""
        raws = [getattr(self, f"u{i}").strip() for i in range(1, 10)]
        return [int(raw) if raw in ("1", "2", "3", "4") else (None if raw == "" else 0) for raw in raws]
