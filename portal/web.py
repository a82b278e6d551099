"""Shared web plumbing: the Jinja environment, language negotiation, client identity and error pages."""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import re
import sqlite3
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from litestar import MediaType, Request, Response
from litestar.enums import RequestEncodingType
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    ValidationException,
)
from litestar.exceptions.responses import create_debug_response
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from portal import formatting
from portal.accounts.permissions import jinja_can
from portal.db.engine import is_unique_violation, unique_field
from portal.errors import Conflict, DomainError, Invalid, _t
from portal.locale import (
    LANG_COOKIE,
    gettext,
    jinja_gettext,
    jinja_ngettext,
    jinja_npgettext,
    jinja_pgettext,
    negotiate,
)
from portal.paths import TEMPLATES_DIR
from portal.settings import LANGUAGES, Settings
from portal.timeutil import DEFAULT_TIMEZONE, local_day

log = logging.getLogger("portal")


def jinja_environment(settings: Settings) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship inside the package and do not change while the server runs; PORTAL_DEBUG (development
        # only) reloads a template whose file changed.
        auto_reload=settings.debug,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        jinja_gettext, jinja_ngettext, newstyle=True, pgettext=jinja_pgettext, npgettext=jinja_npgettext)
    env.filters.update(formatting.JINJA_FILTERS)
    env.globals["time_limit"] = formatting.jinja_time_limit
    env.globals["public_url"] = settings.public_url
    env.globals["languages"] = LANGUAGES
    env.globals["lang_url"] = lang_url
    env.globals["can"] = jinja_can  # can("standards.approve"[, unit_id]) for the signed-in user
    return env


@pass_context
def lang_url(context, code: str) -> str:
    """The current page in another language: the same path and query, with ?lang= replaced."""
    request = context.get("request")
    if request is None:
        return f"?lang={code}"
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return "?" + urlencode([*params, ("lang", code)])


#: The body of an HTML form, read by Litestar into a typed input: `data: Annotated[SomeForm, FORM]`.
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


def form_errors(request: Request, exc: DomainError) -> dict[str, str]:
    """Each wrong field of a refused form and its message in the request's language, to show beside the field."""
    return domain_messages(request, exc)


def chosen_ids(values: list[str], allowed: set[int], error: str) -> list[int]:
    """The ids ticked in a multi-select (e.g. a user's units, a counter's services), each one allowed;
    otherwise ClientException(error), so a forged option changes nothing."""
    ids = set()
    for value in values:
        try:
            chosen = int(value)
        except (TypeError, ValueError):
            raise ClientException(error) from None
        if chosen not in allowed:
            raise ClientException(error)
        ids.add(chosen)
    return sorted(ids)


def request_lang(request: Request) -> str:
    """The negotiated language, from the scope's state (as LanguageMiddleware left it)."""
    return request.scope.get("state", {}).get("lang") or "id"


def t(request: Request, message: str, **variables: Any) -> str:
    """Translate a message into the language of this request."""
    return gettext(request_lang(request), message, **variables)


