"""Nothing answers 500: every GET route, public and back office, with hostile path and query values.

Path parameters get unknown, huge, negative and odd-character values; every query parameter the routes read
gets malformed values. Each answer must be a 4xx (or a 2xx/3xx where the value is simply not found or
ignored), never a server error, and a public HTML error page speaks the chosen language.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from tests.factories import make_unit, make_user
from tests.integration.test_access_routes import AUTH_EXCLUDED, SKIPPED_METHODS

PARAM_RE = re.compile(r"\{(\w+)(?::(\w+))?\}")
INT_VALUES = ["0", "-1", "99999999999999999999"]
STR_VALUES = ["tidak-ada", "x" * 300, quote("'\";<script>"), quote("é/ü"), "..%2F..%2Fetc"]
HOSTILE_QUERY = (
    "?from=2026-02-30&to=abc&period=2026-Q9&q=" + "k" * 300 + "&unit=nope&service=nope&counter=nope"
    "&status=zzz&days=-5&issued=abc&page=-1&next=//evil.example&lang=zz"
)


def _get_routes(app) -> list[tuple[str, bool]]:
    routes = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            methods = set(getattr(handler, "http_methods", None) or ()) - SKIPPED_METHODS
            if "GET" in methods and not route.path.startswith("/static"):
                public = bool(handler.opt.get("exclude_from_auth")) or any(p.search(route.path) for p in AUTH_EXCLUDED)
                routes.append((route.path, public))
    return sorted(set(routes))


def _fill(path: str) -> list[str]:
    variants = [path]
    for match in PARAM_RE.finditer(path):
        values = INT_VALUES if match.group(2) == "int" else STR_VALUES
        variants = [v.replace(match.group(0), value, 1) for v in variants for value in values]
    return variants[:12]


async def test_public_get_routes_never_answer_500(client, app):
    checked = 0
    for path, public in _get_routes(app):
        if not public:
            continue
        for url in _fill(path):
            for query in ("", HOSTILE_QUERY):
                response = await client.get(url + query)
                assert response.status_code < 500, (url + query, response.status_code, response.text[-600:])
                checked += 1
    assert checked > 40


async def test_not_found_page_speaks_the_chosen_language(client):
    response = await client.get("/services/tidak-ada?lang=en")
    assert response.status_code == 404 and "not found" in response.text.lower()
    response = await client.get("/services/tidak-ada?lang=id")
    assert response.status_code == 404 and "tidak ditemukan" in response.text.lower()


async def test_back_office_get_routes_never_answer_500_for_an_admin(client, app):
    unit = await make_unit()
    admin = await make_user("admin", [])
    assert (await client.login(admin["username"], admin["password"])).status_code == 303
    checked = 0
    for path, public in _get_routes(app):
        if public:
            continue
        for url in _fill(path.replace("{unit_slug:str}", unit["slug"], 1)) + _fill(path):
            for query in ("", HOSTILE_QUERY):
                response = await client.get(url + query)
                assert response.status_code < 500, (url + query, response.status_code, response.text[-600:])
                checked += 1
    assert checked > 20


HOSTILE_FORMS = [
    {},
    {"u1": "5", "u2": "abc", "u3": "-1", "u9": "99999999999999999999", "amount_paid": "1e309",
     "extra_requirements": "maybe", "product_correct": "🙂", "sex": "x" * 500, "age_band": "0",
     "education": "'; drop table", "occupation": "\x00", "comment": "y" * 3000},
    {"amount_paid": "-5", "comment": "é" * 10, "website": "", "stamp": "forged.stamp"},
    {"service": "99999999999999999999", "username": "a" * 1000, "password": "", "next": "//evil.example"},
]


async def test_public_posts_with_hostile_forms_never_answer_500(client, app):
    from tests.factories import make_counter, make_service

    unit = await make_unit()
    service = await make_service(unit)
    counter = await make_counter(unit, [service])
    statuses: list[int] = []
    values = {"counter_code": counter["code"], "service_slug": service["slug"], "unit_slug": unit["slug"]}
    checked = 0
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            methods = set(getattr(handler, "http_methods", None) or ())
            public = bool(handler.opt.get("exclude_from_auth")) or any(p.search(route.path) for p in AUTH_EXCLUDED)
            if "POST" not in methods or not public:
                continue
            url = route.path
            for match in PARAM_RE.finditer(route.path):
                url = url.replace(match.group(0), values.get(match.group(1), "tidak-ada"))
            for form in HOSTILE_FORMS:
                token = await client.csrf(url.rsplit("/", 1)[0] if url.endswith(("/survey", "/start")) else "/login")
                response = await client.post(url, data={**form, "_csrf_token": token})
                assert response.status_code < 500, (url, form, response.status_code, response.text[-600:])
                statuses.append(response.status_code)
                checked += 1
    assert checked >= 8
    assert statuses.count(403) < len(statuses) // 2, statuses  # the forms reach the handlers, past CSRF
