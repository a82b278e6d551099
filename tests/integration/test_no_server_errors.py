"""Nothing answers 500: every route, public and back office, GET and POST, with hostile path, query and form values.

Path parameters get unknown, huge (2^31, 2^53, 2^63, 2^70), negative, NUL and odd-character values; every query
parameter the routes read gets malformed, NUL, out-of-range, inf and nan values; every POST gets forms with NUL
bytes, extreme numbers and very long strings, multipart bodies whose values are not text (invalid UTF-8, unknown or
odd charsets) and JSON nested 100,000 deep. Each answer must be a 4xx (or a 2xx/3xx where the value is simply
not found or ignored), never a server error, on SQLite and on PostgreSQL alike (CI runs this file in both modes);
a form with a NUL byte changes nothing, and a public HTML error page speaks the chosen language.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from tests.factories import make_unit, make_user
from tests.integration.test_access_routes import AUTH_EXCLUDED, SKIPPED_METHODS

PARAM_RE = re.compile(r"\{(\w+)(?::(\w+))?\}")
BIG = [str(2**31), str(2**53), str(2**63), str(2**70)]
INT_VALUES = ["0", "-1", "99999999999999999999", *BIG, "-" + str(2**63 + 1)]
STR_VALUES = ["tidak-ada", "x" * 300, quote("'\";<script>"), quote("é/ü"), "..%2F..%2Fetc", "a%00b", "%00",
              "inf", "nan", "y" * 5000]
QUERY_NAMES = ("from", "to", "period", "q", "unit", "service", "counter", "status", "days", "issued", "page", "next",
               "lang", "grain")


def _query(value: str) -> str:
    return "?" + "&".join(f"{name}={value}" for name in QUERY_NAMES)


HOSTILE_QUERIES = [
    "?from=2026-02-30&to=abc&period=2026-Q9&q=" + "k" * 300 + "&unit=nope&service=nope&counter=nope"
    "&status=zzz&days=-5&issued=abc&page=-1&next=//evil.example&lang=zz",
    *(_query(v) for v in [*BIG, "inf", "nan", "-inf", "1e400", "a%00b", "k" * 3000]),
]


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
    return variants[:24]


async def test_public_get_routes_never_answer_500(client, app):
    checked = 0
    for path, public in _get_routes(app):
        if not public:
            continue
        for url in _fill(path):
            for query in ("", *(HOSTILE_QUERIES if url == _fill(path)[0] else HOSTILE_QUERIES[:1])):
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
        real = _fill(path.replace("{unit_slug:str}", unit["slug"], 1))
        for url in real + _fill(path):
            for query in ("", *(HOSTILE_QUERIES if url == real[0] else HOSTILE_QUERIES[:1])):
                response = await client.get(url + query)
                assert response.status_code < 500, (url + query, response.status_code, response.text[-600:])
                checked += 1
    assert checked > 20


HOSTILE_FORMS = [
    {},
    {"u1": "5", "u2": "abc", "u3": "-1", "u9": "99999999999999999999", "amount_paid": "1e309",
     "extra_requirements": "maybe", "product_correct": "🙂", "sex": "x" * 500, "age_band": "0",
     "education": "'; drop table", "occupation": "\x00", "comment": "y" * 3000},
    {"comment": "a\x00b", "u1": "4"},
    {"u1": str(2**63), "amount_paid": str(2**70), "comment": "z" * 20000},
    {"u1": "inf", "u2": "nan", "amount_paid": "inf", "u3": "1e400"},
    {"amount_paid": str(2**31)}, {"amount_paid": str(2**53)},
    {"amount_paid": "-5", "comment": "é" * 10, "website": "", "stamp": "forged.stamp"},
    {"service": "99999999999999999999", "username": "a" * 1000, "password": "", "next": "//evil.example"},
    # digits Python's isdigit() accepts and int() refuses; a form stamp whose signature is not ASCII
    {"amount": "²", "amount_paid": "¹²", "u1": "²", "stamp": "1700000000.abc.é", "comment": "x"},
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


#: Values for every field name the back-office forms read (services, standards, counters, maklumat, users, visits,
#: actions): each form below sends all of them with one kind of hostile value.
BACK_OFFICE_FIELDS = ("name", "slug", "unit", "service", "counter", "code", "requirements", "procedure",
                      "time_limit_value", "time_limit_unit", "fee", "fee_charged", "staff_count", "product",
                      "complaint_channel", "legal_basis", "facilities", "change_note", "effective_from", "text",
                      "maklumat", "username", "password", "role", "display_name", "outcome", "root_cause", "plan",
                      "due", "note", "target_time", "target_cost", "target_accuracy", "description")


def _back_office_form(value: str) -> list[tuple[str, str]]:
    return [(name, value) for name in BACK_OFFICE_FIELDS]


async def _table_counts() -> dict[str, int]:
    from portal.db.tables import AuditLog, Counter, Service, StandardVersion, User, Visit

    return {t._meta.tablename: await t.count().run() for t in (AuditLog, Counter, Service, StandardVersion, User, Visit)}


async def test_back_office_posts_with_hostile_forms_never_answer_500(client, app):
    from tests.factories import make_counter, make_service
    from tests.integration.queue_support import post

    unit = await make_unit()
    service = await make_service(unit)
    counter = await make_counter(unit, [service])
    admin = await make_user("admin", [])
    assert (await client.login(admin["username"], admin["password"])).status_code == 303
    values = {"counter_code": counter["code"], "service_slug": service["slug"], "unit_slug": unit["slug"]}
    routes = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            methods = set(getattr(handler, "http_methods", None) or ())
            public = bool(handler.opt.get("exclude_from_auth")) or any(p.search(route.path) for p in AUTH_EXCLUDED)
            if "POST" in methods and not public and route.path not in ("/logout", "/console/imports"):
                routes.append(route.path)
    assert len(routes) >= 15
    # A NUL byte anywhere in a form: refused before any handler, nothing changes.
    before = await _table_counts()
    for path in routes:
        for url in _fill(PARAM_RE.sub(lambda m: values.get(m.group(1), m.group(0)), path))[:3]:
            response = await post(client, url, _back_office_form("a\x00b"))
            assert response.status_code in (400, 404), (url, response.status_code, response.text[-600:])
    assert await _table_counts() == before
    # Extreme numbers and very long strings: a clear 4xx, or accepted where the value is valid; never a 5xx.
    for value in [*BIG, "inf", "nan", "-inf", "1e400", "9" * 40, "w" * 20000, "²", "١٢"]:
        for path in routes:
            url = PARAM_RE.sub(lambda m: values.get(m.group(1), str(2**40)), path)
            response = await post(client, url, _back_office_form(value))
            assert response.status_code < 500, (url, value[:40], response.status_code, response.text[-600:])


async def test_a_fee_beyond_32_bits_is_a_real_fee_on_every_database(client):
    """Rp 3,000,000,000 is a real retribution: stored and shown on PostgreSQL as on SQLite (BIGINT)."""
    from portal.db.tables import StandardVersion
    from tests.factories import make_service

    unit = await make_unit()
    service = await make_service(unit, fee=3_000_000_000, time_limit=(2**31 + 5, "minutes"))
    row = await StandardVersion.select().where(StandardVersion.service == service["id"]).first().run()
    assert row["fee"] == 3_000_000_000 and row["time_limit_value"] == 2**31 + 5
    page = await client.get(f"/services/{service['slug']}?lang=en")
    assert page.status_code == 200 and "3,000,000,000" in page.text.replace(".", ",")


def _multipart(token: str, value: bytes, part_headers: bytes = b"") -> tuple[bytes, str]:
    """A multipart form: the CSRF token (valid text), then a field whose value is `value` (raw bytes)."""
    boundary = "hostile24boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="_csrf_token"\r\n\r\n{token}\r\n'.encode()
            + f'--{boundary}\r\nContent-Disposition: form-data; name="comment"\r\n'.encode() + part_headers
            + b"\r\n" + value + f"\r\n--{boundary}--\r\n".encode())
    return body, f"multipart/form-data; boundary={boundary}"


#: Multipart values that are not text: bytes invalid in UTF-8, a charset no codec knows, a charset that decodes to
#: a lone surrogate or a NUL (each once reached Litestar's parser inside the CSRF middleware as a 500).
NOT_TEXT_PARTS = [(b"\xff\xfe caf\xe9 \xc3\x28", b""),
                  (b"abc", b"Content-Type: text/plain; charset=no-such-charset\r\n"),
                  (b"\\ud800 sendiri", b"Content-Type: text/plain; charset=unicode_escape\r\n"),
                  (b"a\\x00b", b"Content-Type: text/plain; charset=unicode_escape\r\n")]
NESTED_JSON = b"[" * 100_000


async def _post_routes(app, public: bool) -> list[str]:
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            methods = set(getattr(handler, "http_methods", None) or ())
            is_public = bool(handler.opt.get("exclude_from_auth")) or any(p.search(route.path) for p in AUTH_EXCLUDED)
            if "POST" in methods and is_public == public:
                found.append(route.path)
    return sorted(set(found))


async def _undecodable_bodies_are_400(client, urls: list[str], token: str) -> None:
    for url in urls:
        for value, headers in NOT_TEXT_PARTS:
            body, content_type = _multipart(token, value, headers)
            for lang, words in (("id", ("Formulir berisi teks", "karakter yang tidak diizinkan")),
                                ("en", ("not valid UTF-8", "not allowed (NUL)"))):
                response = await client.post(f"{url}?lang={lang}", content=body,
                                             headers={"content-type": content_type})
                assert response.status_code == 400, (url, value, lang, response.status_code, response.text[-400:])
                assert any(w in response.text for w in words), (url, lang, response.text[-400:])
        for content_type in ("application/json", "text/plain", "application/x-www-form-urlencoded"):
            response = await client.post(url, content=NESTED_JSON, headers={"content-type": content_type})
            assert response.status_code in (400, 413), (url, content_type, response.status_code, response.text[-400:])
        response = await client.post(url + "?lang=en", content=NESTED_JSON,
                                     headers={"content-type": "application/json"})
        assert response.status_code == 400 and "nested too deeply" in response.text, (url, response.text[-300:])


async def test_every_post_refuses_undecodable_multipart_and_deeply_nested_json_with_400(client, app):
    """Every POST route, anonymous (citizen forms, login, kiosk) and back office (as an admin): a multipart value
    that is not text is a 400 in the user's language before any handler, and so is JSON nested 100,000 deep;
    nothing is stored."""
    import secrets

    import httpx

    from tests.conftest import PortalClient
    from tests.factories import make_counter, make_service

    unit = await make_unit()
    service = await make_service(unit)
    counter = await make_counter(unit, [service])
    values = {"counter_code": counter["code"], "service_slug": service["slug"], "unit_slug": unit["slug"]}

    def real(path: str) -> str:
        return PARAM_RE.sub(lambda m: values.get(m.group(1), str(2**40) if m.group(2) == "int" else "tidak-ada"),
                            path)

    admin = await make_user("admin", [])
    assert (await client.login(admin["username"], admin["password"])).status_code == 303
    before = await _table_counts()
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with PortalClient(transport=transport, base_url="https://testserver.local") as citizen:
        public = [real(p) for p in await _post_routes(app, public=True)]
        assert "/login" in public and "/api/v1/kiosk/responses" in public and len(public) >= 6
        await _undecodable_bodies_are_400(citizen, public, await citizen.csrf("/login"))
    staff = [real(p) for p in await _post_routes(app, public=False) if p != "/logout"]
    assert len(staff) >= 15
    await _undecodable_bodies_are_400(client, staff, client.cookies.get("csrftoken") or "")
    assert await _table_counts() == before
    assert (await client.get("/console")).status_code == 200  # still signed in: nothing reached a handler
