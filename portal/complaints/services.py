"""Writes of the complaints capability. Each function owns its transaction: the row change and its audit entry
(portal.accounts.audit.record, entity "complaint") commit together. Contact data never enters the audit log."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from portal.accounts import audit
from portal.accounts.auth import CurrentUser
from portal.complaints import codes, queries
from portal.complaints.deadlines import CLASSES, INITIAL_CLASS, due_day
from portal.complaints.images import CleanImage
from portal.complaints.schemas import ANSWER_MAX, ComplaintInput, _t
from portal.db.engine import is_unique_violation
from portal.db.tables_complaints import (
    OPEN_STATUSES,
    RATING_SCORES,
    Complaint,
    ComplaintMessage,
    ComplaintPhoto,
    ComplaintRating,
    ComplaintSetting,
)
from portal.db.tables_insight import Nonconformity, NonconformityEvent
from portal.errors import Invalid
from portal.insight.aggregate import closures_of
from portal.timeutil import local_day, utcnow

#: action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "classify": (("received", "forwarded", "classified"), "classified"),
    "start": (("classified",), "in_progress"),
    "answer": (("classified", "in_progress"), "answered"),
    "close": (("answered",), "closed"),
    "forward": (("received", "forwarded", "classified", "in_progress"), "forwarded"),
    "reject": (("received", "forwarded", "classified", "in_progress"), "rejected"),
}
NOTE_MAX = 4000


class ComplaintError(Invalid, ValueError):
    """A change refused (portal.errors); `message` is an English msgid (with %(value)s when `value` is given)."""

    def __init__(self, message: str, status_code: int = 400, value: str = ""):
        super().__init__(message, value=value)
        self.status_code = status_code
        self.value = value


def _now(now: datetime | None) -> datetime:
    return now or utcnow()


def _visible(row: dict) -> dict:
    """The fields an audit entry may show (no contact, no client hash, no nonce)."""
    return {k: v for k, v in row.items() if k not in ("contact", "client_hash", "nonce", "photo")}


async def file_complaint(data: ComplaintInput, *, unit: queries.UnitRow, service_id: int | None, counter_id: int | None,
                         language: str = "id", flag: str = "", client_hash: str | None = None,
                         nonce: str | None = None, photo: CleanImage | None = None,
                         actor: CurrentUser | None = None, now: datetime | None = None) -> tuple[str, bool]:
    """Store a complaint (citizen form or officer record); returns (code, created). A form sent twice (same
    stamp nonce) gives the first complaint's code and stores nothing new."""
    now = _now(now)
    if nonce:
        existing = await queries.by_nonce(nonce)
        if existing:
            return existing["code"], False
    settings = await queries.settings_of(unit["id"])
    received_day = local_day(unit["timezone"], now)
    days = settings[f"{INITIAL_CLASS}_days"]
    row = {
        "unit": unit["id"], "service": service_id, "counter": counter_id, "category": data.category,
        "description": data.description, "happened_on": data.happened_on, "amount": data.amount,
        "channel": data.channel, "lapor_number": data.lapor_number, "contact": data.contact,
        "status": "received", "deadline_days": days,
        "deadline": due_day(received_day, days, closures_of(unit)), "received_at": now,
        "received_day": received_day, "flag": flag, "language": language, "client_hash": client_hash,
        "nonce": nonce, "recorded_by": actor.id if actor else None, "updated_at": now,
    }
    for _attempt in range(3):
        code = codes.new_code()
        try:
            async with Complaint._meta.db.transaction():
                inserted = await Complaint.insert(Complaint(code=code, **row)).returning(Complaint.id).run()
                complaint_id = inserted[0]["id"]
                if photo is not None:
                    await ComplaintPhoto.insert(ComplaintPhoto(
                        complaint=complaint_id, data=photo.data, media_type=photo.media_type, width=photo.width,
                        height=photo.height)).run()
                after = {**_visible(row), "code": code, "contact_given": bool(data.contact),
                         "photo": photo is not None}
                await audit.record(actor, "complaint_received", "complaint", complaint_id, unit_id=unit["id"],
                                   after=after, note=data.channel)
            return code, True
        except Exception as exc:
            if not is_unique_violation(exc):
                raise
            if nonce:
                existing = await queries.by_nonce(nonce)
                if existing:  # the same form arrived twice at once
                    return existing["code"], False
    raise RuntimeError("could not allocate a complaint code")  # pragma: no cover (2^-50 per attempt)


