"""Migrations, applied in this order by portal.db.migrate, once each (names kept in `portal_migration`).

A new migration is one new module `mNNNN_what.py` (frozen DDL for both dialects, see CONTRIBUTING.md) and one line
in MIGRATIONS below; tests/unit/test_wiring.py fails for a module that is not listed or is listed out of order.
"""

from portal.db.migrations import (
    m0001_initial,
    m0002_rollup_dirty,
    m0010_feedback_tables,
    m0030_insight_rollups,
    m0031_insight_nonconformity,
    m0032_insight_sketches_cases,
    m0033_insight_km,
    m0034_write_path,
    m0035_response_client_index,
    m0040_complaints,
    m0050_diagnostic,
    m0060_bigint_amounts,
    m0061_login_throttle,
    m0070_unit_cuti_bersama,
    m0090_open_cases,
    m0091_one_verdict_per_visit,
    m0092_counting_rule,
    m0093_time_by_version,
    m0100_kiosk,
    m0101_rollup_channels,
    m0105_audit_unit,
    m0110_check_constraints,
    m0130_queue_order,
)

#: Every migration, in the order applied.
MIGRATIONS = (
    m0001_initial,
    m0002_rollup_dirty,
    m0010_feedback_tables,
    m0030_insight_rollups,
    m0031_insight_nonconformity,
    m0032_insight_sketches_cases,
    m0033_insight_km,
    m0034_write_path,
    m0035_response_client_index,
    m0040_complaints,
    m0050_diagnostic,
    m0060_bigint_amounts,
    m0061_login_throttle,
    m0070_unit_cuti_bersama,
    m0090_open_cases,
    m0091_one_verdict_per_visit,
    m0092_counting_rule,
    m0093_time_by_version,
    m0100_kiosk,
    m0101_rollup_channels,
    m0105_audit_unit,
    m0110_check_constraints,
    m0130_queue_order,
)
