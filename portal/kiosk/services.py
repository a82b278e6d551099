"""The kiosk capability's writes: registering a kiosk, its one-time pairing link, pairing, revocation, and the
answers a tablet sends in batches.

Each function owns its transaction (row + audit entry together). Answers are stored one transaction per item
through the feedback write path (portal.feedback.services.submit_given: the response, its receipt with the
device's UUID under a unique index, and its rollup delta), so a replayed batch stores nothing new and one bad
item never keeps the others out.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid as uuidlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import msgspec

from portal.accounts import audit
from portal.db.tables_kiosk import Kiosk, KioskAnswer
from portal.feedback import services as feedback
from portal.feedback.schemas import COMMENT_MAX
from portal.kiosk import queries
from portal.kiosk.queries import CounterRow, KioskRow
from portal.kiosk.schemas import BatchResult, ItemResult, KioskItem
from portal.locale import gettext
from portal.ops import metrics
from portal.settings import LANGUAGES
from portal.timeutil import local_day, utcnow

#: How long a pairing link stays usable.
PAIRING_VALID = timedelta(days=7)
#: Tolerated difference between the tablet's clock and the server's (both ends of the sanity window).
CLOCK_SKEW = timedelta(minutes=5)

REASONS = {
    "malformed": "This answer could not be read.",
    "bad_id": "The answer's id is not a UUID.",
    "bad_time": "The time the answer was given is not a date and time with its offset.",
    "future": "The time the answer was given lies in the future.",
    "before_pairing": "The answer was given before this kiosk was paired.",
    "bad_service": "This counter does not serve this service.",
    "bad_score": "Every answer must be between 1 and 4 (or left out), for the nine questions.",
    "empty": "No question was answered.",
    "comment_too_long": "The comment is too long.",
    "bad_text": "The answer contains a character that cannot be stored (NUL or half of a character pair).",
}
#: NUL (PostgreSQL refuses it in text) and lone UTF-16 surrogates (no database encodes them; JSON can carry them).
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
#: The item's own id, read from an item that cannot be decoded, so the tablet can still drop it.
_ITEM_ID = re.compile(rb'"id"\s*:\s*"([0-9A-Fa-f-]{32,36})"')


async def create(counter: CounterRow, label: str, actor) -> tuple[int, str]:
    """Register a kiosk for `counter`; returns its id and the one-time pairing code (shown once, stored hashed)."""
    code, now = secrets.token_urlsafe(18), utcnow()
    async with Kiosk._meta.db.transaction():
        rows = await Kiosk.insert(Kiosk(
            unit=counter["unit"], counter=counter["id"], label=label[:80], pairing_hash=queries.secret_hash(code),
            pairing_expires_at=now + PAIRING_VALID, created_by=actor.id if actor else None,
        )).returning(Kiosk.id).run()
        kiosk_id = rows[0]["id"]
        await audit.record(actor, "create", "kiosk", kiosk_id, unit_id=counter["unit"],
                           after={"counter": counter["code"], "label": label[:80]})
    return kiosk_id, code


async def new_pairing(kiosk: KioskRow, actor) -> str:
    """A fresh one-time pairing link for an existing kiosk (a new tablet, or the same one after revocation);
    the kiosk keeps its first pairing time, so answers it kept while revoked are still accepted."""
    code, now = secrets.token_urlsafe(18), utcnow()
    async with Kiosk._meta.db.transaction():
        await Kiosk.update({Kiosk.pairing_hash: queries.secret_hash(code),
                            Kiosk.pairing_expires_at: now + PAIRING_VALID}).where(Kiosk.id == kiosk["id"]).run()
        await audit.record(actor, "pairing_link", "kiosk", kiosk["id"], unit_id=kiosk["unit"])
    return code


async def pair(code: str) -> tuple[KioskRow, str] | None:
    """Use a pairing link: the kiosk gets a new device token (returned once, stored hashed), any previous token
    stops working, the link is spent. None when the link is unknown, used or expired."""
    now = utcnow()
    token = secrets.token_urlsafe(32)
    async with Kiosk._meta.db.transaction():
        kiosk = await queries.kiosk_by_pairing(code, now)
        if kiosk is None:
            return None
        rows = await Kiosk.update({
            Kiosk.token_hash: queries.secret_hash(token), Kiosk.pairing_hash: None, Kiosk.pairing_expires_at: None,
            Kiosk.paired_at: kiosk["paired_at"] or now, Kiosk.last_paired_at: now, Kiosk.revoked_at: None,
        }).where((Kiosk.id == kiosk["id"]) & (Kiosk.pairing_hash == queries.secret_hash(code))).returning(
            *Kiosk.all_columns()).run()
        if not rows:
            return None
        await audit.record(None, "pair", "kiosk", kiosk["id"], unit_id=kiosk["unit"])
    return cast(KioskRow, rows[0]), token


async def revoke(kiosk: KioskRow, actor) -> None:
    """The kiosk's token and any unused pairing link stop working at once."""
    async with Kiosk._meta.db.transaction():
        await Kiosk.update({Kiosk.token_hash: None, Kiosk.pairing_hash: None, Kiosk.pairing_expires_at: None,
                            Kiosk.revoked_at: utcnow()}).where(Kiosk.id == kiosk["id"]).run()
        await audit.record(actor, "revoke", "kiosk", kiosk["id"], unit_id=kiosk["unit"])


