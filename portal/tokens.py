"""Signed, unguessable ticket tokens for /t/{token}: 128 random bits plus an HMAC-SHA256 tag keyed by the secret.

A forged or mistyped token fails `verify` before any database lookup.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

RANDOM_BYTES = 16  # 128 bits
TAG_CHARS = 16  # 96 bits of HMAC tag


def _tag(secret_key: str, body: str) -> str:
    digest = hmac.new(secret_key.encode(), b"ticket:" + body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:TAG_CHARS]


def new_token(secret_key: str) -> str:
    body = secrets.token_urlsafe(RANDOM_BYTES)  # 22 characters
    return f"{body}.{_tag(secret_key, body)}"


def verify(secret_key: str, token: str) -> bool:
    if not isinstance(token, str) or len(token) > 64 or token.count(".") != 1:
        return False
    body, tag = token.split(".")
    if len(body) < 22:
        return False
    return hmac.compare_digest(tag, _tag(secret_key, body))
