"""Receipt photos: JPEG or PNG up to 2 MB, decoded and re-encoded with Pillow so that no EXIF block (camera,
time, GPS location), comment or other metadata survives; anything else is refused with a reason."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from portal.complaints.schemas import _t

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 2000  # larger photos are scaled down: a receipt stays legible
MAX_PIXELS = 40_000_000  # decompression-bomb guard (a 2 MB file may declare a huge canvas)
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}


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
    """Decode, check and re-encode a photo; raise ImageRefused with the reason otherwise."""
    if len(data) > MAX_BYTES:
        raise ImageRefused(_t("The photo is larger than 2 MB. Please send a smaller photo (or none)."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format
            if fmt not in FORMATS:
                raise ImageRefused(_t("Only a JPEG or PNG photo can be attached."))
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRefused(_t("Only a JPEG or PNG photo can be attached."))
            probe.verify()  # structure check; the image must be reopened afterwards
            image = Image.open(io.BytesIO(data))
            image.load()
    except ImageRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise ImageRefused(_t("Only a JPEG or PNG photo can be attached.")) from None
    image = ImageOps.exif_transpose(image)  # keep the orientation the camera meant, then drop the EXIF
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
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
