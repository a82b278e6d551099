"""Photo decoding (complaint receipts, diagnostic evidence) through HTTP: a small PNG that declares 6,320 x 6,320
pixels is refused from its header, before any pixel is decoded, with the reason in the user's language; photos are
decoded in portal.images' worker threads, never on the event loop, at most DECODE_SLOTS at once, and other requests
are answered while they run."""

from __future__ import annotations

import asyncio
import io
import secrets
import struct
import threading
import zlib

import httpx
import pytest
from PIL import Image, ImageFile

from portal import images
from portal.complaints import images as complaint_images
from portal.diagnostic import queries as diagnostic_queries
from tests.conftest import PortalClient
from tests.factories import make_service, make_unit, make_user
from tests.integration.test_complaints_http import code_of, file, place, rows_of  # noqa: F401
from tests.integration.test_diagnostic_flow import as_user


def declared_png(width: int, height: int) -> bytes:
    """A small PNG whose header declares width x height RGB pixels (its data covers a few rows only)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width * 3 + 1) * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def _address() -> str:
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"


@pytest.fixture
def no_decoding(monkeypatch):
    """Fails the test if any pixel data is decoded while it is active."""
    decoded = []
    original = ImageFile.ImageFile.load

    def load(self):
        decoded.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return decoded


def test_the_pixel_cap_takes_any_phone_photo_and_refuses_the_probe():
    assert images.MAX_PIXELS >= 4032 * 3024 and images.MAX_PIXELS >= 4608 * 3456  # 12 MP and 16 MP phone photos
    assert images.MAX_PIXELS < 6320 * 6320
    bomb = declared_png(6320, 6320)
    assert len(bomb) < 200_000
    with pytest.raises(images.TooManyPixels):
        images.open_checked(bomb)


async def test_a_huge_declared_canvas_is_refused_before_decoding(app, place, no_decoding):  # noqa: F811
    bomb = declared_png(6320, 6320)
    before = len(await rows_of(place))
    transport = httpx.ASGITransport(app=app, client=(_address(), 40000))
    async with PortalClient(transport=transport, base_url="https://testserver.local") as phone:
        refused = await file(phone, place, files={"photo": ("struk.png", bomb, "image/png")},
                             description="Teks tetap ada.")
        assert refused.status_code == 400, refused.text[-500:]
        assert "terlalu banyak piksel (paling banyak 16 juta)" in refused.text and "Teks tetap ada." in refused.text
        phone.cookies.set("lang", "en", domain="testserver.local")
        english = await file(phone, place, files={"photo": ("struk.png", bomb, "image/png")},
                             description="Text kept.")
        assert english.status_code == 400 and "too many pixels (at most 16 million)" in english.text
    assert len(await rows_of(place)) == before
    assert not any(size == (6320, 6320) for size in no_decoding)

    unit = await make_unit()
    await make_service(unit)
    gov = await diagnostic_queries.government_of_unit(unit)
    url = f"/console/diagnostic/2023/indicators/L03/evidence?government={gov['slug']}"
    async with as_user(app, await make_user("manager", [unit])) as manager:
        await manager.get(url.replace("/evidence", ""))
        r = await manager.post(url, files={"file": ("foto.png", bomb, "image/png")},
                               data={"_csrf_token": manager.cookies.get("csrftoken") or ""})
        assert r.status_code == 400 and "paling banyak 16 juta piksel" in r.text, r.text[-500:]
    assert not no_decoding, no_decoding


async def test_photos_are_decoded_off_the_loop_a_bounded_few_at_a_time(app, place, monkeypatch):  # noqa: F811
    """Six receipts at once: DECODE_SLOTS decodes start in worker threads and are held there; meanwhile the event
    loop answers another request; then they are released and every complaint is stored with its photo."""
    real_clean = complaint_images.clean
    lock, release = threading.Lock(), threading.Event()
    running, seen = [0], {"max": 0, "threads": set(), "finished": 0}

    def held_clean(data: bytes):
        with lock:
            running[0] += 1
            seen["max"] = max(seen["max"], running[0])
            seen["threads"].add(threading.current_thread().name)
        try:
            release.wait(timeout=60)
            return real_clean(data)
        finally:
            with lock:
                running[0] -= 1
                seen["finished"] += 1

    monkeypatch.setattr(complaint_images, "clean", held_clean)
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 100, 50)).save(photo, format="JPEG")
    before = len(await rows_of(place))
    transport = httpx.ASGITransport(app=app, client=(_address(), 40000))
    async with PortalClient(transport=transport, base_url="https://testserver.local", refreshed=False) as phone:
        uploads = [asyncio.create_task(file(phone, place, files={"photo": ("struk.jpg", photo.getvalue(),
                                                                          "image/jpeg")}))
                   for _ in range(6)]
        for _ in range(2000):  # until the pool is full (each step yields to the loop)
            if running[0] >= images.DECODE_SLOTS:
                break
            await asyncio.sleep(0.01)
        assert running[0] == images.DECODE_SLOTS
        other = await phone.get("/complaints")  # the loop is free while photos are being decoded
        assert other.status_code == 200 and seen["finished"] == 0
        release.set()
        responses = await asyncio.gather(*uploads)
    assert all(r.status_code == 303 for r in responses), [r.status_code for r in responses]
    assert seen["max"] == images.DECODE_SLOTS
    assert seen["threads"] and all(name.startswith("photo-decode") for name in seen["threads"])
    assert len(await rows_of(place)) == before + 6
