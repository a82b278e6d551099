"""Who may call each back-office route: the table that tests/integration/test_access_routes.py enforces.

ADD A RULE FOR EACH NEW BACK-OFFICE ROUTE (any route without opt exclude_from_auth): the access test fails for a
route that has no rule here. Keys are (METHOD, path as Litestar lists it in app.routes, with :int/:str).

A rule says which roles may call the route (an admin always may) and whether the route is scoped to unit A's
objects — then a user of unit B is denied whatever their role. `body` is the form sent with a POST (placeholders
{unit_id}, {service_id}, {other_counter_code} are filled with unit A's objects); without one the POST is empty and
may be answered 400/409/422 ("allowed but invalid").
"""

from __future__ import annotations

from dataclasses import dataclass, field

STAFF = frozenset({"head", "manager", "officer"})
HEAD_MANAGER = frozenset({"head", "manager"})
MANAGER = frozenset({"manager"})
HEAD = frozenset({"head"})
ADMIN_ONLY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    scoped: bool = True  # the URL (or body) names unit A's data: users of unit B are denied
    body: dict[str, str] = field(default_factory=dict)


ACCOUNTS = {
    ("POST", "/logout"): Rule(STAFF, scoped=False),
    ("GET", "/console/users"): Rule(ADMIN_ONLY, scoped=False),
    ("POST", "/console/users"): Rule(ADMIN_ONLY, scoped=False),
    ("GET", "/console/users/{user_id:int}"): Rule(ADMIN_ONLY),
    ("POST", "/console/users/{user_id:int}"): Rule(ADMIN_ONLY),
    ("POST", "/console/users/{user_id:int}/password"): Rule(ADMIN_ONLY),
    ("POST", "/console/users/{user_id:int}/deactivate"): Rule(ADMIN_ONLY),
    ("POST", "/console/users/{user_id:int}/unlock"): Rule(ADMIN_ONLY),
}

QUEUE = {
    ("GET", "/console"): Rule(STAFF, scoped=False),
    ("GET", "/console/history"): Rule(STAFF, scoped=False),
    ("GET", "/console/counters/{counter_code:str}"): Rule(STAFF),
    ("POST", "/console/counters/{counter_code:str}/tickets"): Rule(STAFF, body={"service": "{service_id}"}),
    ("POST", "/console/counters/{counter_code:str}/call-next"): Rule(STAFF),
    ("GET", "/console/visits/{visit_id:int}"): Rule(STAFF),
    ("GET", "/console/visits/{visit_id:int}/ticket"): Rule(STAFF),
    ("POST", "/console/visits/{visit_id:int}/call"): Rule(STAFF),
    ("POST", "/console/visits/{visit_id:int}/start"): Rule(STAFF),
    ("POST", "/console/visits/{visit_id:int}/finish"): Rule(STAFF),
    ("POST", "/console/visits/{visit_id:int}/deliver"): Rule(STAFF),
    ("POST", "/console/visits/{visit_id:int}/outcome"): Rule(STAFF, body={"outcome": "cancelled"}),
    ("GET", "/console/services"): Rule(HEAD_MANAGER, scoped=False),
    ("POST", "/console/services"): Rule(MANAGER, body={"unit": "{unit_id}", "slug": "x", "name": ""}),
    ("GET", "/console/services/{service_slug:str}"): Rule(MANAGER),
    ("POST", "/console/services/{service_slug:str}"): Rule(MANAGER),
    ("GET", "/console/services/{service_slug:str}/standards"): Rule(HEAD_MANAGER),
    ("POST", "/console/services/{service_slug:str}/standards"): Rule(MANAGER),
    ("GET", "/console/standards/{version_id:int}"): Rule(HEAD_MANAGER),
    ("POST", "/console/standards/{version_id:int}"): Rule(MANAGER),
    ("POST", "/console/standards/{version_id:int}/discard"): Rule(MANAGER),
    ("POST", "/console/standards/{version_id:int}/approve"): Rule(HEAD),
    ("GET", "/console/counters"): Rule(MANAGER, scoped=False),
    ("POST", "/console/counters"): Rule(MANAGER, body={"unit": "{unit_id}", "code": "x", "name": ""}),
    ("GET", "/console/counters/{counter_code:str}/edit"): Rule(MANAGER),
    ("POST", "/console/counters/{counter_code:str}/edit"): Rule(MANAGER),
    ("GET", "/console/units/{unit_slug:str}/maklumat"): Rule(HEAD_MANAGER),
    ("POST", "/console/units/{unit_slug:str}/maklumat"): Rule(HEAD_MANAGER, body={"maklumat_date": "bad"}),
    ("GET", "/console/audit"): Rule(HEAD, scoped=False),
}

