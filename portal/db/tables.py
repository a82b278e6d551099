"""Piccolo tables shared by the capabilities: units, services, standards, counters, visits, responses, users, audit.

Times are stored in UTC (Timestamptz); a unit's IANA timezone gives local days and working days.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    LazyTableReference,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from portal.db.table import Table

TIME_UNITS = ("minutes", "hours", "working_days", "calendar_days")
ROLES = ("admin", "head", "manager", "officer")
OUTCOMES = ("completed", "rejected_incomplete", "no_show", "cancelled")
SOURCES = ("officer", "citizen")
VISIT_STAGES = ("arrived", "called", "served", "finished", "delivered")
#: The database refuses a visit whose stage times go backwards (m0130; portal.db.checks.ORDERED_TIMES).
#: Allowed values of the enum-like columns below (portal.db.checks collects them; m0110 enforces them).
GOVERNMENT_KINDS = ("kota", "kabupaten", "provinsi")
UNIT_KINDS = ("OPD", "UPT")
STANDARD_STATUSES = ("draft", "approved")
VISIT_ORIGINS = ("ticket", "scan")
RESPONSE_CHANNELS = ("qr_ticket", "qr_counter", "paper", "web", "kiosk")
PRODUCT_CORRECT = ("yes", "no", "not_yet")
SEXES = ("male", "female")
AGE_BANDS = ("17-25", "26-35", "36-45", "46-55", "56+")
EDUCATION = ("SD", "SMP", "SMA", "D1-D3", "S1", "S2", "S3")  # official SKM form (PermenPANRB 14/2017)
OCCUPATIONS = ("PNS", "TNI", "POLRI", "swasta", "wirausaha", "lainnya")


class Government(Table, tablename="government"):
    """A city (kota) or regency (kabupaten)."""

    slug = Varchar(length=80, unique=True)
    name = Varchar(length=200)
    kind = Varchar(length=20, default="kota")  # one of GOVERNMENT_KINDS
    province = Varchar(length=120, default="")


class Unit(Table, tablename="unit"):
    """An OPD/SKPD or UPT that serves citizens; its timezone decides local days."""

    government = ForeignKey(references=Government)
    parent = ForeignKey(references=LazyTableReference("Unit", module_path=__name__), null=True)
    slug = Varchar(length=80, unique=True)
    name = Varchar(length=200)
    short_name = Varchar(length=60, default="")
    kind = Varchar(length=10, default="OPD")  # one of UNIT_KINDS
    timezone = Varchar(length=40, default="Asia/Jakarta")
    address = Text(default="")
    phone = Varchar(length=40, default="")
    email = Varchar(length=120, default="")
    closures = JSON(default="[]")  # local closure dates (ISO strings) on top of national holidays
    cuti_bersama = Boolean(default=True)  # closed on cuti bersama (collective leave): not working days (m0070)
    maklumat_text = Text(default="")
    maklumat_signer = Varchar(length=200, default="")
    maklumat_date = Date(null=True, default=None)


class Service(Table, tablename="service"):
    unit = ForeignKey(references=Unit)
    slug = Varchar(length=100, unique=True)
    name = Varchar(length=200)
    name_en = Varchar(length=200, default="")
    description = Text(default="")
    active = Boolean(default=True)


class StandardVersion(Table, tablename="standard_version"):
    """One version of a service standard (UU 25/2009 Pasal 21 components); a controlled document (ISO 9001 7.5).

    The version in force at time t is the approved one with the latest effective_from <= t.
    """

    service = ForeignKey(references=Service)
    version = Integer()
    status = Varchar(length=10, default="draft")  # one of STANDARD_STATUSES
    requirements = JSON(default="[]")  # list of strings
    procedure = JSON(default="[]")  # ordered list of strings
    time_limit_value = BigInt()
    time_limit_unit = Varchar(length=20)  # one of TIME_UNITS
    fee = BigInt(default=0)  # rupiah; 0 = free ("Gratis")
    product = Text(default="")
    complaint_channel = Text(default="")
    legal_basis = Text(default="")
    facilities = Text(default="")
    staff_count = BigInt(default=1)
    service_guarantee = Text(default="")
    target_time = Float(default=0.95)  # share of cases within the time limit
    target_cost = Float(default=0.99)  # share of cases charged no more than the fee
    target_accuracy = Float(default=0.95)  # share first-time-right
    effective_from = Timestamptz(null=True, default=None)
    approved_by = ForeignKey(references=LazyTableReference("User", module_path=__name__), null=True)
    approved_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(references=LazyTableReference("User", module_path=__name__), null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    change_note = Text(default="")


class Counter(Table, tablename="counter"):
    """A service counter (loket); its public short code is printed in its QR code."""

    unit = ForeignKey(references=Unit)
    code = Varchar(length=16, unique=True)
    name = Varchar(length=120)
    active = Boolean(default=True)


class CounterService(Table, tablename="counter_service"):
    counter = ForeignKey(references=Counter)
    service = ForeignKey(references=Service)


class User(Table, tablename="portal_user"):
    username = Varchar(length=80, unique=True)
    display_name = Varchar(length=200, default="")
    password_hash = Varchar(length=255)
    role = Varchar(length=10)  # one of ROLES
    active = Boolean(default=True)
    failed_logins = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class UserUnit(Table, tablename="user_unit"):
    """The units a user may see and act on (an admin sees all, whatever this table says)."""

    user = ForeignKey(references=User)
    unit = ForeignKey(references=Unit)


class Visit(Table, tablename="visit"):
    """One citizen's case at a unit: queue timestamps (each with its source), outcome, fee and accuracy."""

    unit = ForeignKey(references=Unit)
    service = ForeignKey(references=Service)
    counter = ForeignKey(references=Counter, null=True)
    standard_version = ForeignKey(references=StandardVersion, null=True)  # in force at arrival
    origin = Varchar(length=10, default="ticket")  # VISIT_ORIGINS: ticket (officer-issued) | scan (counter QR)
    ticket_number = Varchar(length=20, null=True, default=None)
    local_day = Date()  # the unit-local day of arrival
    token = Varchar(length=64, unique=True)  # >= 128-bit random, for /t/{token} and the survey binding
    arrived_at = Timestamptz(null=True, default=None)
    arrived_source = Varchar(length=8, null=True, default=None)  # one of SOURCES
    called_at = Timestamptz(null=True, default=None)
    called_source = Varchar(length=8, null=True, default=None)  # one of SOURCES
    served_at = Timestamptz(null=True, default=None)
    served_source = Varchar(length=8, null=True, default=None)  # one of SOURCES
    finished_at = Timestamptz(null=True, default=None)
    finished_source = Varchar(length=8, null=True, default=None)  # one of SOURCES
    delivered_at = Timestamptz(null=True, default=None)
    delivered_source = Varchar(length=8, null=True, default=None)  # one of SOURCES
    outcome = Varchar(length=24, null=True, default=None)  # one of OUTCOMES
    fee_charged = BigInt(null=True, default=None)
    correction_needed = Boolean(null=True, default=None)
    officer = ForeignKey(references=User, null=True)
    survey_offered = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    # m0130: a ticket transferred to a counter waits for that counter only; the last repeated call on the board
    transferred_to = ForeignKey(references=Counter, null=True)
    recalled_at = Timestamptz(null=True, default=None)


