"""The shipped diagnostic catalogue (39 indicators, four areas, every text in both languages), the automatic
indicator registry, the evidence upload checks, and the Indonesian of every diagnostic message."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from PIL import Image

from portal.db.tables_diagnostic import AREAS, COLOURS
from portal.diagnostic import catalogue, measures, uploads
from portal.locale import translations

REPO = Path(__file__).resolve().parents[2]


def test_shipped_catalogue_has_39_indicators_in_four_areas_in_both_languages():
    raw = json.loads(catalogue.SHIPPED_FILE.read_text(encoding="utf-8"))
    indicators = raw["indicators"]
    assert len(indicators) == 39
    codes = [i["code"] for i in indicators]
    assert len(set(codes)) == 39
    areas = Counter(i["area"] for i in indicators)
    assert set(areas) == set(AREAS) and all(n >= 5 for n in areas.values())
    for i in indicators:
        texts = [i["title"], i["evidence"], *(i["criteria"][c] for c in COLOURS)]
        assert set(i["criteria"]) == set(COLOURS), i["code"]
        for text in texts:
            assert text["id"].strip() and text["en"].strip(), i["code"]
            assert text["id"] != text["en"], (i["code"], text)  # really translated, not copied
        # the three criteria of one indicator say different things
        assert len({i["criteria"][c]["en"] for c in COLOURS}) == 3, i["code"]
        assert len({i["criteria"][c]["id"] for c in COLOURS}) == 3, i["code"]
    assert catalogue.shipped()["indicators"][0]["local"] is False


def test_validate_refuses_an_indicator_without_english():
    good = dict(catalogue.shipped()["indicators"][0])
    assert catalogue.validate({**good, "code": "LOC-1"})
    with pytest.raises(catalogue.CatalogueError):
        catalogue.validate({**good, "code": "LOC-1", "title": {"id": "Judul", "en": " "}})
    with pytest.raises(catalogue.CatalogueError):
        catalogue.validate({**good, "code": "loc 1"})
    with pytest.raises(catalogue.CatalogueError):
        catalogue.validate({**good, "code": "LOC-1", "area": "sport"})
    with pytest.raises(catalogue.CatalogueError):
        catalogue.validate({**good, "code": "LOC-1", "criteria": {"red": good["criteria"]["red"]}})


def test_at_least_five_governance_indicators_are_measured_automatically():
    codes = catalogue.by_code(catalogue.shipped()["indicators"])
    assert set(measures.MEASURES) <= set(codes)
    governance = [c for c in measures.MEASURES if codes[c]["area"] == "governance"]
    assert len(governance) >= 5


def test_registry_is_a_table_another_capability_can_extend():
    async def complaints(ctx):
        return measures.Measured("green", "x", "y")

    try:
        measures.register("G07", complaints)
        assert measures.MEASURES["G07"] is complaints
    finally:
        measures.MEASURES.pop("G07", None)


def test_banded_colours():
    assert measures.banded(0.95, 0.95, 0.80) == "green"
    assert measures.banded(0.9499, 0.95, 0.80) == "yellow"
    assert measures.banded(0.7999, 0.95, 0.80) == "red"


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"  # Make
    exif[0x0131] = "GPS-Tracker-Software"  # Software
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_image_is_reencoded_without_exif():
    data = _jpeg_with_exif()
    assert b"SecretCameraMaker" in data
    clean = uploads.clean_upload("../../foto kantor.JPG", data)
    assert clean.content_type == "image/jpeg" and clean.filename == "foto-kantor.jpg"
    assert b"SecretCameraMaker" not in clean.content and b"Exif" not in clean.content
    with Image.open(io.BytesIO(clean.content)) as img:
        assert img.size == (40, 30) and not dict(img.getexif())


def test_png_text_chunks_are_dropped():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Nama Pegawai")
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(out, format="PNG", pnginfo=info)
    clean = uploads.clean_upload("x.png", out.getvalue())
    assert clean.content_type == "image/png" and b"Nama Pegawai" not in clean.content


@pytest.mark.parametrize("name,data,message", [
    ("a.pdf", b"", "Choose a file to upload."),
    ("a.pdf", b"MZ\x90\x00 not a pdf", "Only PDF, PNG or JPEG files are accepted."),
    ("a.png", b"<html><script>alert(1)</script>", "Only PDF, PNG or JPEG files are accepted."),
    ("a.pdf", b"%PDF-1.4 /OpenAction << /JS (app.alert(1)) >>", "PDF files with scripts, attachments or "
                                                                  "automatic actions are not accepted."),
    ("a.pdf", b"%PDF-1.4\n" + b"0" * uploads.MAX_BYTES, "The file is too large (at most %(mb)s MB)."),
    ("a.jpg", b"\xff\xd8\xff\xe0 truncated", "The file could not be read as a PDF, PNG or JPEG."),
])
def test_bad_uploads_are_refused(name, data, message):
    with pytest.raises(uploads.UploadError) as caught:
        uploads.clean_upload(name, data)
    assert caught.value.message == message


def test_pdf_is_kept_as_is():
    data = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    clean = uploads.clean_upload("laporan.pdf", data)
    assert clean.content == data and clean.content_type == "application/pdf"


KEYWORDS = {"_": None, "gettext": (2,), "t": (2,), "_t": (1,), "Invalid": (1,), "NotFound": (1,), "Conflict": (1,),
            "NotAllowed": (1,), "UploadError": (1,),
            "CatalogueError": (1,)}


def test_every_diagnostic_message_has_indonesian():
    found = set()
    for _f, _l, message, _c, _x in extract_from_dir(str(REPO / "portal" / "diagnostic"),
                                                     method_map=[("**.py", "python")], keywords=KEYWORDS):
        found.update([message] if isinstance(message, str) else [m for m in message if m])
    for _f, _l, message, _c, _x in extract_from_dir(str(REPO / "templates" / "diagnostic"),
                                                     method_map=[("**.html", "jinja2")]):
        found.update([message] if isinstance(message, str) else [m for m in message if m])
    assert len(found) > 80
    catalog = translations("id")
    missing = sorted(m for m in found if catalog.gettext(m) == m)
    assert not missing, missing
