"""Tables of the insight capability: rollup bookkeeping, per-service per-day rollups, corrective actions."""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from portal.db.table import Table
from portal.db.tables import NOT_COUNTED_REASONS, Service, Unit, User

#: Unsur x score count columns of a rollup row: u1_1 .. u9_4 (answers with score s to unsur i).
UNSUR_COLUMNS = tuple(f"u{i}_{s}" for i in range(1, 10) for s in range(1, 5))

#: Responses stored but not counted, by reason (portal.db.tables.NOT_COUNTED_REASONS; issue 10's counting rule).
NOT_COUNTED_FIELDS = tuple(f"nc_{reason}" for reason in NOT_COUNTED_REASONS)

#: Counted responses by the channel they came through (survey_response.channel -> rollup column): the counter
#: poster's QR, an officer's ticket QR (/t/), a paired kiosk, a paper form; any other value (e.g. "web") counts as
#: other, so the channel columns always add up to `responses`. Not-counted answers are left out, as from the IKM.
CHANNEL_FIELDS = {"qr_counter": "ch_qr", "qr_ticket": "ch_ticket", "kiosk": "ch_kiosk", "paper": "ch_paper"}
CHANNEL_OTHER = "ch_other"
CHANNEL_COLUMNS = (*CHANNEL_FIELDS.values(), CHANNEL_OTHER)

#: Visits that ended without the product, by outcome (issue 22 item 6; `completed` is counted apart): the
#: rejection, cancellation and no-show rates. An open visit has none of these.
OUTCOME_FIELDS = ("rejected", "cancelled", "no_show")

#: Every additive count of a rollup row (see portal.insight.aggregate for each definition).
COUNT_FIELDS = (
    "responses", "respondents", *UNSUR_COLUMNS,
    "visits", "served", "completed", "offered", "responded",
    "time_n", "time_within",
    "cost_visit_n", "cost_visit_over", "cost_resp_n", "cost_resp_over",
    "ftr_visit_n", "ftr_visit_ok", "ftr_resp_n", "ftr_resp_ok",
    "req_n", "req_ok",
    "km_open",
    "cost_unrecorded", "ftr_disagree",
    *NOT_COUNTED_FIELDS,
    *CHANNEL_COLUMNS,
    *OUTCOME_FIELDS,
)


class RollupDirty(Table, tablename="rollup_dirty"):
    """A (service, local day) whose raw rows changed since its rollup was last computed."""

    service = ForeignKey(references=Service)
    day = Date()
    marked_at = Timestamptz(default=TimestamptzNow())


class RollupDay(Table, tablename="rollup_day"):
    """Additive aggregates of one service at one counter (0 = none) on one unit-local day."""

    service = ForeignKey(references=Service)
    unit = ForeignKey(references=Unit)
    counter = Integer(default=0)
    day = Date()
    # Respondent profiles (survey.ikm.profiles_from_answers), sparse: {"flat index m*37+t": count}.
    profiles = JSON(default="{}")
    # Duration sketches (portal.insight.sketch): minutes arrival -> called and served -> finished.
    wait_hist = JSON(default="{}")
    handle_hist = JSON(default="{}")
    # Multi-day services: completed durations in the limit's unit {days: count} (km_open counts open cases).
    km_hist = JSON(default="{}")
    # Time compliance per standard version judged against (issue 17 item 5): {version id: completed timed
    # visits} and {version id: of them within that version's limit}.
    time_version_n = JSON(default="{}")
    time_version_within = JSON(default="{}")
    # Hour by hour on the unit-local day, for the staffing plan (issue 29, portal.insight.aggregate.HOURLY):
    # arrivals {hour: visits}, counter activity {hour: calls, starts and finishes}, waits by arrival hour
    # {hour * 1000 + wait sketch bin: visits}, busy time call -> finish by hour of call {hour: visits} and
    # {hour: whole seconds} (m0170).
    arrival_hours = JSON(default="{}")
    activity_hours = JSON(default="{}")
    wait_hours = JSON(default="{}")
    busy_hours = JSON(default="{}")
    busy_seconds = JSON(default="{}")
    computed_at = Timestamptz(default=TimestamptzNow())
    # The additive counts, in COUNT_FIELDS order (a unit test checks that they agree).
    responses = Integer(default=0)
    respondents = Integer(default=0)
    # Unsur x score counts (UNSUR_COLUMNS): answers with score s to unsur i.
    u1_1 = Integer(default=0)
    u1_2 = Integer(default=0)
    u1_3 = Integer(default=0)
    u1_4 = Integer(default=0)
    u2_1 = Integer(default=0)
    u2_2 = Integer(default=0)
    u2_3 = Integer(default=0)
    u2_4 = Integer(default=0)
    u3_1 = Integer(default=0)
    u3_2 = Integer(default=0)
    u3_3 = Integer(default=0)
    u3_4 = Integer(default=0)
    u4_1 = Integer(default=0)
    u4_2 = Integer(default=0)
    u4_3 = Integer(default=0)
    u4_4 = Integer(default=0)
    u5_1 = Integer(default=0)
    u5_2 = Integer(default=0)
    u5_3 = Integer(default=0)
    u5_4 = Integer(default=0)
    u6_1 = Integer(default=0)
    u6_2 = Integer(default=0)
    u6_3 = Integer(default=0)
    u6_4 = Integer(default=0)
    u7_1 = Integer(default=0)
    u7_2 = Integer(default=0)
    u7_3 = Integer(default=0)
    u7_4 = Integer(default=0)
    u8_1 = Integer(default=0)
    u8_2 = Integer(default=0)
    u8_3 = Integer(default=0)
    u8_4 = Integer(default=0)
    u9_1 = Integer(default=0)
    u9_2 = Integer(default=0)
    u9_3 = Integer(default=0)
    u9_4 = Integer(default=0)
    visits = Integer(default=0)
    served = Integer(default=0)
    completed = Integer(default=0)
    offered = Integer(default=0)
    responded = Integer(default=0)
    time_n = Integer(default=0)
    time_within = Integer(default=0)
    cost_visit_n = Integer(default=0)
    cost_visit_over = Integer(default=0)
    cost_resp_n = Integer(default=0)
    cost_resp_over = Integer(default=0)
    ftr_visit_n = Integer(default=0)
    ftr_visit_ok = Integer(default=0)
    ftr_resp_n = Integer(default=0)
    ftr_resp_ok = Integer(default=0)
    req_n = Integer(default=0)
    req_ok = Integer(default=0)
    km_open = Integer(default=0)
    cost_unrecorded = Integer(default=0)
    ftr_disagree = Integer(default=0)
    # Responses stored but not counted, by reason (NOT_COUNTED_FIELDS).
    nc_no_stamp = Integer(default=0)
    nc_reused_stamp = Integer(default=0)
    nc_too_fast = Integer(default=0)
    nc_over_cap = Integer(default=0)
    nc_manager_out = Integer(default=0)
    # Counted responses by answer channel (CHANNEL_COLUMNS; issue 14).
    ch_qr = Integer(default=0)
    ch_ticket = Integer(default=0)
    ch_kiosk = Integer(default=0)
    ch_paper = Integer(default=0)
    ch_other = Integer(default=0)
    # Visits that ended without the product, by outcome (OUTCOME_FIELDS; issue 22).
    rejected = Integer(default=0)
    cancelled = Integer(default=0)
    no_show = Integer(default=0)


