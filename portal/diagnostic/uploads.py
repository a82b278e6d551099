"""Evidence uploads: a size cap, the type decided by the content (magic bytes, never the name or the browser's
word), PDFs without active content, images decoded and re-encoded by Pillow so that EXIF and other metadata
(e.g. a phone's GPS position) are dropped."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 1_500_000  # under the app's 2 MB request cap, with room for the other form fields
MAX_PIXELS = 40_000_000
PDF_ACTIVE = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/OpenAction")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UploadError(ValueError):
    """An upload refused (the message is an English msgid; `values` fill it)."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message)
        self.message = message
        self.values = values


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
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise UploadError("The image is too large (at most %(n)s million pixels).", n=MAX_PIXELS // 1_000_000)
            probe.load()
            image = ImageOps.exif_transpose(probe)
            has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
            mode = "RGBA" if has_alpha and kind == "image/png" else "RGB"
            pixels = image.convert(mode)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, UploadError):
            raise
        raise UploadError("The file could not be read as a PDF, PNG or JPEG.") from exc
    clean = Image.frombytes(mode, pixels.size, pixels.tobytes())  # pixels only: no EXIF, no text chunks
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