def _text(form: dict, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


async def transition(complaint_id: int, action: str, actor: CurrentUser, form: dict,
                     now: datetime | None = None) -> dict:
    """Apply one status change (TRANSITIONS) with its audit entry; raises ComplaintError when refused."""
    if action not in TRANSITIONS:
        raise ComplaintError(_t("Unknown action."), 404)
    allowed_from, target = TRANSITIONS[action]
    now = _now(now)
    async with Complaint._meta.db.transaction():
        row = await queries.by_id(complaint_id)
        if row is None:
            raise ComplaintError(_t("No such complaint."), 404)
        if row["status"] not in allowed_from:
            raise ComplaintError(_t("This step is not possible in the complaint's current status."), 409)
        unit = await queries.unit_by_id(row["unit"])
        assert unit is not None
        changes: dict[str, Any] = {"status": target, "updated_at": now}
        note = ""
        audit_unit = row["unit"]
        if action == "classify":
            severity = _text(form, "severity")
            if severity not in CLASSES:
                raise ComplaintError(_t("Choose a class."))
            settings = await queries.settings_of(row["unit"])
            days = settings[f"{severity}_days"]
            changes.update(severity=severity, deadline_days=days, classified_at=now,
                           deadline=due_day(row["received_day"], days, closures_of(unit)))
        elif action == "answer":
            answer = _text(form, "answer")
            if not answer:
                raise ComplaintError(_t("Write the answer to the citizen."))
            if len(answer) > ANSWER_MAX:
                raise ComplaintError(_t("The answer is too long (at most 4000 characters)."))
            changes.update(answer=answer, answered_at=now, answered_day=local_day(unit["timezone"], now),
                           answered_by=actor.id)
        elif action == "close":
            changes.update(closed_at=now)
        elif action == "reject":
            reason = _text(form, "reason")
            if not reason:
                raise ComplaintError(_t("Give the reason for rejecting the complaint."))
            if len(reason) > NOTE_MAX:
                raise ComplaintError(_t("The reason is too long (at most 4000 characters)."))
            changes.update(reject_reason=reason, closed_at=now)
        elif action == "forward":
            slug = _text(form, "unit")
            target_unit = await queries.unit_by_slug(slug) if slug else None
            if target_unit is None or target_unit["id"] == row["unit"]:
                raise ComplaintError(_t("Choose the unit to forward the complaint to."))
            forward_note = _text(form, "note")[:NOTE_MAX]
            changes.update(unit=target_unit["id"], first_unit=row["first_unit"] or row["unit"], service=None,
                           counter=None, forward_note=forward_note, severity=None)
            note = f"forwarded to {target_unit['slug']}"
        await Complaint.update(changes).where(  # pyright: ignore[reportArgumentType]  # Piccolo's dict is invariant
            Complaint.id == complaint_id).run()
        before = {k: row.get(k) for k in changes if k != "updated_at"}
        after = {k: v for k, v in changes.items() if k != "updated_at"}
        await audit.record(actor, f"complaint_{action}", "complaint", complaint_id, unit_id=audit_unit,
                           before=before, after=after, note=note)
        if action == "forward":  # the receiving unit's heads see it arrive in their own audit log
            await audit.record(actor, "complaint_forwarded_in", "complaint", complaint_id,
                               unit_id=changes["unit"], after={"from_unit": row["unit"]}, note=note)
    return {**row, **changes}


async def open_nonconformity(complaint_id: int, actor: CurrentUser) -> int:
    """Open a nonconformity (ISO 9001 10.2) from a complaint and link them; an existing link is returned as is.

    The nonconformity's key (unit, service, source, period) is (unit, service, "complaint", received day): two
    complaints about one service on one day share one nonconformity."""
    async with Complaint._meta.db.transaction():
        row = await queries.by_id(complaint_id)
        if row is None:
            raise ComplaintError(_t("No such complaint."), 404)
        if row["nonconformity"]:
            return row["nonconformity"]
        day = row["received_day"]
        key = ((Nonconformity.unit == row["unit"]) & (Nonconformity.source == "complaint")
               & (Nonconformity.period_from == day) & (Nonconformity.period_to == day))
        key = key & (Nonconformity.service.is_null() if row["service"] is None
                     else Nonconformity.service == row["service"])
        existing = await Nonconformity.select(Nonconformity.id).where(key).first().run()
        if existing:
            nc_id = existing["id"]
        else:
            figure = f"Complaint {codes.display(row['code'])} ({row['category']})"
            inserted = await Nonconformity.insert(Nonconformity(
                unit=row["unit"], service=row["service"], source="complaint", period=codes.display(row["code"]),
                period_from=day, period_to=day, figure=figure,
                details=json.dumps({"complaint": row["code"], "category": row["category"]}), status="open",
            )).returning(Nonconformity.id).run()
            nc_id = inserted[0]["id"]
            await NonconformityEvent.insert(NonconformityEvent(
                nonconformity=nc_id, actor=actor.id, actor_name=actor.username, action="nonconformity_opened",
                status="open", changes=json.dumps({"source": "complaint", "complaint": row["code"]}))).run()
            await audit.record(actor, "nonconformity_opened", "nonconformity", nc_id, unit_id=row["unit"],
                               after={"source": "complaint", "figure": figure})
        await Complaint.update({Complaint.nonconformity: nc_id}).where(Complaint.id == complaint_id).run()
        await audit.record(actor, "complaint_nonconformity", "complaint", complaint_id, unit_id=row["unit"],
                           before={"nonconformity": None}, after={"nonconformity": nc_id})
    return nc_id


MESSAGE_MAX = 2000
RATING_NOTE_MAX = 1000


async def ask_citizen(complaint_id: int, question: str, actor: CurrentUser, now: datetime | None = None) -> int:
    """The unit asks the citizen for more information (shown on the tracking page with a reply form); one open
    question at a time, only while the complaint is open. Returns the question's id."""
    question = question.strip()
    if not question:
        raise ComplaintError(_t("Write what the citizen should tell you."))
    if len(question) > MESSAGE_MAX:
        raise ComplaintError(_t("The message is too long (at most 2000 characters)."))
    now = _now(now)
    async with Complaint._meta.db.transaction():
        row = await queries.by_id(complaint_id)
        if row is None:
            raise ComplaintError(_t("No such complaint."), 404)
        if row["status"] not in OPEN_STATUSES:
            raise ComplaintError(_t("This step is not possible in the complaint's current status."), 409)
        if queries.open_question(await queries.messages(complaint_id)) is not None:
            raise ComplaintError(_t("The citizen has not answered the last question yet."), 409)
        inserted = await ComplaintMessage.insert(ComplaintMessage(
            complaint=complaint_id, from_citizen=False, body=question, actor=actor.id, created_at=now,
        )).returning(ComplaintMessage.id).run()
        await Complaint.update({Complaint.updated_at: now}).where(Complaint.id == complaint_id).run()
        await audit.record(actor, "complaint_ask", "complaint", complaint_id, unit_id=row["unit"],
                           after={"question": question})
    return inserted[0]["id"]


async def citizen_reply(code: str, question_id: int, reply: str, now: datetime | None = None) -> None:
    """The citizen answers the unit's question `question_id` from the tracking page. A reply to a question already
    answered (a replayed or forged form) is refused by the unique `reply_to` and changes nothing (409)."""
    reply = reply.strip()
    if not reply:
        raise ComplaintError(_t("Write your reply."))
    if len(reply) > MESSAGE_MAX:
        raise ComplaintError(_t("The message is too long (at most 2000 characters)."))
    now = _now(now)
    row = await queries.by_code(code)
    if row is None:
        raise ComplaintError(_t("No complaint has this tracking code."), 404)
    question = await ComplaintMessage.select(ComplaintMessage.id).where(
        (ComplaintMessage.id == question_id) & (ComplaintMessage.complaint == row["id"])
        & (ComplaintMessage.from_citizen.eq(False))).first().run()
    if question is None:
        raise ComplaintError(_t("The unit did not ask this question; nothing was saved."), 409)
    try:
        async with Complaint._meta.db.transaction():
            await ComplaintMessage.insert(ComplaintMessage(
                complaint=row["id"], from_citizen=True, body=reply, reply_to=question_id, created_at=now)).run()
            await Complaint.update({Complaint.updated_at: now}).where(Complaint.id == row["id"]).run()
            await audit.record(None, "complaint_citizen_reply", "complaint", row["id"], unit_id=row["unit"],
                               after={"reply": reply})
    except Exception as exc:
        if is_unique_violation(exc):
            raise ComplaintError(_t("Your reply to this question was already received."), 409) from None
        raise


async def rate_answer(code: str, resolved: bool, score: int, note: str, now: datetime | None = None) -> None:
    """The citizen says whether the answer resolved the complaint, with a score (RATING_SCORES) and an optional
    note: once (unique complaint; a second rating is 409), only after an answer."""
    if score not in RATING_SCORES:
        raise ComplaintError(_t("Choose how satisfied you are with the answer."))
    note = note.strip()
    if len(note) > RATING_NOTE_MAX:
        raise ComplaintError(_t("The note is too long (at most 1000 characters)."))
    now = _now(now)
    row = await queries.by_code(code)
    if row is None:
        raise ComplaintError(_t("No complaint has this tracking code."), 404)
    if row["status"] not in ("answered", "closed") or not row["answer"]:
        raise ComplaintError(_t("The answer can be rated once the unit has answered."), 409)
    try:
        async with Complaint._meta.db.transaction():
            await ComplaintRating.insert(ComplaintRating(
                complaint=row["id"], resolved=resolved, score=score, note=note, created_at=now)).run()
            await audit.record(None, "complaint_rated", "complaint", row["id"], unit_id=row["unit"],
                               after={"resolved": resolved, "score": score, "note": note})
    except Exception as exc:
        if is_unique_violation(exc):
            raise ComplaintError(_t("Your rating of this answer was already received."), 409) from None
        raise


SETTING_FIELDS = ("light_days", "normative_days", "plain_days", "investigation_days", "contact_days")


async def save_settings(unit_id: int, values: dict[str, int], actor: CurrentUser) -> None:
    """Store a unit's deadline table and contact retention (days); existing deadlines are not recomputed."""
    for key in SETTING_FIELDS:
        value = values.get(key)
        if not isinstance(value, int) or not (0 <= value <= (3650 if key == "contact_days" else 365)):
            raise ComplaintError(_t("Give each limit as a whole number of days."))
    async with ComplaintSetting._meta.db.transaction():
        before = await queries.settings_of(unit_id)
        # One statement whether or not the unit has a row yet: two first saves at once (PostgreSQL) both insert,
        # and the second updates the first's row instead of failing on the unique unit (the last save wins).
        await ComplaintSetting.insert(ComplaintSetting(
            unit=unit_id, **{k: values[k] for k in SETTING_FIELDS})).on_conflict(  # pyright: ignore[reportArgumentType]  # columns
            target=ComplaintSetting.unit, action="DO UPDATE",
            values=[getattr(ComplaintSetting, k) for k in SETTING_FIELDS]).run()
        await audit.record(actor, "complaint_settings", "complaint_setting", unit_id, unit_id=unit_id,
                           before=before, after={k: values[k] for k in SETTING_FIELDS})


async def purge_expired_contacts(now: datetime | None = None) -> int:
    """Erase the contact of every complaint closed (or rejected) longer ago than its unit's retention (default
    180 days); returns how many were erased. Called by `portal purge-contacts` and the background refresher."""
    now = _now(now)
    rows = await Complaint.select(Complaint.id, Complaint.unit, Complaint.closed_at).where(
        (Complaint.contact != "") & Complaint.closed_at.is_not_null()).run()
    retention: dict[int, int] = {}
    due = []
    for row in rows:
        if row["unit"] not in retention:
            retention[row["unit"]] = (await queries.settings_of(row["unit"]))["contact_days"]
        closed = row["closed_at"]
        if closed.tzinfo is None:
            closed = closed.replace(tzinfo=UTC)
        if closed + timedelta(days=retention[row["unit"]]) <= now:
            due.append(row)
    for row in due:
        async with Complaint._meta.db.transaction():
            await Complaint.update({Complaint.contact: "", Complaint.contact_erased_at: now}).where(
                (Complaint.id == row["id"]) & (Complaint.contact != "")).run()
            await audit.record(None, "complaint_contact_erased", "complaint", row["id"], unit_id=row["unit"],
                               note=f"retention {retention[row['unit']]} days after closure")
    return len(due)


def today_of(unit: dict, now: datetime | None = None) -> date:
    return local_day(unit["timezone"], now)
