"""Tables of the kiosk capability: counter tablets (paired once, revocable) and the receipts of their answers."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from portal.db.table import Table
from portal.db.tables import Counter, SurveyResponse, Unit, User

#: The foreign keys of this capability's tables were written without ON DELETE (m0040/m0100): no cascade.
NO_ACTION = OnDelete.no_action


class Kiosk(Table, tablename="kiosk"):
    """A tablet at a counter. Only hashes of its secrets are stored: `pairing_hash` of the one-time pairing
    link (cleared once used), `token_hash` of the device token (cleared when revoked). `paired_at` is the first
    pairing: no answer given before it is accepted."""

    unit = ForeignKey(references=Unit, on_delete=NO_ACTION)
    counter = ForeignKey(references=Counter, on_delete=NO_ACTION)
    label = Varchar(length=80, default="")
    pairing_hash = Varchar(length=64, null=True, default=None, unique=True)
    pairing_expires_at = Timestamptz(null=True, default=None)
    token_hash = Varchar(length=64, null=True, default=None, unique=True)
    paired_at = Timestamptz(null=True, default=None)
    last_paired_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(references=User, null=True, on_delete=NO_ACTION)
    created_at = Timestamptz(default=TimestamptzNow())
    last_sync_at = Timestamptz(null=True, default=None)  # the tablet's last batch or heartbeat (m0151)
    waiting = Integer(null=True, default=None)  # answers still on the tablet after that batch, as it reported


class KioskAnswer(Table, tablename="kiosk_answer"):
    """The receipt of one kiosk answer: the device's UUID for it (unique, so a replayed batch stores nothing
    new), when it was given on the device and when it reached the server."""

    uuid = Varchar(length=36, unique=True)
    kiosk = ForeignKey(references=Kiosk, on_delete=NO_ACTION)
    response = ForeignKey(references=SurveyResponse, unique=True, on_delete=NO_ACTION)
    given_at = Timestamptz()
    received_at = Timestamptz(default=TimestamptzNow())
