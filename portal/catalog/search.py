"""Catalog search: case- and accent-insensitive words over service name, unit name and the published requirements.

Every word of the query must occur somewhere (AND); a word may be part of a longer word, which suits Indonesian
affixes ("lahir" finds "kelahiran") and compound terms ("KTP" finds "KTP-el"). Matches in the service name rank
first, then the unit, then the requirements and description. The catalog is small (tens to a few hundred
services), so this runs in Python over rows the page fetched anyway.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portal.catalog.queries import PublicServiceRow

MAX_QUERY_LENGTH = 100
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalize(text: str) -> str:
    """Lower case, accents removed, punctuation as spaces: "KTP-el" -> "ktp el"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " " + _NON_WORD.sub(" ", plain).strip() + " "


def words(query: str) -> list[str]:
    return [w for w in normalize(query).split() if w]


def _score(terms: list[str], name: str, unit: str, rest: str) -> int:
    score = 0
    for term in terms:
        if term in name:
            score += 4 + (2 if f" {term}" in name else 0)
        elif term in unit:
            score += 2
        elif term in rest:
            score += 1
        else:
            return 0
    return score


def search(services: list[PublicServiceRow], query: str) -> list[PublicServiceRow]:
    """The services matching every word of `query`, best first; all services unchanged for an empty query.

    Each service dict needs name, name_en, description, unit {name, short_name} and standard (or None) with
    requirements.
    """
    terms = words(query)
    if not terms:
        return list(services)
    scored = []
    for position, service in enumerate(services):
        standard = service.get("standard") or {}
        name = normalize(f"{service['name']} {service.get('name_en') or ''}")
        unit = normalize(f"{service['unit']['name']} {service['unit'].get('short_name') or ''}")
        rest = normalize(" ".join([service.get("description") or "", *standard.get("requirements", []),
                                   standard.get("product") or ""]))
        score = _score(terms, name, unit, rest)
        if score:
            scored.append((-score, position, service))
    return [service for _score_, _position, service in sorted(scored, key=lambda item: item[:2])]
