"""Presentation helpers shared by the complaint pages and API: labels in the request's language, public status."""

from __future__ import annotations

from litestar import Request

from portal.complaints import codes, queries
from portal.complaints.schemas import ComplaintStatus, _t
from portal.db.tables_complaints import OPEN_STATUSES
from portal.timeutil import local_day
from portal.web import request_lang, t

CATEGORY_MSGIDS = {
    "overcharge": _t("Overcharge or illegal levy (pungli)"),
    "time": _t("Took longer than the standard"),
    "requirements": _t("Asked for requirements beyond the standard"),
    "conduct": _t("Officer conduct"),
    "facilities": _t("Facilities"),
    "other": _t("Other"),
}
STATUS_MSGIDS = {
    "received": _t("received"),
    "classified": _t("classified"),
    "in_progress": _t("in progress"),
    "answered": _t("answered"),
    "closed": _t("closed"),
    "forwarded": _t("forwarded to another unit"),
    "rejected": _t("rejected"),
}
CLASS_MSGIDS = {
    "light": _t("light"),
    "normative": _t("normative"),
    "plain": _t("without supervisory content"),
    "investigation": _t("needing investigation"),
}
#: What a complaint's history (its audit entries) says happened, in words (issue 26: no raw codes on staff pages).
ACTION_MSGIDS = {
    "complaint_received": _t("Complaint received"),
    "complaint_classify": _t("Classified"),
    "complaint_start": _t("Marked in progress"),
    "complaint_answer": _t("Answered"),
    "complaint_close": _t("Closed"),
    "complaint_forward": _t("Forwarded to another unit"),
    "complaint_forwarded_in": _t("Received from another unit"),
    "complaint_reject": _t("Rejected"),
    "complaint_nonconformity": _t("Corrective action opened"),
    "complaint_contact_erased": _t("Contact erased (retention period over)"),
    "complaint_ask": _t("The unit asked the citizen for more information"),
    "complaint_citizen_reply": _t("The citizen replied"),
    "complaint_rated": _t("The citizen rated the answer"),
}
#: The citizen's rating of the answer, on the SKM's four-point scale (complaint_rating.score).
SCORE_MSGIDS = {1: _t("Very dissatisfied"), 2: _t("Dissatisfied"), 3: _t("Satisfied"), 4: _t("Very satisfied")}
CHANNEL_MSGIDS = {"web": _t("web form"), "paper": _t("paper"), "phone": _t("phone"), "lapor": "SP4N-LAPOR!"}


def _labels(request: Request, msgids: dict[str, str]) -> dict[str, str]:
    return {key: t(request, message) for key, message in msgids.items()}


def category_labels(request: Request) -> dict[str, str]:
    return _labels(request, CATEGORY_MSGIDS)


def status_labels(request: Request) -> dict[str, str]:
    return _labels(request, STATUS_MSGIDS)


def class_labels(request: Request) -> dict[str, str]:
    return _labels(request, CLASS_MSGIDS)


#: Why a complaint is marked "check: possibly automated" (complaint.flag), in words.
FLAG_MSGIDS = {"": "", "fast": _t("sent very fast after opening the form"),
               "no_stamp": _t("sent without a valid form stamp"), "honeypot": _t("filled a field hidden from people")}


def flag_labels(request: Request) -> dict[str, str]:
    return {key: t(request, message) if message else "" for key, message in FLAG_MSGIDS.items()}


def action_labels(request: Request) -> dict[str, str]:
    return _labels(request, ACTION_MSGIDS)


def score_labels(request: Request) -> dict[int, str]:
    return {key: t(request, message) for key, message in SCORE_MSGIDS.items()}


def channel_labels(request: Request) -> dict[str, str]:
    return _labels(request, CHANNEL_MSGIDS)


async def public_status(request: Request, row: queries.ComplaintRow) -> ComplaintStatus:
    """What anyone holding the code may see: never the contact, the photo or who filed it."""
    unit = await queries.unit_by_id(row["unit"])
    assert unit is not None
    service = await queries.service_by_id(row["service"])
    english = request_lang(request) == "en"
    service_name = (service["name_en"] or service["name"]) if service and english else service["name"] if service \
        else None
    answered = row["status"] in ("answered", "closed") and bool(row["answer"])
    return ComplaintStatus(
        code=codes.display(row["code"]), status=row["status"], status_label=t(request, STATUS_MSGIDS[row["status"]]),
        category=row["category"], unit=unit["name"], service=service_name, received_on=row["received_day"],
        deadline=row["deadline"], deadline_working_days=row["deadline_days"],
        deadline_provisional=row["severity"] is None,
        overdue=row["status"] in OPEN_STATUSES and row["deadline"] < local_day(unit["timezone"]),
        answered_on=row["answered_day"] if answered else None, answer=row["answer"] if answered else None,
        reject_reason=row["reject_reason"] if row["status"] == "rejected" else None,
        forwarded=row["first_unit"] is not None, lapor_number=row["lapor_number"],
    )
