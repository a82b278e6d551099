"""Hardening at the edge: security headers on every response, and a request guard that refuses hostile input
(NUL bytes, oversized anonymous forms, cross-origin state-changing requests) before any handler runs.

Sources: OWASP Secure Headers Project (CSP, frame-ancestors, nosniff, Referrer-Policy, HSTS); OWASP CSRF
Prevention Cheat Sheet (verify Origin/Referer, then a token bound to the session); PostgreSQL refuses NUL in
text ("invalid byte sequence for encoding UTF8: 0x00"), so NUL is refused here, equally on both databases.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import urlsplit

from litestar import Request
from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from portal.locale import gettext
from portal.settings import Settings

#: No inline script or style anywhere (templates use static files; inline SVG charts use presentation attributes).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"

#: Citizen (anonymous) forms: a survey has about 25 fields and a comment of at most 2,000 characters (24 kB encoded).
ANONYMOUS_FORM_MAX_BYTES = 128 * 1024
ANONYMOUS_FORM_MAX_FIELDS = 100
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_SESSION_ID = re.compile(rb"(?:^|;)\s*portal_session=[0-9a-f]{64}(?:;|$)")


def security_headers(https: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    if https:
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (pages, API, static files, errors, /schema)."""

    def __init__(self, app: ASGIApp, https: bool) -> None:
        self.app = app
        self.headers = security_headers(https)
        self.names = {name for name, _ in self.headers}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing = [(k, v) for k, v in message.get("headers", []) if k.lower() not in self.names]
                message["headers"] = [*existing, *self.headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _lang(scope: Scope) -> str:
    return scope.get("state", {}).get("lang", "id")


def has_session_cookie(scope: Scope) -> bool:
    """A well-formed staff session cookie is present (whether it is valid is the session backend's business)."""
    return any(name == b"cookie" and _SESSION_ID.search(value) for name, value in scope.get("headers", []))


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """The origin of a URL (or of an Origin header) in one spelling: lowercase scheme and host, the port only when it
    is not the scheme's default. None for anything that is not an absolute http(s) URL (e.g. Origin: null)."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number, an unbalanced IPv6 bracket
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != _DEFAULT_PORTS[scheme] else "")


@functools.lru_cache(maxsize=8)
def trusted_origins(public_url: str, allowed_hosts: tuple[str, ...]) -> frozenset[str]:
    """The origins whose forms are believed: the public URL's (PORTAL_PUBLIC_URL) and each PORTAL_ALLOWED_HOSTS entry,
    a host[:port] served under the public URL's scheme or a full origin ("http://10.0.0.5:8000"). Never the Host
    the request itself names: a client chooses that header (Django's ALLOWED_HOSTS is the model)."""
    scheme = urlsplit(public_url).scheme.lower() or "http"
    candidates = [public_url, *(entry if "://" in entry else f"{scheme}://{entry}" for entry in allowed_hosts)]
    return frozenset(origin for origin in map(origin_of, candidates) if origin is not None)


def same_origin(request: Request, settings: Settings) -> bool:
    """Origin (or, without it, Referer) names this site: one of its trusted origins (never the Host the request
    names). A request with neither header (not a browser) passes; the CSRF token still applies to it."""
    claimed = request.headers.get("origin")
    if claimed is None:
        claimed = request.headers.get("referer")
        if claimed is None:
            return True
    return origin_of(claimed) in trusted_origins(settings.public_url, settings.allowed_hosts)


def _form_has_nul(body: bytes) -> bool:
    return b"\x00" in body or b"%00" in body


class RequestGuardMiddleware:
    """Before any handler: a NUL byte in the path is 404, in the query or a form 400; a state-changing request from
    another origin is 403; an anonymous form over 128 kB or 100 fields is 413. Nothing is read or written first."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        lang = _lang(scope)
        if "\x00" in scope.get("path", ""):
            raise NotFoundException(gettext(lang, "Page not found."))
        query = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query:
            raise ClientException(gettext(lang, "The request contains a character that is not allowed (NUL)."))
        if scope["type"] != "http" or scope.get("method", "GET") in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request: Request = Request(scope, receive=receive)
        settings = scope["app"].state.settings
        if not same_origin(request, settings):
            raise PermissionDeniedException(gettext(
                lang, "This form did not come from this site. Please open the page again and resend it. "
                "Nothing was saved."))
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            # Public routes (citizen forms, login) are capped whoever calls them: a session cookie is no way round.
            handler = scope.get("route_handler")
            anonymous = bool(handler is not None and handler.opt.get("exclude_from_auth")) or not has_session_cookie(scope)
            # A route that takes an upload (a complaint's receipt photo) states its own cap in opt["form_max_bytes"].
            cap = handler.opt.get("form_max_bytes", ANONYMOUS_FORM_MAX_BYTES) if handler is not None \
                else ANONYMOUS_FORM_MAX_BYTES
            length = request.headers.get("content-length", "")
            if anonymous and length.isascii() and length.isdigit() and int(length) > cap:
                raise ClientException(gettext(lang, "The request is too large."), status_code=413)
            body = await request.body()  # cached on the scope: the handler reads it again without the network
            if anonymous and len(body) > cap:
                raise ClientException(gettext(lang, "The request is too large."), status_code=413)
            if content_type == "application/x-www-form-urlencoded":
                if anonymous and body.count(b"&") >= ANONYMOUS_FORM_MAX_FIELDS:
                    raise ClientException(gettext(lang, "The request is too large."), status_code=413)
                if _form_has_nul(body):
                    raise ClientException(
                        gettext(lang, "The request contains a character that is not allowed (NUL)."))
            else:
                await _read_multipart(request, lang)
        if content_type != "multipart/form-data" and json_nesting(await request.body()) > JSON_MAX_DEPTH:
            # Any other body may be JSON (the kiosk API reads its body whatever the declared type): its nesting is
            # checked before a decoder recurses into it (msgspec and json raise RecursionError on 100,000 "[").
            raise ClientException(gettext(lang, "The data is nested too deeply (at most %(n)s levels).",
                                          n=JSON_MAX_DEPTH))
        await self.app(scope, receive, send)


async def _read_multipart(request: Request, lang: str) -> None:
    """Parse a multipart form once, here (Litestar keeps the result on the scope for the CSRF check and the handler),
    and refuse it with 400 when a value is not text in its declared charset (Litestar's parser raises
    UnicodeDecodeError or LookupError, which would be a 500 inside the CSRF middleware), when the parser cannot read
    it, or when a value holds a NUL or a lone surrogate (neither database stores them)."""
    not_text = gettext(lang, "The form contains text that is not valid UTF-8. Please open the page again and resend "
                             "it. Nothing was saved.")
    try:
        form = await request.form()
    except (UnicodeDecodeError, LookupError):
        raise ClientException(not_text) from None
    except ClientException as exc:
        if exc.status_code == 413 or exc.detail == "Request Entity Too Large":  # too large, or too many parts
            raise ClientException(gettext(lang, "The request is too large."), status_code=413) from None
        raise ClientException(gettext(lang, "The form could not be read. Please open the page again and resend "
                                            "it. Nothing was saved.")) from None
    texts = [text for name, value in form.multi_items() for text in (name, value) if isinstance(text, str)]
    if any("\x00" in text for text in texts):
        raise ClientException(gettext(lang, "The request contains a character that is not allowed (NUL)."))
    if any(_LONE_SURROGATE.search(text) for text in texts):
        raise ClientException(not_text)


#: Half of a UTF-16 pair on its own (a charset such as unicode_escape can produce one): no database encodes it.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
#: JSON nesting the portal accepts: the kiosk batch nests 4 levels ({"items": [{"u": [...]}]}).
JSON_MAX_DEPTH = 32
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_nesting(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text (brackets inside strings do not count). Linear in the
    body's length and never recursive, so it is safe on any input; an unbalanced text gets its deepest point."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    opening = brackets.count(b"[") + brackets.count(b"{")
    if opening <= JSON_MAX_DEPTH:
        return opening  # an upper bound, exact enough below the limit
    import numpy as np

    steps = np.frombuffer(brackets, dtype=np.uint8)
    depth = np.cumsum(np.where((steps == ord("[")) | (steps == ord("{")), 1, -1))
    return int(depth.max())


_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')
_STYLE_ELEMENT = re.compile(r"<style[^>]*>\s*\*\s*\{([^}]*)\}\s*</style>", re.S)


def _declarations(css: str) -> str:
    pairs = []
    for declaration in css.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip().replace('"', "'")
        if re.fullmatch(r"[a-z-]+", name) and value:
            pairs.append(f'{name}="{value}"')
    return " ".join(pairs)


def svg_without_inline_css(svg: str) -> str:
    """matplotlib's SVG with its style="" attributes turned into SVG presentation attributes and its one
    `* {...}` style element moved onto the root element (inherited), so a CSP without 'unsafe-inline' shows it."""
    root_css = ""
    match = _STYLE_ELEMENT.search(svg)
    if match:
        root_css = _declarations(match.group(1))
        svg = svg[: match.start()] + svg[match.end():]
    svg = _STYLE_ATTR.sub(lambda m: " " + _declarations(m.group(1)), svg)
    if root_css:
        svg = svg.replace("<svg ", f"<svg {root_css} ", 1)
    return svg
