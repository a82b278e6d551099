"""msgspec structs of the read-only catalog API v1 (services, units, counters)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import msgspec

from portal.db.tables import TIME_UNITS
from portal.errors import Invalid, _t

if TYPE_CHECKING:
    from portal.catalog.queries import PublicServiceRow, PublicVersionRow


class TimeLimit(msgspec.Struct):
    value: int
    unit: str  # minutes | hours | working_days | calendar_days


class Standard(msgspec.Struct):
    """The published part of the standard in force (UU 25/2009 Pasal 21; PermenPANRB 15/2014)."""

    version: int
    effective_from: datetime | None
    time_limit: TimeLimit
    fee: int  # rupiah; 0 = free ("Gratis")
    requirements: list[str]
    procedure: list[str]
    product: str
    complaint_channel: str


class UnitRef(msgspec.Struct):
    slug: str
    name: str


class ServiceOut(msgspec.Struct):
    slug: str
    name: str
    unit: UnitRef
    standard: Standard | None  # null when no approved version is in force


class UnitOut(msgspec.Struct):
    slug: str
    name: str
    kind: str  # OPD | UPT
    timezone: str  # IANA name: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT)
    address: str
    parent: str | None  # slug of the parent unit
    services: list[str]  # service slugs


class CounterOut(msgspec.Struct):
    code: str
    name: str
    unit: UnitRef
    services: list[str]  # service slugs
    url: str  # the counter's public page, printed in its QR code


def standard_out(version: PublicVersionRow | None) -> Standard | None:
    if version is None:
        return None
    return Standard(
        version=version["version"], effective_from=version["effective_from"],
        time_limit=TimeLimit(value=version["time_limit_value"], unit=version["time_limit_unit"]),
        fee=int(version["fee"] or 0), requirements=list(version["requirements"]), procedure=list(version["procedure"]),
        product=version["product"] or "", complaint_channel=version["complaint_channel"] or "",
    )


def service_out(service: PublicServiceRow) -> ServiceOut:
    return ServiceOut(slug=service["slug"], name=service["name"],
                      unit=UnitRef(slug=service["unit"]["slug"], name=service["unit"]["name"]),
                      standard=standard_out(service["standard"]))


# --- the back-office forms (typed inputs: Litestar reads the form body into these; `validated()` checks every
# field at once and raises portal.errors.Invalid naming each wrong field) ---------------------------------------

#: A field that may be ticked several times (checkboxes): one value arrives as a str, several as a list.
Many = str | list[str]

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,98}[a-z0-9])$")
CODE_RE = re.compile(r"^[A-Z0-9]{2,16}$")
#: No fee, time limit or staff count is this large; the bound keeps every value well inside BIGINT (2^63), so a
#: huge number is refused with the field's message and never reaches the database.
_INT_CAP = 10**15


def many(value: Many) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def ids(value: Many) -> list[int] | None:
    """The ticked ids as integers (sorted, unique); None when one is not a number (a forged option)."""
    try:
        return sorted({int(v) for v in many(value) if v != ""})
    except ValueError:
        return None


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise Invalid.fields(errors)


class ServiceValues(msgspec.Struct):
    slug: str
    name: str
    name_en: str
    description: str
    active: bool = True


class ServiceForm(msgspec.Struct):
    """A new service (managers)."""

    unit: str = ""
    slug: str = ""
    name: str = ""
    name_en: str = ""
    description: str = ""

    def validated(self) -> ServiceValues:
        slug, name = self.slug.strip().lower(), self.name.strip()
        errors = {}
        if not SLUG_RE.match(slug):
            errors["slug"] = _t("The address name uses 3 to 100 lowercase letters, digits and hyphens.")
        if not name:
            errors["name"] = _t("A name is required.")
        _raise(errors)
        return ServiceValues(slug=slug, name=name[:200], name_en=self.name_en.strip()[:200],
                             description=self.description.strip())


class ServiceEditForm(msgspec.Struct):
    name: str = ""
    name_en: str = ""
    description: str = ""
    active: str = ""

    def validated(self, slug: str) -> ServiceValues:
        name = self.name.strip()
        _raise({"name": _t("A name is required.")} if not name else {})
        return ServiceValues(slug=slug, name=name[:200], name_en=self.name_en.strip()[:200],
                             description=self.description.strip(), active=self.active == "on")


class CounterValues(msgspec.Struct):
    code: str
    name: str
    service_ids: list[int]
    active: bool = True


class CounterForm(msgspec.Struct):
    """A new counter (managers): its code, name and the services of its unit it serves."""

    unit: str = ""
    code: str = ""
    name: str = ""
    service: Many = msgspec.field(default_factory=list)

    def validated(self, allowed_services: set[int]) -> CounterValues:
        code, name = self.code.strip().upper(), self.name.strip()
        errors = {}
        if not CODE_RE.match(code):
            errors["code"] = _t("The code uses 2 to 16 capital letters and digits.")
        if not name:
            errors["name"] = _t("A name is required.")
        chosen = ids(self.service)
        if chosen is None or not set(chosen) <= allowed_services:
            errors["service"] = _t("Choose services of the counter's unit.")
        _raise(errors)
        return CounterValues(code=code, name=name[:120], service_ids=chosen or [])


class CounterEditForm(msgspec.Struct):
    name: str = ""
    active: str = ""
    service: Many = msgspec.field(default_factory=list)

    def validated(self, code: str, allowed_services: set[int]) -> CounterValues:
        name = self.name.strip()
        errors = {}
        if not name:
            errors["name"] = _t("A name is required.")
        chosen = ids(self.service)
        if chosen is None or not set(chosen) <= allowed_services:
            errors["service"] = _t("Choose services of the counter's unit.")
        _raise(errors)
        return CounterValues(code=code, name=name[:120], service_ids=chosen or [], active=self.active == "on")


class MaklumatForm(msgspec.Struct):
    """The unit's service pledge (maklumat pelayanan): its text, signer and date."""

    maklumat_text: str = ""
    maklumat_signer: str = ""
    maklumat_date: str = ""

    def validated(self) -> dict[str, Any]:
        text, signer, raw = self.maklumat_text.strip(), self.maklumat_signer.strip()[:200], self.maklumat_date.strip()
        errors = {}
        signed = None
        try:
            signed = date.fromisoformat(raw) if raw else None
        except ValueError:
            errors["maklumat_date"] = _t("Give the date as YYYY-MM-DD.")
        if text and not signer:
            errors["maklumat_signer"] = _t("A maklumat needs its signer and date.")
        if text and signed is None and "maklumat_date" not in errors:
            errors["maklumat_date"] = _t("A maklumat needs its signer and date.")
        _raise(errors)
        return {"maklumat_text": text, "maklumat_signer": signer, "maklumat_date": signed}


