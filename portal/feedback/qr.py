"""QR codes of counter URLs as SVG (qrcode's SvgPathImage), cached in process: one generation per URL (~10 ms)."""

from __future__ import annotations

import re
from functools import lru_cache

import qrcode
import qrcode.constants
import qrcode.image.svg


def counter_url(public_url: str, counter_code: str) -> str:
    """The absolute short URL a counter's QR code encodes (PORTAL_PUBLIC_URL + /c/ + code)."""
    return f"{public_url.rstrip('/')}/c/{counter_code}"


def short_text(url: str) -> str:
    """The URL as printed under the QR code, without the scheme (easier to type)."""
    return re.sub(r"^https?://", "", url)


def _qr(url: str) -> qrcode.QRCode:
    # Level M (15 % recovery) survives a creased or dirty poster; border 4 modules is the quiet zone the spec asks.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4,
                         image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(url)
    code.make(fit=True)
    return code


@lru_cache(maxsize=2048)
def qr_svg(url: str) -> bytes:
    """The QR code of `url` as a standalone SVG document (bytes), cached per URL."""
    return _qr(url).make_image().to_string(encoding="utf-8")


def qr_matrix(url: str) -> list[list[bool]]:
    """The module matrix (with quiet zone) of the same QR code: True = dark."""
    return _qr(url).get_matrix()


def inline_svg(url: str, uid: str) -> str:
    """The SVG for inlining in an HTML page that holds several codes: every id made unique with `uid`."""
    text = qr_svg(url).decode()
    text = re.sub(r"<\?xml[^>]*\?>", "", text)
    return re.sub(r'\bid="([^"]+)"', lambda m: f'id="{m.group(1)}-{uid}"', text)
