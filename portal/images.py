"""Photo decoding for every upload that takes a picture (complaint receipts, diagnostic evidence): the canvas a file
declares is read from its header and refused above MAX_PIXELS before a single pixel is decoded, and all Pillow work
(header, decode, re-encode) runs in a small pool of DECODE_SLOTS worker threads per process, never on the event loop.

Why these numbers:

- MAX_PIXELS = 16 million. A phone's camera writes 12-megapixel photos (4032 x 3024 = 12.2 MP, the default of
  nearly every phone, including the 48/50 MP sensors, which bin four pixels into one); some budget phones write
  16 MP (4608 x 3456 = 15.9 MP); a screenshot is 1-5 MP (1080 x 2400, 1440 x 3200). A full-resolution 48/50 MP
  shot is 10 MB or more, far above the uploads' byte caps (2 MB and 1.5 MB), so it never gets here. 16 MP takes
  every photo a phone sends under those caps and refuses the canvas a small file can declare (a 155 kB PNG of
  6,320 x 6,320 = 40 MP once took 3 s and about 580 MB to decode).
- DECODE_SLOTS = 2, one per core of the small servers the portal runs on. One decode at the cap peaks at about
  100-160 MB (measured on a 4,608 x 3,456 picture: a PNG 100 MB in RGB, 160 MB in RGBA; a receipt JPEG, decoded at
  a reduced scale, 45 MB), so photo decoding needs at most about 320 MB per process however many uploads arrive;
  the others wait in the pool's queue without holding the event loop, and every other request goes on meanwhile.
"""

from __future__ import annotations

import asyncio
import functools
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from PIL import Image

MAX_PIXELS = 16_000_000
DECODE_SLOTS = 2
FORMATS = ("JPEG", "PNG")

T = TypeVar("T")
_pool: ThreadPoolExecutor | None = None


class TooManyPixels(ValueError):
    """The header declares a canvas larger than MAX_PIXELS: refused before decoding."""

    def __init__(self, width: int, height: int) -> None:
        super().__init__(f"{width} x {height} pixels")
        self.width, self.height = width, height


def open_checked(data: bytes) -> Image.Image:
    """The picture opened from its header alone (JPEG or PNG decoders only; no pixel is decoded yet), or
    TooManyPixels when it declares more than MAX_PIXELS. Pillow's own errors (UnidentifiedImageError, OSError,
    SyntaxError, ValueError) pass through for the caller's message."""
    image = Image.open(io.BytesIO(data), formats=FORMATS)
    if image.width * image.height > MAX_PIXELS:
        image.close()
        raise TooManyPixels(image.width, image.height)
    return image


def _decoder_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=DECODE_SLOTS, thread_name_prefix="photo-decode")
    return _pool


async def off_loop(work: Callable[..., T], *args: object) -> T:
    """`work(*args)` (a function that opens with open_checked, decodes and re-encodes) in the decoding pool: at most
    DECODE_SLOTS run at once in this process; the caller waits without blocking the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_decoder_pool(), functools.partial(work, *args))
