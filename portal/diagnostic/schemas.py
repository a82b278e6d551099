"""msgspec structs of the diagnostic API (public: verified colours only) and the forms' parsed values."""

from __future__ import annotations

import msgspec


class Counts(msgspec.Struct):
    """Indicators per colour; `unverified` = not rated, or rated but not yet verified."""

    green: int
    yellow: int
    red: int
    unverified: int


class AreaOut(msgspec.Struct):
    area: str
    title: str
    counts: Counts


class IndicatorOut(msgspec.Struct):
    """One indicator: its verified colour, or null while it is not verified."""

    code: str
    area: str
    title: str
    local: bool
    colour: str | None
    verified_at: str | None


class YearOut(msgspec.Struct):
    year: int
    counts: Counts
    areas: dict[str, Counts]


class DiagnosticOut(msgspec.Struct):
    """The yearly diagnostic of a government (or one unit) as published: verified colours only."""

    government: str
    unit: str | None
    year: int
    assessed: bool
    verified: bool
    catalogue_version: int | None
    counts: Counts
    areas: list[AreaOut]
    indicators: list[IndicatorOut]
    history: list[YearOut]


class RatingForm(msgspec.Struct):
    """An assessor's colour for one indicator with its evidence (and the reason when it differs from the measured
    colour): the console's form, read by Litestar; the diagnostic services check the values."""

    colour: str = ""
    evidence_text: str = ""
    evidence_link: str = ""
    override_reason: str = ""


class VerifyForm(msgspec.Struct):
    """A second account confirms the rating, or returns it with a note."""

    decision: str = ""
    note: str = ""


# --- the console's forms (typed inputs: Litestar reads the form body into these) ---------------------------------

class IndicatorForm(msgspec.Struct):
    """A local indicator with every text in Indonesian and English (the admin's catalogue form)."""

    code: str = ""
    area: str = ""
    title_id: str = ""
    title_en: str = ""
    evidence_id: str = ""
    evidence_en: str = ""
    red_id: str = ""
    red_en: str = ""
    yellow_id: str = ""
    yellow_en: str = ""
    green_id: str = ""
    green_en: str = ""
