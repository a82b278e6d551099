"""Receipt photos: JPEG or PNG up to 2 MB and 16 megapixels (portal.images: the declared size is checked before
decoding, and the server decodes in portal.images' worker pool, off the event loop), decoded and re-encoded with
Pillow so that no EXIF block (camera, time, GPS location), comment or other metadata survives; anything else is
refused with a reason."""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from portal import images
from portal.complaints.schemas import _t

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 2000  # larger photos are scaled down: a receipt stays legible
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
TOO_MANY_PIXELS = _t("The photo has too many pixels (at most 16 million). Please send a smaller photo (or none).")


class ImageRefused(ValueError):
    """The upload is not an acceptable photo; `message` is an English msgid for the citizen."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    media_type: str
    width: int
    height: int


def clean(data: bytes) -> CleanImage:
    """Decode, check and re-encode a photo; raise ImageRefused with the reason otherwise. Blocking (Pillow): the
    server calls it through `clean_off_loop`."""
    if len(data) > MAX_BYTES:
        raise ImageRefused(_t("The photo is larger than 2 MB. Please send a smaller photo (or none)."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = images.open_checked(data)  # header only: a canvas over 16 MP is refused before decoding
            fmt = probe.format
            if fmt not in FORMATS:
                raise ImageRefused(_t("Only a JPEG or PNG photo can be attached."))
            probe.verify()  # structure check; the image must be reopened afterwards
            image = images.open_checked(data)
            if fmt == "JPEG" and max(image.size) > MAX_SIDE:
                # decode at 1/2, 1/4 or 1/8 scale when that still covers the MAX_SIDE picture kept below
                ratio = MAX_SIDE / max(image.size)
                image.draft(None, (math.ceil(image.width * ratio), math.ceil(image.height * ratio)))
            image.load()
    except ImageRefused:
        raise
    except images.TooManyPixels:
        raise ImageRefused(TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise ImageRefused(_t("Only a JPEG or PNG photo can be attached.")) from None
    ImageOps.exif_transpose(image, in_place=True)  # keep the orientation the camera meant (no copy), drop the EXIF
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))  # in place: the full-size pixels go before the copies below
    # A fresh image holds only the pixels: no info dict, no EXIF, no ICC, no text chunks.
    pixels = image.convert("RGB") if fmt == "JPEG" or image.mode not in ("RGB", "RGBA", "L", "LA") else image
    fresh = Image.new(pixels.mode, pixels.size)
    fresh.paste(pixels)
    out = io.BytesIO()
    if fmt == "JPEG":
        fresh.save(out, format="JPEG", quality=85, optimize=True)
    else:
        fresh.save(out, format="PNG", optimize=True)
    return CleanImage(out.getvalue(), FORMATS[fmt], fresh.width, fresh.height)


async def clean_off_loop(data: bytes) -> CleanImage:
    """`clean` in portal.images' decoding pool (at most DECODE_SLOTS photos decoded at once per process), so a large
    photo never holds the event loop; raises ImageRefused like `clean`."""
    if len(data) > MAX_BYTES:  # refused at once, without queueing
        raise ImageRefused(_t("The photo is larger than 2 MB. Please send a smaller photo (or none)."))
    return await images.off_loop(clean, data)