def _refuse(item_id: str | None, reason: str, lang: str) -> ItemResult:
    return ItemResult(id=item_id, status="refused", reason=reason, message=gettext(lang, REASONS[reason]))


def _unstorable(*texts: object) -> bool:
    return any(isinstance(text, str) and _UNSTORABLE.search(text) for text in texts)


def check_item(item: KioskItem, kiosk: KioskRow, services: Sequence[Mapping[str, Any]], now: datetime,
               lang: str) -> tuple[dict | None, ItemResult | None]:
    """Validate one queued answer: ({uuid, given_at, service, u, comment, lang}, None) or (None, refusal)."""
    try:
        item_id = str(uuidlib.UUID(item.id))
    except (ValueError, AttributeError, TypeError):
        return None, _refuse(item.id[:40] if isinstance(item.id, str) and not _unstorable(item.id) else None,
                             "bad_id", lang)
    if _unstorable(item.given_at, item.service, item.comment, item.lang):
        return None, _refuse(item_id, "bad_text", lang)
    try:
        given_at = datetime.fromisoformat(item.given_at.replace("Z", "+00:00"))
    except ValueError:
        return None, _refuse(item_id, "bad_time", lang)
    if given_at.tzinfo is None:
        return None, _refuse(item_id, "bad_time", lang)
    given_at = given_at.astimezone(UTC)
    if given_at > now + CLOCK_SKEW:
        return None, _refuse(item_id, "future", lang)
    if kiosk["paired_at"] is None or given_at < kiosk["paired_at"] - CLOCK_SKEW:
        return None, _refuse(item_id, "before_pairing", lang)
    if item.service is None and len(services) == 1:
        service = services[0]
    else:
        service = next((s for s in services if s["slug"] == item.service), None)
    if service is None:
        return None, _refuse(item_id, "bad_service", lang)
    if len(item.u) != 9 or any(v is not None and v not in (1, 2, 3, 4) for v in item.u):
        return None, _refuse(item_id, "bad_score", lang)
    if all(v is None for v in item.u):
        return None, _refuse(item_id, "empty", lang)
    comment = item.comment.replace("\r\n", "\n").strip()
    if len(comment) > COMMENT_MAX:
        return None, _refuse(item_id, "comment_too_long", lang)
    return {"uuid": item_id, "given_at": given_at, "service": service, "u": item.u, "comment": comment,
            "lang": item.lang if item.lang in LANGUAGES else "id"}, None


