"""Display formatting for pages: rupiah and "Gratis", time limits, local dates, percentages (rounding happens here)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from jinja2 import pass_context

from portal.locale import _context_lang, gettext
from portal.timeutil import local_now

TIME_UNIT_LABELS = {
    "minutes": ("minute", "minutes"),
    "hours": ("hour", "hours"),
    "working_days": ("working day", "working days"),
    "calendar_days": ("calendar day", "calendar days"),
}


def rupiah(amount: int | float | None, lang: str = "id") -> str:
    if amount is None:
        return "–"
    return "Rp " + format_decimal(amount, format="#,##0", locale="id_ID")


def fee_text(amount: int | None, lang: str = "id") -> str:
    """A fee of 0 is shown as "Gratis" (free), as the standard publishes it."""
    if not amount:
        return gettext(lang, "Free")
    return rupiah(amount, lang)


def time_limit_text(value: int | float, unit: str, lang: str = "id") -> str:
    singular, plural = TIME_UNIT_LABELS.get(unit, (unit, unit))
    label = gettext(lang, singular if value == 1 else plural)
    shown: int | float | str = value
    if isinstance(value, float):  # a limit carried through numpy arrives as 5.0: show it as people write it
        shown = int(value) if value.is_integer() else number(value, 1, lang)
    return f"{shown} {label}"


def number(value: float | int | None, digits: int = 2, lang: str = "id") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale="id_ID" if lang == "id" else "en_US")


def signed(value: float | None, digits: int = 1, lang: str = "id") -> str:
    """A change with its sign: "+1,2" / "−0,08" (Indonesian decimal comma, a true minus sign)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = number(abs(value), digits, lang)
    return ("+" if value >= 0 else "−") + text


def count(value: int | float | None, lang: str = "id") -> str:
    """A count as people read it: "25.796" in Indonesian, "25,796" in English (the page filter `thousands`)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return number(value, 0, lang)


def percent(value: float | None, digits: int = 1, lang: str = "id") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return number(value * 100, digits, lang) + " %"


NBSP = "\u00a0"


def percent_nbsp(value: float | None, digits: int = 1, lang: str = "id") -> str:
    """`percent` for pages: a no-break space before "%", so "95,5 %" never wraps between the number and its sign.
    (Exports and chart labels keep the plain space: they are not laid out in lines.)"""
    return percent(value, digits, lang).replace(" %", NBSP + "%")


ZONE_LABELS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def zone_label(tz: str | None, lang: str = "id") -> str:
    """WIB / WITA / WIT for Indonesia's three zones; other zones by name."""
    return ZONE_LABELS.get(tz or "", tz or "")


def local_datetime(value: datetime | str | None, tz: str = "Asia/Jakarta", lang: str = "id") -> str:
    """An instant in the unit's zone ("3 Des 2026 09:59 WITA"); an ISO text (as the audit log keeps instants) is read
    first, a naive one as UTC (how the portal stores instants)."""
    if value is None:
        return "–"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
    local = value.astimezone(ZoneInfo(tz))
    return format_datetime(local, "d MMM y HH:mm", locale=lang) + " " + zone_label(tz)


def clock_now(tz: str, lang: str = "id") -> str:
    """The current wall-clock time in the unit's zone ("14.05" in Indonesian, "14:05" in English)."""
    now = local_now(tz)
    return now.strftime("%H.%M" if lang == "id" else "%H:%M")


def local_date(value: date | datetime | str | None, tz: str | None = None, lang: str = "id") -> str:
    """A date as "3 Desember 2026"; an aware datetime is first moved to the unit's zone `tz` when given."""
    if value is None:
        return "–"
    if isinstance(value, datetime) and tz and value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(tz)).date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return format_date(value, "d MMMM y", locale=lang)


def month_name(value: date | str | None, lang: str = "id") -> str:
    """"Juli 2026" / "July 2026" (from a date or a "2026-07" label)."""
    if value is None:
        return "–"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value + "-01") if len(value) == 7 else date.fromisoformat(value)
        except ValueError:
            return value
    return format_date(value, "LLLL y", locale=lang)


def weekday_date(value: date | str | None, lang: str = "id") -> str:
    """"Sen 7 Des" / "Mon 7 Dec": a day as a column of a week grid."""
    if value is None:
        return "–"
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return format_date(value, "EEE d MMM", locale=lang)


def _wrap(func):
    @pass_context
    def filter_(context, value, *args, **kwargs):
        return func(value, *args, lang=_context_lang(context), **kwargs)

    return filter_


JINJA_FILTERS = {
    "rupiah": _wrap(rupiah),
    "fee": _wrap(fee_text),
    "number": _wrap(number),
    "percent": _wrap(percent_nbsp),
    "thousands": _wrap(count),
    "local_datetime": _wrap(local_datetime),
    "local_date": _wrap(local_date),
    "zone_label": _wrap(zone_label),
    "signed": _wrap(signed),
    "month_name": _wrap(month_name),
    "clock_now": _wrap(clock_now),
    "weekday_date": _wrap(weekday_date),
}


@pass_context
def jinja_time_limit(context, value: int, unit: str) -> str:
    return time_limit_text(value, unit, _context_lang(context))