FEEDBACK = {
    ("GET", "/console/imports"): Rule(HEAD_MANAGER, scoped=False),
    ("POST", "/console/imports"): Rule(HEAD_MANAGER, body={"service": "{service_slug}", "period_from": "x"}),
    ("GET", "/console/imports/{batch_id:int}"): Rule(HEAD_MANAGER),
    ("GET", "/console/bursts"): Rule(HEAD_MANAGER, scoped=False),
    ("GET", "/console/disagreements"): Rule(HEAD_MANAGER, scoped=False),
    ("POST", "/console/bursts"): Rule(HEAD_MANAGER, body={"service": "{service_slug}", "day": "2026-01-05",
                                                          "client": "x", "decision": "counted"}),
}

INSIGHT = {
    ("GET", "/dashboard"): Rule(HEAD_MANAGER, scoped=False),
    ("GET", "/console/actions"): Rule(HEAD_MANAGER, scoped=False),
    ("GET", "/console/actions/{item_id:int}"): Rule(HEAD_MANAGER),
    ("POST", "/console/actions/{item_id:int}/plan"): Rule(MANAGER),
    ("POST", "/console/actions/{item_id:int}/close"): Rule(HEAD),
    ("GET", "/units/{unit_slug:str}/evidence"): Rule(HEAD),
    ("GET", "/units/{unit_slug:str}/evidence.xlsx"): Rule(HEAD),
    ("POST", "/units/{unit_slug:str}/evidence/review"): Rule(HEAD, body={"period": "bad"}),
}

#: Without ?government= or ?unit= the diagnostic console opens the user's own government: not unit A's data.
DIAGNOSTIC = {
    ("GET", "/console/diagnostic"): Rule(HEAD_MANAGER, scoped=False),
    ("GET", "/console/diagnostic/{year:int}"): Rule(HEAD_MANAGER, scoped=False),
    ("GET", "/console/diagnostic/{year:int}/indicators/{code:str}"): Rule(HEAD_MANAGER, scoped=False),
    ("POST", "/console/diagnostic/{year:int}/indicators/{code:str}/rate"): Rule(MANAGER, scoped=False),
    ("POST", "/console/diagnostic/{year:int}/indicators/{code:str}/evidence"): Rule(MANAGER, scoped=False),
    ("POST", "/console/diagnostic/{year:int}/indicators/{code:str}/verify"): Rule(HEAD, scoped=False),
    ("POST", "/console/diagnostic/{year:int}/automatic"): Rule(MANAGER, scoped=False),
    ("GET", "/console/diagnostic/evidence/{evidence_id:int}"): Rule(HEAD_MANAGER),
    ("GET", "/console/diagnostic/catalogue"): Rule(ADMIN_ONLY, scoped=False),
    ("POST", "/console/diagnostic/catalogue"): Rule(ADMIN_ONLY, scoped=False),
}

COMPLAINTS = {
    ("GET", "/console/complaints"): Rule(HEAD_MANAGER, scoped=False),
    ("GET", "/console/complaints/new"): Rule(STAFF, scoped=False),
    ("POST", "/console/complaints/new"): Rule(STAFF, body={"service": "{service_slug}", "channel": "paper"}),
    ("GET", "/console/complaints/settings"): Rule(HEAD_MANAGER, scoped=False),
    ("POST", "/console/complaints/settings"): Rule(HEAD_MANAGER, scoped=False),
    ("GET", "/console/complaints/{complaint_id:int}"): Rule(HEAD_MANAGER),
    ("GET", "/console/complaints/{complaint_id:int}/photo"): Rule(HEAD_MANAGER),
    ("POST", "/console/complaints/{complaint_id:int}/nonconformity"): Rule(HEAD_MANAGER),
    ("POST", "/console/complaints/{complaint_id:int}/{action:str}"): Rule(HEAD_MANAGER),
}

#: Registering takes a counter code in the body (none here: allowed but invalid, 400); kiosk_id is unit A's kiosk.
KIOSK = {
    ("GET", "/console/kiosks"): Rule(HEAD_MANAGER, scoped=False),
    ("POST", "/console/kiosks"): Rule(MANAGER, scoped=False),
    ("POST", "/console/kiosks/{kiosk_id:int}/pairing"): Rule(MANAGER),
    ("POST", "/console/kiosks/{kiosk_id:int}/revoke"): Rule(MANAGER),
}

RULES: dict[tuple[str, str], Rule] = {**ACCOUNTS, **QUEUE, **FEEDBACK, **INSIGHT, **DIAGNOSTIC, **COMPLAINTS,
                                      **KIOSK}
