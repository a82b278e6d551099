"""Tables of the diagnostic capability (ISO 18091 local-government diagnostic): catalogue versions, yearly
assessments, one rating per indicator (assessed, then verified by another account) and uploaded evidence."""

from __future__ import annotations

from piccolo.columns import JSON, Bytea, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from portal.db.table import Table
from portal.db.tables import Government, User

AREAS = ("governance", "economy", "social", "environment")
COLOURS = ("red", "yellow", "green")
RATING_STATUSES = ("submitted", "returned", "verified")
RATING_SOURCES = ("manual", "automatic", "override")
ASSESSMENT_STATUSES = ("open", "verified")
EVIDENCE_CONTENT_TYPES = ("application/pdf", "image/png", "image/jpeg")  # portal.diagnostic.uploads.sniff


class DiagnosticCatalogue(Table, tablename="diagnostic_catalogue"):
    """One version of the indicator catalogue: the shipped indicators plus the local ones added by admins.

    `indicators` is the full list as it was (a snapshot), so an assessment keeps the wording it was rated on.
    """

    version = Integer()
    shipped = Varchar(length=20)  # version label of the shipped catalogue file it is based on
    indicators = JSON(default="[]")
    note = Text(default="")
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class DiagnosticAssessment(Table, tablename="diagnostic_assessment"):
    """A government's (unit = 0) or one unit's yearly self-assessment against one catalogue version."""

    government = ForeignKey(references=Government)
    unit = Integer(default=0)  # 0 = the whole government
    year = Integer()
    catalogue_version = Integer()
    status = Varchar(length=10, default="open")  # ASSESSMENT_STATUSES: open | verified (every indicator verified)
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    verified_at = Timestamptz(null=True, default=None)


class DiagnosticRating(Table, tablename="diagnostic_rating"):
    """The colour of one indicator in one assessment, its evidence and its verification.

    `measure` is the automatic figure as the assessor saw it (re-read and frozen at verification).
    """

    assessment = ForeignKey(references=DiagnosticAssessment)
    code = Varchar(length=20)
    colour = Varchar(length=8)  # one of COLOURS
    source = Varchar(length=10, default="manual")  # one of RATING_SOURCES
    status = Varchar(length=10, default="submitted")  # one of RATING_STATUSES
    evidence_text = Text(default="")
    evidence_link = Varchar(length=500, default="")
    override_reason = Text(default="")
    measure = JSON(default="{}")
    assessed_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    assessed_at = Timestamptz(default=TimestamptzNow())
    verified_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    verified_at = Timestamptz(null=True, default=None)
    return_note = Text(default="")


class DiagnosticEvidence(Table, tablename="diagnostic_evidence"):
    """An uploaded evidence file (PDF, or an image re-encoded without metadata) for one indicator."""

    assessment = ForeignKey(references=DiagnosticAssessment)
    code = Varchar(length=20)
    filename = Varchar(length=200)
    content_type = Varchar(length=40)  # one of EVIDENCE_CONTENT_TYPES
    size = Integer()
    sha256 = Varchar(length=64)
    content = Bytea()
    uploaded_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    uploaded_at = Timestamptz(default=TimestamptzNow())
