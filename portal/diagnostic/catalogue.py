"""The indicator catalogue: the shipped file (catalogue.json, written in our own words after ISO 18091's
diagnostic of 39 indicators in four areas) plus local indicators added by admins, versioned in the database.

An indicator: {"code", "area", "title": {id, en}, "evidence": {id, en}, "criteria": {red|yellow|green: {id, en}},
"local": bool}. Version numbers count up from 1; the shipped file alone is the catalogue until a write stores it.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from portal.db.tables_diagnostic import AREAS, COLOURS, DiagnosticCatalogue

SHIPPED_FILE = Path(__file__).with_name("catalogue.json")
LANGS = ("id", "en")
CODE = re.compile(r"^[A-Z][A-Z0-9-]{1,19}$")


class CatalogueError(ValueError):
    """A catalogue entry that is not valid (the message is an English msgid)."""


def validate(indicator: dict) -> dict:
    """The indicator if it has a code, a known area, and every text in both languages; else CatalogueError."""
    if not isinstance(indicator.get("code"), str) or not CODE.match(indicator["code"]):
        raise CatalogueError("The code must be 2 to 20 capital letters, digits or dashes, starting with a letter.")
    if indicator.get("area") not in AREAS:
        raise CatalogueError("Choose one of the four areas.")
    texts = [indicator.get("title"), indicator.get("evidence"),
             *[(indicator.get("criteria") or {}).get(c) for c in COLOURS]]
    for text in texts:
        if not isinstance(text, dict) or not all(isinstance(text.get(lang), str) and text[lang].strip()
                                                 for lang in LANGS):
            raise CatalogueError("Every text is needed in Indonesian and in English.")
        if any(len(text[lang]) > 500 for lang in LANGS):
            raise CatalogueError("A text is too long (at most 500 characters).")
    return indicator


@cache
def shipped() -> dict:
    """The shipped catalogue file: {"version", "indicators"} (validated once)."""
    data = json.loads(SHIPPED_FILE.read_text(encoding="utf-8"))
    seen = set()
    for indicator in data["indicators"]:
        validate(indicator)
        if indicator["code"] in seen:
            raise ValueError("duplicate code " + indicator["code"])
        seen.add(indicator["code"])
        indicator["local"] = False
    return data


def _decode(row: dict) -> dict:
    indicators = row["indicators"]
    if isinstance(indicators, str):
        indicators = json.loads(indicators)
    return {**row, "indicators": indicators}


async def latest_row() -> dict | None:
    row = await DiagnosticCatalogue.select().order_by(DiagnosticCatalogue.version, ascending=False).first().run()
    return _decode(row) if row else None


async def version(number: int) -> dict | None:
    row = await DiagnosticCatalogue.select().where(DiagnosticCatalogue.version == number).first().run()
    return _decode(row) if row else None


async def versions() -> list[dict]:
    rows = await DiagnosticCatalogue.select(
        DiagnosticCatalogue.version, DiagnosticCatalogue.shipped, DiagnosticCatalogue.note,
        DiagnosticCatalogue.created_at, DiagnosticCatalogue.created_by.username.as_alias("created_by_name"),
    ).order_by(DiagnosticCatalogue.version, ascending=False).run()
    return rows


def _merge(latest: dict | None) -> dict:
    """The current content: the shipped indicators, then the local ones of the latest stored version."""
    ship = shipped()
    local = [i for i in (latest or {}).get("indicators", []) if i.get("local")]
    codes = {i["code"] for i in ship["indicators"]}
    return {"shipped": ship["version"],
            "indicators": [dict(i) for i in ship["indicators"]] + [i for i in local if i["code"] not in codes]}


async def current() -> dict:
    """The catalogue in use now: {"version" (None until stored), "shipped", "indicators"}.

    The latest stored version when it is based on the shipped file of this release; otherwise the shipped
    file plus the stored local indicators, not yet numbered (a read never writes)."""
    latest = await latest_row()
    if latest is not None and latest["shipped"] == shipped()["version"]:
        return {"version": latest["version"], "shipped": latest["shipped"], "indicators": latest["indicators"]}
    return {"version": None, **_merge(latest)}


async def store(content: dict, actor_id: int | None, note: str) -> int:
    """Store `content` as the next version (call inside the caller's transaction); returns its number."""
    latest = await latest_row()
    number = (latest["version"] + 1) if latest else 1
    await DiagnosticCatalogue.insert(DiagnosticCatalogue(
        version=number, shipped=content["shipped"], indicators=json.dumps(content["indicators"], ensure_ascii=False),
        note=note, created_by=actor_id,
    )).run()
    return number


def by_code(indicators: list[dict]) -> dict[str, dict]:
    return {i["code"]: i for i in indicators}


def text(value: dict | str, lang: str) -> str:
    """The indicator text in `lang` (Indonesian when that language is missing)."""
    if isinstance(value, str):
        return value
    return value.get(lang) or value.get("id") or ""