class OverchargeCase(Table, tablename="overcharge_case"):
    """One payment above the official fee (recorded by an officer or reported by a citizen), kept with the
    rollups of its (service, day) so that the dashboard lists every case without scanning raw rows."""

    service = ForeignKey(references=Service)
    unit = ForeignKey(references=Unit)
    counter = Integer(default=0)
    day = Date()
    source = Varchar(length=8)  # one of SOURCES: officer | citizen
    ref_id = Integer()  # visit id (officer) or response id (citizen)
    amount = BigInt()
    fee = BigInt()


NC_SOURCES = ("time_below_target", "overcharge", "ikm_category")  # what a period review opens
NC_STATUSES = ("open", "action_planned", "closed")
#: The source column also holds "complaint": a nonconformity opened from a complaint (portal.complaints.services).
NONCONFORMITY_SOURCES = (*NC_SOURCES, "complaint")


class Nonconformity(Table, tablename="nonconformity"):
    """A nonconformity and its corrective action (ISO 9001:2015 clause 10.2), opened from a period's results."""

    unit = ForeignKey(references=Unit)
    service = ForeignKey(references=Service, null=True)
    source = Varchar(length=24)  # one of NONCONFORMITY_SOURCES
    period = Varchar(length=24)  # e.g. 2026-Q3, 2026-07, 2026-S1, 2026
    period_from = Date()
    period_to = Date()
    figure = Text(default="")  # what the results showed, e.g. "IKM 74.21 (C)" or "3 of 120 overcharged"
    details = JSON(default="{}")
    opened_at = Timestamptz(default=TimestamptzNow())
    status = Varchar(length=16, default="open")  # one of NC_STATUSES
    root_cause = Text(default="")
    action = Text(default="")
    owner = Varchar(length=200, default="")
    due_date = Date(null=True, default=None)
    verification_note = Text(default="")
    closed_by = ForeignKey(references=User, null=True)
    closed_at = Timestamptz(null=True, default=None)


class NonconformityEvent(Table, tablename="nonconformity_event"):
    """History of a nonconformity: who changed what, when (the AuditLog holds the same, append-only)."""

    nonconformity = ForeignKey(references=Nonconformity)
    at = Timestamptz(default=TimestamptzNow())
    actor = ForeignKey(references=User, null=True)
    actor_name = Varchar(length=80, default="")
    action = Varchar(length=40)
    status = Varchar(length=16)  # one of NC_STATUSES
    changes = JSON(default="{}")


class RollupDelta(Table, tablename="rollup_delta"):
    """A change to one rollup row, written in the same transaction as the fact that caused it (a response, a
    visit stage, a paper batch). The background refresher adds pending deltas into rollup_day and deletes them.
    `payload` holds the additive counts and sparse histograms (portal.insight.ledger)."""

    service = Integer()
    unit = Integer()
    counter = Integer(default=0)
    day = Date()
    payload = Text(default="{}")
    created_at = Timestamptz(default=TimestamptzNow())  # by the database's clock (m0160): the refresher's lag


class PublishedResult(Table, tablename="published_result"):
    """Published figures kept current by the background refresher (thank-you page, public pages, results API):
    readers take them as they are, with the time they were computed."""

    key = Varchar(length=120, unique=True)
    payload = Text(default="{}")
    computed_at = Timestamptz(default=TimestamptzNow())
