"""What the access test (tests/integration/test_access_routes.py) needs beyond the permissions table.

Who may call each back-office route comes from portal.accounts.permissions: the action its guard names
(`guards=[requires("...")]`) gives the roles (an admin always may) and whether the action is unit-scoped. A route
whose guard names no action fails the test. Here lives only what the table cannot know:

- `BODIES`: the form sent with a POST, keyed by (METHOD, path as Litestar lists it in app.routes, with :int/:str).
  Placeholders {unit_id}, {service_id}, {service_slug} are filled with unit A's objects. Without a body the POST is
  empty and may be answered 400/409/422 ("allowed but invalid").
- `NOT_UNIT_PARAMETERS`: path parameters that do not name unit A's data. A route of a unit-scoped action is
  expected to deny users of unit B when its path (or its body) names unit A's data, and to allow them otherwise.
"""

from __future__ import annotations

#: The diagnostic's year and indicator code name the user's own government, not unit A's data; a complaint's
#: {action} is the step, the complaint id names the data.
NOT_UNIT_PARAMETERS = frozenset({"year", "code", "action"})

BODIES: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/console/counters/{counter_code:str}/tickets"): {"service": "{service_id}"},
    ("POST", "/console/visits/{visit_id:int}/outcome"): {"outcome": "cancelled"},
    ("POST", "/console/services"): {"unit": "{unit_id}", "slug": "x", "name": ""},
    ("POST", "/console/counters"): {"unit": "{unit_id}", "code": "x", "name": ""},
    ("POST", "/console/units/{unit_slug:str}/maklumat"): {"maklumat_date": "bad"},
    ("POST", "/console/imports"): {"service": "{service_slug}", "period_from": "x"},
    ("POST", "/console/bursts"): {"service": "{service_slug}", "day": "2026-01-05", "client": "x",
                                  "decision": "counted"},
    ("POST", "/units/{unit_slug:str}/evidence/review"): {"period": "bad"},
    ("POST", "/console/complaints/new"): {"service": "{service_slug}", "channel": "paper"},
    ("POST", "/console/staffing/target"): {"unit": "{unit_id}", "wait_minutes": "15", "share_percent": "80"},
}
