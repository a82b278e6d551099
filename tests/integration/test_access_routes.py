"""Every back-office route, for every role of unit A, for users of unit B and for anonymous visitors, against the
permissions table (portal.accounts.permissions) through the action each route's guard names; the POST bodies and
which path parameters name unit A's data are in tests/integration/access_rules.py. A route whose guard names no
action fails the test."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import httpx
from litestar.handlers import HTTPRouteHandler

from portal.accounts.auth import CurrentUser, session_auth
from portal.accounts.permissions import PERMISSIONS, action_of
from portal.catalog import services as catalog_services
from portal.catalog.schemas import DraftForm
from portal.queue import tickets
from tests.conftest import PortalClient
from tests.factories import make_counter, make_service, make_unit, make_user
from tests.integration.access_rules import BODIES, NOT_UNIT_PARAMETERS
from tests.integration.queue_support import login, post

PARAM_RE = re.compile(r"\{(\w+)(?::\w+)?\}")
SKIPPED_METHODS = {"OPTIONS", "HEAD"}
PUBLIC_PREFIXES_FORBIDDEN = ("/console", "/dashboard")


#: Paths the session middleware itself leaves public (login form, static files, OpenAPI schema).
AUTH_EXCLUDED = [re.compile(p) for p in session_auth(secure_cookies=True).exclude]


def _is_public(handler, path: str = "") -> bool:
    return bool(handler.opt.get("exclude_from_auth")) or any(p.search(path) for p in AUTH_EXCLUDED)


def back_office_routes(app) -> dict[tuple[str, str], HTTPRouteHandler]:
    """(method, path) of every HTTP route that requires login."""
    found = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            methods = getattr(handler, "http_methods", None)
            if not methods or _is_public(handler, route.path):
                continue
            for method in methods:
                if method not in SKIPPED_METHODS:
                    found[(method, route.path)] = handler
    return found


@dataclass(frozen=True)
class Rule:
    action: str
    roles: frozenset[str]  # besides admin, who always may
    scoped: bool  # the URL (or body) names unit A's data: users of unit B are denied
    body: dict[str, str] = field(default_factory=dict)


def rule_of(handler, method: str, path: str) -> Rule | None:
    """The route's rule, read from the permissions table through the action its guard names (None: no action)."""
    action = action_of(handler)
    if action is None:
        return None
    permission = PERMISSIONS[action]
    body = BODIES.get((method, path), {})
    names_unit_data = (any(name not in NOT_UNIT_PARAMETERS for name in PARAM_RE.findall(path))
                       or any("{" in value for value in body.values()))
    return Rule(action, permission.roles, permission.unit_scoped and names_unit_data, body)


def public_routes(app) -> list[str]:
    paths = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if _is_public(handler, route.path):
                paths.append(route.path)
    return paths


async def _world(app, settings) -> dict:
    unit = await make_unit()
    service = await make_service(unit)
    counter = await make_counter(unit, [service])
    users = {role: await make_user(role, [unit] if role != "admin" else []) for role in
             ("admin", "head", "manager", "officer")}
    target = await make_user("officer", [unit])
    issued = await tickets.issue(unit=unit, service_id=service["id"], counter_id=counter["id"],
                                 officer_id=users["officer"]["id"], standard_version_id=None,
                                 secret_key=settings.secret_key)
    version = await _draft(service, users["manager"], unit)
    other = await make_unit()
    await make_service(other)
    outsiders = {role: await make_user(role, [other]) for role in ("head", "manager", "officer")}
    return {"unit": unit, "service": service, "counter": counter, "users": users, "target": target,
            "visit_id": issued.visit_id, "token": issued.token, "version_id": version["id"], "outsiders": outsiders}



async def _draft(service: dict, manager: dict, unit: dict) -> dict:
    actor = CurrentUser(manager["id"], manager["username"], manager["username"], "manager", frozenset([unit["id"]]))
    return await catalog_services.create_draft(actor, service, DraftForm(
        requirements="KTP", procedure="Datang", time_limit_value="1", time_limit_unit="hours", fee="0",
        product="Surat", complaint_channel="LAPOR!", target_time="0.95", target_cost="0.99",
        target_accuracy="0.95"))

async def _batch_id(w: dict) -> int:
    from portal.feedback.services import import_paper

    today = date.today()
    return await import_paper(w["service"], today, today, "access.csv", None, [])


async def _item_id(w: dict) -> int:
    from portal.insight.actions import open_item
    from portal.insight.periods import quarter_of

    return await open_item(w["unit"]["id"], w["service"]["id"], "overcharge", quarter_of(date.today()), "1 of 3",
                           {"note": "access test"})


async def _evidence_id(w: dict) -> int:
    """An evidence file of unit A's government (the diagnostic), uploaded by unit A's manager."""
    from portal.accounts.auth import CurrentUser
    from portal.diagnostic import queries, services

    gov = await queries.government_of_unit(w["unit"])
    manager = w["users"]["manager"]
    actor = CurrentUser(manager["id"], manager["username"], manager["username"], "manager",
                        frozenset({w["unit"]["id"]}))
    return await services.attach_evidence(await queries.scope_of(gov), 2025, "G08", actor, "a.pdf",
                                          b"%PDF-1.4\n%%EOF\n")