class LanguageMiddleware:
    """Sets scope state `lang` (?lang=, then the remembered cookie, Accept-Language, the default) and remembers ?lang=."""

    def __init__(self, app: ASGIApp, default: str = "id") -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        query_string = scope.get("query_string", b"")
        query = _query_param(query_string.decode("latin-1"), "lang") if (b"lang" in query_string or b"%" in query_string) else None
        cookie_header = accept_language = None
        for key, value in scope.get("headers", []):
            key = key.lower()
            if key == b"cookie":
                cookie_header = value.decode("latin-1")
            elif key == b"accept-language":
                accept_language = value.decode("latin-1")
        cookie = _cookie(cookie_header, LANG_COOKIE) if cookie_header else None
        lang = negotiate(query, cookie, accept_language, self.default)
        scope.setdefault("state", {})["lang"] = lang
        if query not in LANGUAGES or query == cookie or scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie_value = f"{LANG_COOKIE}={query}; Path=/; Max-Age=31536000; SameSite=Lax"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie_value.encode())]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _query_param(query_string: str, name: str) -> str | None:
    from urllib.parse import parse_qs

    values = parse_qs(query_string).get(name)
    return values[0] if values else None


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def client_address(request: Request, settings: Settings) -> str:
    """The client's address, trusting X-Forwarded-For only from configured proxies (never stored raw)."""
    peer = request.client.host if request.client else "unknown"
    if peer in settings.trusted_proxies:
        forwarded = request.headers.get("x-forwarded-for", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        while hops and hops[-1] in settings.trusted_proxies:
            hops.pop()
        if hops:
            return hops[-1]
    return peer


@functools.lru_cache(maxsize=4)
def _daily_salt(secret_key: str, day: str) -> bytes:
    return hmac.new(secret_key.encode(), f"client-salt:{day}".encode(), hashlib.sha256).digest()


def client_key(request: Request, settings: Settings) -> str:
    """A keyed hash of the client's address with a salt that rotates daily: for rate limits and the per-address
    counting cap only. The raw address is never stored (privacy by design)."""
    state = request.scope.setdefault("state", {})
    key = state.get("client_key")
    if key is None:  # asked by the rate limit and by the counting rule: computed once per request
        # The salt's day is Indonesia's western day: it turns at 00:00 WIB = 01:00 WITA = 02:00 WIT, at night for
        # every unit, so one citizen's answers of one service day share a key (the counting rule's daily cap).
        salt = _daily_salt(settings.secret_key, local_day(DEFAULT_TIMEZONE).isoformat())
        key = state["client_key"] = hmac.new(salt, client_address(request, settings).encode(),
                                             hashlib.sha256).hexdigest()[:32]
    return key


def wants_json(request: Request) -> bool:
    if request.url.path.startswith(("/api/", "/schema")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


STATUS_MESSAGES = {
    400: "The request is not valid.",
    401: "Please log in first.",
    403: "You are not allowed to do this.",
    404: "Page not found.",
    405: "This method is not allowed here.",
    409: "This conflicts with the current state.",
    413: "The request is too large.",
    415: "This content type is not supported.",
    422: "Some fields are not valid.",
    429: "Too many requests. Please wait a moment and try again.",
    500: "Something went wrong on our side. Nothing was saved.",
}


#: Litestar's own English details, replaced by a message in the user's language.
FRAMEWORK_DETAILS = {
    "CSRF token verification failed": "This form has expired or did not come from this site. "
    "Please open the page again and resend it. Nothing was saved.",
    "Request Entity Too Large": "The request is too large.",
    "Too many requests": "Too many requests. Please wait a moment and try again.",
}
FRAMEWORK_PREFIXES = ("Validation failed", "Invalid content-length", "Missing required", "Unsupported Media")


def _message_for(request: Request, exc: Exception, status: int) -> str:
    detail = getattr(exc, "detail", "") or ""
    generic = STATUS_MESSAGES.get(status, HTTPStatus(status).phrase)
    if detail in FRAMEWORK_DETAILS:
        return t(request, FRAMEWORK_DETAILS[detail])
    if isinstance(exc, ValidationException) or detail.startswith(FRAMEWORK_PREFIXES):
        return t(request, generic if status != 400 else "The request is not valid.")
    if detail and detail != HTTPStatus(status).phrase:
        return detail  # handlers raise with messages already translated for the request
    return t(request, generic)


_BEYOND_INT32 = re.compile(r"/-?\d{10,}(/|$)")


def _value_out_of_range(exc: Exception) -> bool:
    """The database refused a value it cannot hold: SQLite OverflowError (beyond 64 bits), asyncpg DataError
    (beyond 32/64 bits, NUL in text, numeric out of range: all subclasses). The request is at fault."""
    if isinstance(exc, OverflowError):
        return True
    asyncpg = _asyncpg()
    return asyncpg is not None and isinstance(exc, asyncpg.DataError)


def _refers_to_nothing(exc: Exception) -> bool:
    """A form named a row that does not exist (SQLite "FOREIGN KEY constraint failed", asyncpg
    ForeignKeyViolationError): the statement failed, nothing was stored, and the request is at fault."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "FOREIGN KEY" in str(exc)
    asyncpg = _asyncpg()
    return asyncpg is not None and isinstance(exc, asyncpg.ForeignKeyViolationError)


def _asyncpg():
    try:
        import asyncpg.exceptions
    except ImportError:  # pragma: no cover
        return None
    return asyncpg.exceptions


def _mapped(request: Request, exc: Exception) -> Exception:
    """An id in the path that no column can hold cannot exist: 404; any other unstorable value: 400; a unique
    index refusing a write that no service turned into a Conflict (a race its code did not expect): 409 naming the
    column, logged."""
    if isinstance(exc, DomainError | HTTPException):
        return exc
    if _refers_to_nothing(exc):
        return Invalid(_t("The request is not valid."))
    if is_unique_violation(exc):
        field = unique_field(exc)
        log.warning("unique violation not handled by its service on %s %s: %s (%s)", request.method,
                    request.url.path, type(exc).__name__, field)
        return Conflict(_t("This value is already taken."), field=field, code="taken")
    if not _value_out_of_range(exc):
        return exc
    if _BEYOND_INT32.search(request.url.path):
        return NotFoundException()
    return Invalid(_t("A value is out of the allowed range."))


def domain_messages(request: Request, exc: DomainError) -> dict[str, str]:
    """field -> message in the request's language, every wrong field of the form ("" for one without a field)."""
    errors = exc.errors or {exc.field or "": exc.message}
    return {field: t(request, message, **exc.values) for field, message in errors.items()}


def error_response(request: Request, exc: Exception) -> Response:
    exc = _mapped(request, exc)
    status = getattr(exc, "status_code", 500)
    if status >= 500:
        # The route template, not the path: tokens and tracking codes in a path stay out of the logs.
        log.exception("server error on %s %s", request.method, request.scope.get("path_template") or "<unmatched>",
                      exc_info=exc)
    if isinstance(exc, NotAuthorizedException) and not wants_json(request):
        return Redirect(path=f"{request.app.route_reverse('accounts_login_form')}?next={request.url.path}")
    headers = getattr(exc, "headers", None) or {}
    if isinstance(exc, DomainError):
        message = t(request, exc.message, **exc.values)
        fields = domain_messages(request, exc)
        if wants_json(request):
            body: dict[str, Any] = {"status": status, "error": message, "code": exc.code}
            if exc.field:
                body["field"] = exc.field
            if len(fields) > 1 or exc.field:
                body["fields"] = fields
            return Response(content=body, status_code=status, media_type=MediaType.JSON)
        details = [m for f, m in fields.items() if m != message] if len(fields) > 1 else []
        return Template(template_name="error.html", status_code=status,
                        context={"status": status, "message": message, "details": details})
    message = _message_for(request, exc, status)
    extra = getattr(exc, "extra", None)
    if wants_json(request):
        body = {"status": status, "error": message}
        if isinstance(exc, ValidationException) and extra:
            body["fields"] = extra
        return Response(content=body, status_code=status, media_type=MediaType.JSON, headers=headers)
    return Template(
        template_name="error.html",
        context={"status": status, "message": message, "details": extra if isinstance(extra, list) else []},
        status_code=status,
        headers=headers,
    )


EXCEPTION_HANDLERS = {HTTPException: error_response, Exception: error_response}


def debug_error_response(request: Request, exc: Exception) -> Response:
    """PORTAL_DEBUG only (development): an unexpected exception that would be a 500 shows Litestar's traceback page
    instead of the portal's error page (logged the same way); every other error is answered as usual."""
    response = error_response(request, exc)
    return create_debug_response(request, exc) if (response.status_code or 200) >= 500 else response