#: Sane bounds for a standard's figures (a form asking 999,999,999,999 working days is refused).
MAX_TIME_LIMIT = {"minutes": 7 * 24 * 60, "hours": 31 * 24, "working_days": 365, "calendar_days": 730}
MAX_FEE = 10_000_000_000  # Rp 10 billion: above any local service fee, well inside BIGINT
MAX_STAFF = 10_000
MAX_LINES, MAX_LINE = 60, 500  # requirements / procedure steps, characters per line
TEXT_FIELDS = ("product", "complaint_channel", "legal_basis", "facilities", "service_guarantee", "change_note")
TARGET_FIELDS = ("target_time", "target_cost", "target_accuracy")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").replace("\r", "").split("\n") if line.strip()]


def _int(text: str) -> int | None:
    try:
        value = int((text or "").strip().replace(".", "").replace(",", ""))
    except ValueError:
        return None
    return value if abs(value) <= _INT_CAP else None


def _ratio(text: str) -> float | None:
    try:
        value = float((text or "").strip().replace(",", "."))
    except ValueError:
        return None
    return value if 0 <= value <= 1 else None


class DraftForm(msgspec.Struct):
    """A draft of a service standard (UU 25/2009 Pasal 21 components), every field as the form sends it."""

    requirements: str = ""
    procedure: str = ""
    time_limit_value: str = ""
    time_limit_unit: str = ""
    fee: str = ""
    product: str = ""
    complaint_channel: str = ""
    legal_basis: str = ""
    facilities: str = ""
    service_guarantee: str = ""
    staff_count: str = "1"
    target_time: str = ""
    target_cost: str = ""
    target_accuracy: str = ""
    change_note: str = ""

    def validated(self) -> dict[str, Any]:
        """The draft's values (lists, integers, ratios); Invalid naming every wrong field (nothing saved)."""
        errors: dict[str, str] = {}
        values: dict[str, Any] = {"requirements": _lines(self.requirements), "procedure": _lines(self.procedure)}
        for name, message in (("requirements", _t("List at least one requirement (one per line).")),
                              ("procedure", _t("List at least one procedure step (one per line)."))):
            if not values[name]:
                errors[name] = message
            elif len(values[name]) > MAX_LINES or any(len(line) > MAX_LINE for line in values[name]):
                errors[name] = _t("Requirements and procedure: at most 60 lines of 500 characters each.")
        limit, unit = _int(self.time_limit_value), self.time_limit_unit
        if limit is None or limit <= 0:
            errors["time_limit_value"] = _t("The time limit must be a whole number above zero.")
        elif unit in MAX_TIME_LIMIT and limit > MAX_TIME_LIMIT[unit]:
            errors["time_limit_value"] = _t("The time limit is too long: at most 10080 minutes, 744 hours, 365 "
                                            "working days or 730 calendar days.")
        if unit not in TIME_UNITS:
            errors["time_limit_unit"] = _t("Choose the unit of the time limit.")
        values["time_limit_value"], values["time_limit_unit"] = limit, unit
        fee = _int(self.fee)
        if fee is None or fee < 0:
            errors["fee"] = _t("The fee must be a whole number of rupiah, zero or more.")
        elif fee > MAX_FEE:
            errors["fee"] = _t("The fee is too high: at most Rp 10,000,000,000.")
        values["fee"] = fee
        staff = _int(self.staff_count)
        if staff is None or staff < 1 or staff > MAX_STAFF:
            errors["staff_count"] = _t("The staff count must be between 1 and 10,000.")
        values["staff_count"] = staff
        for name in TEXT_FIELDS:
            values[name] = getattr(self, name).strip()[:5000]
        if not values["product"]:
            errors["product"] = _t("Name the product the citizen receives.")
        if not values["complaint_channel"]:
            errors["complaint_channel"] = _t("Name the complaint channel.")
        for name in TARGET_FIELDS:
            values[name] = _ratio(getattr(self, name))
            if values[name] is None:
                errors[name] = _t("Targets are proportions between 0 and 1 (e.g. 0.95).")
        _raise(errors)
        return values


class ApproveForm(msgspec.Struct):
    effective_from: str = ""

    def validated(self, today: date) -> date:
        try:
            day = date.fromisoformat(self.effective_from.strip())
        except ValueError:
            raise Invalid(_t("Give the effective date (YYYY-MM-DD)."), field="effective_from") from None
        if day < today:
            raise Invalid(_t("The effective date must be today or later."), field="effective_from")
        return day