#: Why a response counts: bound to a visit or ticket, a paper form verified by the importing officer, an unbound
#: answer with a valid unused stamp read for at least the minimum time within the address cap, or a manager's
#: review. Why it does not: NOT_COUNTED_REASONS.
COUNTED_REASONS = ("bound", "paper", "stamp", "kiosk", "manager_in")
NOT_COUNTED_REASONS = ("no_stamp", "reused_stamp", "too_fast", "over_cap", "manager_out")
COUNT_REASONS = (*COUNTED_REASONS, *NOT_COUNTED_REASONS)


class SurveyResponse(Table, tablename="survey_response"):
    """One SKM response (PermenPANRB 14/2017): nine answers 1–4 (NULL = unanswered) and the compliance answers.

    At most one response per visit: the unique index on `visit` is the guard (NULL visits are unverified scans).
    """

    visit = ForeignKey(references=Visit, null=True, unique=True)
    counter = ForeignKey(references=Counter, null=True)
    service = ForeignKey(references=Service)
    unit = ForeignKey(references=Unit)
    u1 = SmallInt(null=True, default=None)
    u2 = SmallInt(null=True, default=None)
    u3 = SmallInt(null=True, default=None)
    u4 = SmallInt(null=True, default=None)
    u5 = SmallInt(null=True, default=None)
    u6 = SmallInt(null=True, default=None)
    u7 = SmallInt(null=True, default=None)
    u8 = SmallInt(null=True, default=None)
    u9 = SmallInt(null=True, default=None)
    amount_paid = BigInt(null=True, default=None)  # rupiah as reported by the citizen; NULL = not said
    extra_requirements = Boolean(null=True, default=None)  # asked for documents beyond the standard
    product_correct = Varchar(length=8, null=True, default=None)  # one of PRODUCT_CORRECT
    comment = Text(default="")
    sex = Varchar(length=8, null=True, default=None)  # one of SEXES
    age_band = Varchar(length=8, null=True, default=None)  # one of AGE_BANDS
    education = Varchar(length=8, null=True, default=None)  # one of EDUCATION
    occupation = Varchar(length=12, null=True, default=None)  # one of OCCUPATIONS
    channel = Varchar(length=12, default="qr_counter")  # one of RESPONSE_CHANNELS
    verified = Boolean(default=False)
    flagged_fast = Boolean(default=False)
    # The counting rule (issue 10, docs/measures.md): whether the response counts in the published figures and
    # why (COUNT_REASONS): set when it is stored, changed only by a manager's audited burst review.
    counted = Boolean(default=True)
    count_reason = Varchar(length=16, null=True, default=None)  # one of COUNT_REASONS
    language = Varchar(length=2, default="id")  # one of portal.settings.LANGUAGES
    client_hash = Varchar(length=64, null=True, default=None)  # keyed hash with rotating salt; never a raw IP
    local_day = Date()
    submitted_at = Timestamptz(default=TimestamptzNow())


class AuditLog(Table, tablename="audit_log"):
    """Append-only record of every change to standards, services, counters and users (who, when, what).

    Database triggers refuse UPDATE and DELETE on this table.
    """

    at = Timestamptz(default=TimestamptzNow())
    actor = ForeignKey(references=User, null=True)
    actor_name = Varchar(length=80, default="")
    action = Varchar(length=40)
    entity = Varchar(length=40)
    entity_id = Integer(null=True, default=None)
    details = JSON(default="{}")
    unit = Integer(null=True, default=None)  # the unit the entry belongs to (one entry per unit touched; m0105)


#: In creation order (foreign keys first).
TABLES: list[type[Table]] = [
    Government,
    Unit,
    Service,
    User,
    StandardVersion,
    Counter,
    CounterService,
    UserUnit,
    Visit,
    SurveyResponse,
    AuditLog,
]
