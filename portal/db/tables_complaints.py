"""Tables of the complaints capability: complaints (with their tracking code), receipt photos, per-unit settings."""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from portal.db.table import Table
from portal.db.tables import Counter, Service, Unit, User
from portal.db.tables_insight import Nonconformity

CATEGORIES = ("overcharge", "time", "requirements", "conduct", "facilities", "other")
CHANNELS = ("web", "paper", "phone", "lapor")
STATUSES = ("received", "classified", "in_progress", "answered", "closed", "forwarded", "rejected")
OPEN_STATUSES = ("received", "classified", "in_progress", "forwarded")
SEVERITIES = ("light", "normative", "plain", "investigation")  # portal.complaints.deadlines.CLASSES
FLAGS = ("", "fast", "no_stamp", "honeypot")
PHOTO_MEDIA_TYPES = ("image/jpeg", "image/png")  # what portal.complaints.images re-encodes to


#: The foreign keys of this capability's tables were written without ON DELETE (m0040/m0100): no cascade.
NO_ACTION = OnDelete.no_action


class Complaint(Table, tablename="complaint"):
    """One complaint (pengaduan). `code` is its public tracking code; `contact` is visible to the unit's managers
    and heads only and is erased after closure. `answer` is written once (a database trigger refuses a change)."""

    code = Varchar(length=11, unique=True)
    unit = ForeignKey(references=Unit, on_delete=NO_ACTION)  # the unit handling it now (forwarding changes it, the code stays)
    first_unit = ForeignKey(references=Unit, null=True, on_delete=NO_ACTION)  # where it was filed, when forwarded since
    service = ForeignKey(references=Service, null=True, on_delete=NO_ACTION)
    counter = ForeignKey(references=Counter, null=True, on_delete=NO_ACTION)
    category = Varchar(length=16)  # one of CATEGORIES
    description = Text()
    happened_on = Date(null=True, default=None)
    amount = BigInt(null=True, default=None)  # rupiah paid, for an overcharge
    channel = Varchar(length=8, default="web")  # one of CHANNELS
    lapor_number = Varchar(length=40, null=True, default=None)  # SP4N-LAPOR! tracking number
    contact = Varchar(length=120, default="")
    contact_erased_at = Timestamptz(null=True, default=None)
    status = Varchar(length=12, default="received")  # one of STATUSES
    severity = Varchar(length=16, null=True, default=None)  # one of SEVERITIES once classified
    deadline_days = Integer()
    deadline = Date()
    received_at = Timestamptz(default=TimestamptzNow())
    received_day = Date()  # unit-local day of receipt
    classified_at = Timestamptz(null=True, default=None)
    answered_at = Timestamptz(null=True, default=None)
    answered_day = Date(null=True, default=None)
    answer = Text(default="")
    answered_by = ForeignKey(references=User, null=True, on_delete=NO_ACTION)
    closed_at = Timestamptz(null=True, default=None)
    reject_reason = Text(default="")
    forward_note = Text(default="")
    nonconformity = ForeignKey(references=Nonconformity, null=True, on_delete=NO_ACTION)
    flag = Varchar(length=12, default="")  # one of FLAGS: '' | fast | no_stamp | honeypot (kept, never dropped)
    language = Varchar(length=2, default="id")  # one of portal.settings.LANGUAGES
    client_hash = Varchar(length=64, null=True, default=None)  # keyed hash with rotating salt; never a raw IP
    nonce = Varchar(length=32, null=True, default=None, unique=True)  # the form stamp's nonce: one complaint
    recorded_by = ForeignKey(references=User, null=True, on_delete=NO_ACTION)  # the officer who recorded a paper/phone complaint
    updated_at = Timestamptz(default=TimestamptzNow())


class ComplaintPhoto(Table, tablename="complaint_photo"):
    """The re-encoded receipt photo of a complaint (no metadata), kept apart so the register never loads it."""

    complaint = ForeignKey(references=Complaint, unique=True, on_delete=NO_ACTION)
    data = Bytea()
    media_type = Varchar(length=16)  # one of PHOTO_MEDIA_TYPES
    width = Integer()
    height = Integer()


class ComplaintSetting(Table, tablename="complaint_setting"):
    """A unit's deadline table (working days per class) and how long contact data is kept after closure."""

    unit = ForeignKey(references=Unit, unique=True, on_delete=NO_ACTION)
    light_days = Integer(default=2)
    normative_days = Integer(default=5)
    plain_days = Integer(default=14)
    investigation_days = Integer(default=60)
    contact_days = Integer(default=180)


#: The citizen's rating of the answer (complaint_rating.score): 1 very dissatisfied .. 4 very satisfied, the SKM scale.
RATING_SCORES = (1, 2, 3, 4)


class ComplaintMessage(Table, tablename="complaint_message"):
    """The exchange on a complaint (m0150): the unit asks the citizen for more information (`from_citizen` false,
    written by `actor`), the citizen replies on the tracking page (`from_citizen` true, `reply_to` the question;
    unique, so one reply per question and a replayed reply is refused by the database)."""

    complaint = ForeignKey(references=Complaint, null=False, on_delete=NO_ACTION)
    from_citizen = Boolean(default=False)
    body = Text(default="")
    reply_to = ForeignKey(references="self", null=True, unique=True, on_delete=NO_ACTION)
    actor = ForeignKey(references=User, null=True, on_delete=NO_ACTION)
    created_at = Timestamptz(default=TimestamptzNow())


class ComplaintRating(Table, tablename="complaint_rating"):
    """The citizen's verdict on the answer (m0150): did it resolve the complaint, a score (RATING_SCORES) and an
    optional note. Given once (unique complaint), only after an answer."""

    complaint = ForeignKey(references=Complaint, null=False, unique=True, on_delete=NO_ACTION)
    resolved = Boolean(default=False)
    score = SmallInt()
    note = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