async def _store(kiosk: KioskRow, unit: Mapping[str, Any], answer: dict, now: datetime) -> bool:
    """Store one checked answer; False when its UUID was already stored."""
    if await queries.answer_known(answer["uuid"]):
        return False
    service = answer["service"]
    visit = await queries.visit_served_at(kiosk["counter"], service["id"], answer["given_at"])
    for bound in ((visit, None) if visit else (None,)):
        values = {
            **{f"u{i}": v for i, v in enumerate(answer["u"], start=1)}, "comment": answer["comment"],
            "visit": bound["id"] if bound else None, "counter": kiosk["counter"], "service": service["id"],
            "unit": unit["id"], "channel": "kiosk", "verified": bool(bound and bound["origin"] == "ticket"),
            "language": answer["lang"], "local_day": local_day(unit["timezone"], answer["given_at"]),
            "submitted_at": answer["given_at"],
        }
        receipt = KioskAnswer(uuid=answer["uuid"], kiosk=kiosk["id"], given_at=answer["given_at"], received_at=now)
        if await feedback.submit_given(values, receipt) is not None:
            return True
        if await queries.answer_known(answer["uuid"]):
            return False
        # The visit got another answer meanwhile: store this one unbound rather than lose it.
    return False


def _undecodable(raw: bytes, lang: str) -> ItemResult:
    """The refusal of an item msgspec cannot decode, with the item's id when it can be found (so the tablet drops
    that item): "bad_text" when the item is JSON carrying a lone surrogate (the json module reads those, msgspec
    does not), "malformed" otherwise."""
    found = _ITEM_ID.search(raw)
    item_id = None
    if found:
        try:
            item_id = str(uuidlib.UUID(found.group(1).decode()))
        except ValueError:
            item_id = None
    try:
        loose = json.loads(raw)  # nesting is bounded before any handler (portal.security.JSON_MAX_DEPTH)
    except ValueError:
        return _refuse(item_id, "malformed", lang)
    texts = loose.values() if isinstance(loose, dict) else ()
    return _refuse(item_id, "bad_text" if _unstorable(*texts) else "malformed", lang)


async def store_batch(kiosk: KioskRow, unit: Mapping[str, Any], services: Sequence[Mapping[str, Any]],
                      raw_items: list[msgspec.Raw] | list[bytes], lang: str, waiting: int | None = None) -> BatchResult:
    """Check and store every item of a batch, each on its own; the result says, per item and in the items' order,
    stored, duplicate or refused (with the reason). Nothing is ever read back to the kiosk. Then the kiosk's sync
    report: now as its last contact, and the answers it still holds (`waiting` it reported, less this batch)."""
    now = utcnow()
    results: list[ItemResult] = []
    for raw in raw_items:
        try:
            item = msgspec.json.decode(raw, type=KioskItem)
        except msgspec.DecodeError:  # wrong types, out-of-range integers (ValidationError is a DecodeError)
            results.append(_undecodable(bytes(raw), lang))
            continue
        answer, refusal = check_item(item, kiosk, services, now, lang)
        if refusal is not None:
            results.append(refusal)
            continue
        assert answer is not None  # check_item returns an answer or a refusal
        stored = await _store(kiosk, unit, answer, now)
        results.append(ItemResult(id=answer["uuid"], status="stored" if stored else "duplicate"))
    metrics.kiosk_batch((r.status, r.reason) for r in results)
    report: dict[Any, Any] = {Kiosk.last_sync_at: now}
    if waiting is not None:
        report[Kiosk.waiting] = max(0, waiting - len(results))
    await Kiosk.update(report).where(Kiosk.id == kiosk["id"]).run()
    return BatchResult(stored=sum(r.status == "stored" for r in results),
                       duplicates=sum(r.status == "duplicate" for r in results),
                       refused=sum(r.status == "refused" for r in results), items=results)
