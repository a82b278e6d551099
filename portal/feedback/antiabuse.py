"""Abuse controls of the citizen forms: signed form stamps (speed flag + one-use nonce), honeypot, rate limit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from litestar import Request
from litestar.middleware.rate_limit import RateLimitConfig

from portal.ratelimit import WindowRateLimitMiddleware
from portal.timeutil import unix_now
from portal.web import client_key

#: A human needs at least this long to read and answer nine questions; faster responses are flagged, not dropped.
MIN_SECONDS = 8
#: A served form stays valid this long (a citizen may leave the page open while waiting at the counter).
MAX_AGE_SECONDS = 3 * 24 * 3600
#: The honeypot: an input hidden from people (CSS and aria-hidden) that form-filling robots fill in.
HONEYPOT = "website"
#: POSTs per client (keyed address hash) per minute on the citizen forms; generous because mobile carriers put
#: many phones behind one address (CGNAT), strict enough to stop a script flooding the survey.
POSTS_PER_MINUTE = 60


def _sign(secret_key: str, body: str) -> str:
    return hmac.new(secret_key.encode(), b"form-stamp:" + body.encode(), hashlib.sha256).hexdigest()[:32]


def new_stamp(secret_key: str, now: float | None = None) -> str:
    """A hidden-field value "<unix time>.<nonce>.<signature>" for a survey form served now."""
    body = f"{int(now if now is not None else unix_now())}.{secrets.token_hex(12)}"
    return f"{body}.{_sign(secret_key, body)}"


@dataclass(frozen=True)
class Stamp:
    valid: bool
    nonce: str | None
    age_seconds: float | None

    @property
    def too_fast(self) -> bool:
        """True when the form came back faster than a person can answer it, or without a valid stamp."""
        return not self.valid or self.age_seconds is None or self.age_seconds < MIN_SECONDS


def read_stamp(secret_key: str, value: str | None, now: float | None = None) -> Stamp:
    """Check a stamp's signature and age; an invalid, expired or missing stamp gives Stamp(valid=False)."""
    if not value or len(value) > 100 or value.count(".") != 2:
        return Stamp(False, None, None)
    issued, nonce, signature = value.split(".")
    if not (issued.isascii() and issued.isdigit() and signature.isascii()) or not hmac.compare_digest(
            signature, _sign(secret_key, f"{issued}.{nonce}")):  # compare_digest raises on non-ASCII text
        return Stamp(False, None, None)
    age = (now if now is not None else unix_now()) - int(issued)
    if age < -60 or age > MAX_AGE_SECONDS:
        return Stamp(False, None, None)
    return Stamp(True, nonce, age)


def _identifier(request: Request) -> str:
    return client_key(request, request.app.state.settings)


async def _is_post(request: Request) -> bool:
    """Only POSTs are counted (async, so Litestar does not hand this one-line check to a thread)."""
    return request.method == "POST"


#: Rate limit of the citizen POSTs (visit start/served/finished, survey), in its own store (Redis when configured;
#: in the process, counted without Litestar's encode/decode round trip: portal.ratelimit).
rate_limit = RateLimitConfig(
    rate_limit=("minute", POSTS_PER_MINUTE),
    store="feedback_rate_limit",
    identifier_for_request=_identifier,
    check_throttle_handler=_is_post,
    middleware_class=WindowRateLimitMiddleware,
)