async def _complaint_id(w: dict) -> int:
    """A complaint of unit A with a receipt photo (so that the photo route has something to serve)."""
    import io

    from PIL import Image

    from portal.complaints import services
    from portal.complaints.images import clean
    from portal.complaints.schemas import ComplaintInput

    png = io.BytesIO()
    Image.new("RGB", (8, 8)).save(png, format="PNG")
    code, _ = await services.file_complaint(ComplaintInput("other", "access test", None, None, ""), unit=w["unit"],
                                            service_id=w["service"]["id"], counter_id=None,
                                            photo=clean(png.getvalue()))
    from portal.db.tables_complaints import Complaint

    return (await Complaint.select(Complaint.id).where(Complaint.code == code).first().run())["id"]


async def _fresh_draft(w: dict) -> int:
    """A draft of its own service: discarding it (allowed roles do) leaves the shared draft in place."""
    service = await make_service(w["unit"])
    version = await _draft(service, w["users"]["manager"], w["unit"])
    return version["id"]


async def _fill(path: str, w: dict, cache: dict) -> str:
    if path.endswith("/discard"):
        cache = {**cache, "version_id": str(await _fresh_draft(w))}

    async def value(name: str) -> str:
        if name in cache:
            return cache[name]
        simple = {"unit_slug": w["unit"]["slug"], "service_slug": w["service"]["slug"],
                  "counter_code": w["counter"]["code"], "visit_id": w["visit_id"], "version_id": w["version_id"],
                  "user_id": w["target"]["id"], "token": w["token"], "year": 2026, "code": "G08", "action": "classify"}
        if name in simple:
            cache[name] = str(simple[name])
        elif name == "batch_id":
            cache[name] = str(await _batch_id(w))
        elif name == "item_id":
            cache[name] = str(await _item_id(w))
        elif name == "evidence_id":
            cache[name] = str(await _evidence_id(w))
        elif name == "complaint_id":
            cache[name] = str(await _complaint_id(w))
        elif name == "kiosk_id":
            from portal.kiosk import services as kiosk_services

            cache[name] = str((await kiosk_services.create(w["counter"], "access test", None))[0])
        else:
            raise AssertionError(f"no filler for path parameter {name!r} in {path}: add one to test_access_routes")
        return cache[name]

    out = path
    for match in PARAM_RE.finditer(path):
        out = out.replace(match.group(0), await value(match.group(1)))
    return out


def _body(rule: Rule, w: dict) -> dict:
    values = {"unit_id": w["unit"]["id"], "service_id": w["service"]["id"], "service_slug": w["service"]["slug"]}
    return {k: v.format(**values) for k, v in rule.body.items()}


def _sent_to_login(response: httpx.Response) -> bool:
    """The auth middleware's answer to a page request without a session: a redirect to /login?next=<path>."""
    return response.status_code in (302, 303) and response.headers.get("location", "").startswith("/login?next=")


def _denied(response: httpx.Response, anonymous: bool) -> bool:
    if anonymous:
        return response.status_code == 401 or _sent_to_login(response)
    return response.status_code in (403, 404)


def _allowed(response: httpx.Response) -> bool:
    return response.status_code not in (401, 403, 404) and response.status_code < 500 and not _sent_to_login(response)


def _expected(rule: Rule, role: str | None, same_unit: bool) -> bool:
    if role is None:
        return False
    if role == "admin":
        return True
    if rule.scoped and not same_unit:
        return False
    return role in rule.roles


async def test_every_back_office_route_names_an_action(app):
    missing = sorted(key for key, handler in back_office_routes(app).items() if action_of(handler) is None)
    assert not missing, "guard these routes with portal.accounts.permissions.requires(action): " + ", ".join(
        f"{m} {p}" for m, p in missing)


async def test_every_action_is_used_and_every_body_has_a_route(app):
    routes = back_office_routes(app)
    used = {action_of(handler) for handler in routes.values()}
    assert not set(PERMISSIONS) - used, f"actions no route requires: {sorted(set(PERMISSIONS) - used)}"
    stale = sorted(set(BODIES) - set(routes))
    assert not stale, f"bodies in tests/integration/access_rules.py for routes that do not exist: {stale}"


async def test_back_office_paths_are_never_public(app):
    leaked = [p for p in public_routes(app) if p.startswith(PUBLIC_PREFIXES_FORBIDDEN)]
    assert not leaked, f"public (exclude_from_auth) routes under the back office: {leaked}"


async def test_every_route_allows_and_denies_by_role_and_unit(app, settings):
    routes = back_office_routes(app)
    w = await _world(app, settings)
    cache: dict = {}
    principals: list[tuple[str, str | None, dict | None, bool]] = [("anonymous", None, None, False)]
    principals += [(f"A {role}", role, user, True) for role, user in w["users"].items()]
    principals += [(f"B {role}", role, user, False) for role, user in w["outsiders"].items()]
    # /logout ends the session: walk it last
    ordered = sorted(routes, key=lambda key: (key[1] == "/logout", key[1], key[0]))
    failures = []
    rules = {key: rule_of(handler, *key) for key, handler in routes.items()}
    for label, role, user, same_unit in principals:
        async with PortalClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver.local") as c:
            if user is not None:
                await login(c, user)
            for method, path in ordered:
                rule = rules[(method, path)]
                if rule is None:
                    continue  # reported by test_every_back_office_route_names_an_action
                url = await _fill(path, w, cache)
                if method == "GET":
                    response = await c.get(url)
                else:
                    response = await post(c, url, _body(rule, w))
                expect = _expected(rule, role, same_unit)
                ok = _allowed(response) if expect else _denied(response, role is None)
                if not ok:
                    failures.append(f"{label}: {method} {url} [{rule.action}] -> {response.status_code} "
                                    f"(expected {'allow' if expect else 'deny'})")
    assert not failures, "\n".join(failures)
