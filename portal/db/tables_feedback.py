"""Tables of the feedback capability: paper-form import batches and the one-use nonces of served survey forms."""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from portal.db.table import Table
from portal.db.tables import Service, SurveyResponse, Unit, User


class PaperBatch(Table, tablename="feedback_paper_batch"):
    """One import of paper SKM forms for a service and period (all rows valid, imported together)."""

    service = ForeignKey(references=Service)
    unit = ForeignKey(references=Unit)
    period_from = Date()
    period_to = Date()
    filename = Varchar(length=200, default="")
    rows = Integer(default=0)
    created_by = ForeignKey(references=User, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class PaperBatchResponse(Table, tablename="feedback_paper_batch_response"):
    """Which survey responses an import batch created (SurveyResponse has no batch column of its own)."""

    batch = ForeignKey(references=PaperBatch)
    response = ForeignKey(references=SurveyResponse, unique=True)


class FormNonce(Table, tablename="feedback_form_nonce"):
    """The nonce of each survey form that was submitted: a form is accepted once (unique index), so a repeated
    submit of a response not bound to a visit is recognised by the database, like the unique visit is."""

    nonce = Varchar(length=32, unique=True)
    used_at = Timestamptz(default=TimestamptzNow())
