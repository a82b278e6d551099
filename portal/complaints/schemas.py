"""Parsing of the complaint forms (citizen and staff) and the JSON shape of a complaint's public status."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import msgspec

from portal.db.tables_complaints import CATEGORIES, CHANNELS
from portal.errors import _t

DESCRIPTION_MAX = 4000
ANSWER_MAX = 4000
CONTACT_MAX = 120
AMOUNT_MAX = 10**12


_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[0-9][0-9 .\-]{6,20}$")


@dataclass(frozen=True)
class ComplaintInput:
    category: str
    description: str
    happened_on: date | None
    amount: int | None
    contact: str
    channel: str = "web"
    lapor_number: str | None = None


def _clean(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def valid_contact(text: str) -> bool:
    if _EMAIL.match(text):
        return True
    return bool(_PHONE.match(text)) and 8 <= sum(c.isdigit() for c in text) <= 15


def parse_complaint(fields: dict, today: date, staff: bool = False) -> tuple[ComplaintInput | None, list[tuple[str, str]]]:
    """(input, []) or (None, [(field, English msgid), ...]); nothing here touches the database."""
    errors: list[tuple[str, str]] = []
    category = _clean(fields.get("category"))
    if category not in CATEGORIES:
        errors.append(("category", _t("Choose what the complaint is about.")))
    description = _clean(fields.get("description"))
    if not description:
        errors.append(("description", _t("Describe what happened.")))
    elif len(description) > DESCRIPTION_MAX:
        errors.append(("description", _t("The description is too long (at most 4000 characters).")))
    happened_on = None
    when = _clean(fields.get("happened_on"))
    if when:
        try:
            happened_on = date.fromisoformat(when)
        except ValueError:
            errors.append(("happened_on", _t("Give the date as YYYY-MM-DD.")))
        else:
            if happened_on > today + timedelta(days=1) or happened_on < today - timedelta(days=3 * 366):
                errors.append(("happened_on", _t("The date is not plausible.")))
    amount = None
    raw_amount = _clean(fields.get("amount")).replace(".", "").replace(",", "").removeprefix("Rp").strip()
    if raw_amount:
        if not (raw_amount.isascii() and raw_amount.isdigit()) or int(raw_amount) > AMOUNT_MAX:  # not "²"
            errors.append(("amount", _t("Give the amount in rupiah as a whole number.")))
        else:
            amount = int(raw_amount)
    contact = _clean(fields.get("contact"))
    if contact and (len(contact) > CONTACT_MAX or not valid_contact(contact)):
        errors.append(("contact", _t("Give a phone number or an e-mail address, or leave it empty.")))
    channel, lapor = "web", None
    if staff:
        channel = _clean(fields.get("channel"))
        if channel not in CHANNELS or channel == "web":
            errors.append(("channel", _t("Choose how the complaint was received.")))
        lapor = _clean(fields.get("lapor_number")) or None
        if channel == "lapor" and not lapor:
            errors.append(("lapor_number", _t("Give the SP4N-LAPOR! tracking number.")))
        elif lapor and len(lapor) > 40:
            errors.append(("lapor_number", _t("The SP4N-LAPOR! tracking number is too long.")))
    if errors:
        return None, errors
    return ComplaintInput(category, description, happened_on, amount, contact, channel, lapor), []


class ComplaintStatus(msgspec.Struct):
    """The public status of a complaint (never the contact data, the photo or who filed it)."""

    code: str
    status: str
    status_label: str
    category: str
    unit: str
    service: str | None
    received_on: date
    deadline: date
    deadline_working_days: int
    deadline_provisional: bool
    overdue: bool
    answered_on: date | None
    answer: str | None
    reject_reason: str | None
    forwarded: bool
    lapor_number: str | None


# --- the console's forms (typed inputs: Litestar reads the form body into these) ---------------------------------

class RecordForm(msgspec.Struct):
    """A complaint received on paper, by phone or through SP4N-LAPOR!, recorded by staff (checked by
    parse_complaint with every wrong field named)."""

    service: str = ""
    channel: str = ""
    lapor_number: str = ""
    category: str = ""
    description: str = ""
    happened_on: str = ""
    amount: str = ""
    contact: str = ""


class TransitionForm(msgspec.Struct):
    """A complaint's status change: the class, the answer, the reason for a rejection, the unit it is forwarded to
    and a note, as the step needs (portal.complaints.services.transition checks them)."""

    severity: str = ""
    answer: str = ""
    reason: str = ""
    unit: str = ""
    note: str = ""


class ReplyForm(msgspec.Struct):
    """The citizen's reply on the tracking page to the unit's question (`question`: its id)."""

    question: str = ""
    reply: str = ""


class RatingForm(msgspec.Struct):
    """The citizen's rating of the answer: resolved yes/no, a score 1–4 and an optional note
    (portal.complaints.services.rate_answer checks them)."""

    resolved: str = ""
    score: str = ""
    note: str = ""


class SettingsForm(msgspec.Struct):
    """A unit's deadline table (working days per class) and how long contact data is kept after closure."""

    unit: str = ""
    light_days: str = ""
    normative_days: str = ""
    plain_days: str = ""
    investigation_days: str = ""
    contact_days: str = ""

    def days(self) -> dict[str, int | None]:
        """Each number of days, None when it is not a whole number (save_settings names the refusal)."""
        out: dict[str, int | None] = {}
        for key in ("light_days", "normative_days", "plain_days", "investigation_days", "contact_days"):
            raw = getattr(self, key).strip()
            out[key] = int(raw) if raw.isascii() and raw.isdigit() else None
        return out
