"""Evidence uploads: a size cap, the type decided by the content (magic bytes, never the name or the browser's
word), PDFs without active content, images of at most 16 megapixels (checked from the header before decoding,
portal.images) decoded and re-encoded by Pillow so that EXIF and other metadata (e.g. a phone's GPS position) are
dropped. The server runs all of it in portal.images' decoding pool, off the event loop (`clean_upload_off_loop`)."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from portal import images
from portal.errors import Invalid

MAX_BYTES = 1_500_000  # under the app's 2 MB request cap, with room for the other form fields
MAX_PIXELS = images.MAX_PIXELS
PDF_ACTIVE = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/OpenAction")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UploadError(Invalid):
    """An upload refused (the message is an English msgid; `values` fill it): the `file` field is at fault."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message, field="file", code="upload", **values)


@dataclass(frozen=True)
class CleanFile:
    filename: str
    content_type: str
    content: bytes
    sha256: str


def sniff(data: bytes) -> str | None:
    """The content type the bytes themselves show: application/pdf, image/png, image/jpeg, or None."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def safe_name(filename: str, extension: str) -> str:
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem = _UNSAFE.sub("-", base.rsplit(".", 1)[0]).strip("-.")[:80] or "evidence"
    return f"{stem}.{extension}"


def _reencode(data: bytes, kind: str) -> bytes:
    """The picture's pixels alone, re-encoded. At most two full-size copies live at once (the decoded picture and
    the fresh one), about 100 MB at the 16 MP cap."""
    try:
        with images.open_checked(data) as probe:  # header only: a canvas over MAX_PIXELS is refused before decoding
            probe.load()
            ImageOps.exif_transpose(probe, in_place=True)  # the orientation the camera meant, without a copy
            has_alpha = probe.mode in ("RGBA", "LA") or (probe.mode == "P" and "transparency" in probe.info)
            mode = "RGBA" if has_alpha and kind == "image/png" else "RGB"
            pixels = probe if probe.mode == mode else probe.convert(mode)
            clean = Image.new(mode, pixels.size)  # pixels only: no EXIF, no ICC, no text chunks
            clean.paste(pixels)
            del pixels
    except images.TooManyPixels:
        raise UploadError("The image is too large (at most %(n)s million pixels).", n=MAX_PIXELS // 1_000_000) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, UploadError):
            raise
        raise UploadError("The file could not be read as a PDF, PNG or JPEG.") from exc
    out = io.BytesIO()
    if kind == "image/png":
        clean.save(out, format="PNG", optimize=True)
    else:
        clean.save(out, format="JPEG", quality=85)
    return out.getvalue()


def clean_upload(filename: str, data: bytes) -> CleanFile:
    """The file as it will be stored, or UploadError with the reason."""
    if not data:
        raise UploadError("Choose a file to upload.")
    if len(data) > MAX_BYTES:
        raise UploadError("The file is too large (at most %(mb)s MB).", mb="1.5")
    kind = sniff(data)
    if kind is None:
        raise UploadError("Only PDF, PNG or JPEG files are accepted.")
    if kind == "application/pdf":
        if any(marker in data for marker in PDF_ACTIVE):
            raise UploadError("PDF files with scripts, attachments or automatic actions are not accepted.")
        content = data
        extension = "pdf"
    else:
        content = _reencode(data, kind)
        extension = "png" if kind == "image/png" else "jpg"
    return CleanFile(safe_name(filename, extension), kind, content, hashlib.sha256(content).hexdigest())


async def clean_upload_off_loop(filename: str, data: bytes) -> CleanFile:
    """`clean_upload` in portal.images' decoding pool (at most DECODE_SLOTS at once per process), never on the
    event loop; raises UploadError like `clean_upload`."""
    if len(data) > MAX_BYTES:  # refused at once, without queueing
        raise UploadError("The file is too large (at most %(mb)s MB).", mb="1.5")
    return await images.off_loop(clean_upload, filename, data)
