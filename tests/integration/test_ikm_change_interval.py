"""Issue 17 item 6: the IKM change between periods has its interval (docs/measures.md section 8), equal to
survey.change.ikm_change on the raw answers of both periods with their respondent profiles."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from portal.insight import periods, report
from survey.change import ikm_change
from survey.ikm import counts_from_answers, profiles_from_answers
from tests.factories import make_service, make_unit, refresh
from tests.integration.test_insight_support import add_response, answers


async def test_dashboard_ikm_change_has_its_interval(app):
    unit = await make_unit()
    svc = await make_service(unit)
    feb, mar = answers(3, 30), answers(4, 35)
    for i, row in enumerate(feb):
        await add_response(unit, svc, date(2026, 2, 2) + timedelta(days=i % 20), row)
    mar_rows = [[max(1, a - 1) if a else None for a in row] for row in mar]  # a worse month
    for i, row in enumerate(mar_rows):
        await add_response(unit, svc, date(2026, 3, 2) + timedelta(days=i % 20), row)
    await refresh()
    data = await report.build(await report.unit_scope(unit), periods.parse("2026-03"), with_durations=False)
    change = data["change"]["ikm"]

    def matrix(rows):
        return np.array([[a or 0 for a in row] for row in rows])

    expected = ikm_change(counts_from_answers(matrix(feb)), counts_from_answers(matrix(mar_rows)),
                          profiles_a=profiles_from_answers(matrix(feb)), profiles_b=profiles_from_answers(matrix(mar_rows)))
    assert change["ci95"] is not None
    assert change["diff"] == expected.diff and change["ci95"] == list(expected.ci95)
    assert change["p_value"] == expected.p_value
