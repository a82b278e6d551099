"""Words for the insight codes (verdicts, sources, states) and a corrective action's figure, in the reader's
language. Facts are kept as data (the item's details); the words are made when they are shown, so an Indonesian
reader never sees the English the figure was first written in. Old rows without the data show their stored text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portal.formatting import count, number, percent
from portal.locale import gettext

if TYPE_CHECKING:
    from portal.insight.actions import NonconformityRow

VERDICTS = {"meets": "meets the target", "below": "below the target", "inconclusive": "not yet conclusive",
            "provisional": "provisional"}
SOURCES = {"time_below_target": "Time below target", "overcharge": "Overcharge",
           "ikm_category": "IKM category C or D", "complaint": "Complaint"}
STATES = {"open": "open", "action_planned": "action planned", "closed": "closed"}
PAYERS = {"officer": "officer", "citizen": "citizen"}


def label(table: dict[str, str], code: str | None, lang: str) -> str:
    if not code:
        return ""
    return gettext(lang, table[code]) if code in table else code


def details_of(item: NonconformityRow) -> dict[str, Any]:
    """The facts of a nonconformity (decoded by portal.insight.actions); {} for old rows without them."""
    raw = item.get("details")
    return raw if isinstance(raw, dict) else {}


def figure_text(item: NonconformityRow, lang: str) -> str:
    """What the results showed, from the item's details (the same sentence as the pages' figure macro)."""
    d, source = details_of(item), item["source"]
    if source == "time_below_target" and d.get("n"):
        return gettext(lang, "%(k)s of %(n)s within the limit (%(rate)s), target %(target)s, p = %(p)s",
                       k=count(d["k"], lang), n=count(d["n"], lang), rate=percent(d.get("rate"), 1, lang),
                       target=percent(d.get("target"), 1, lang), p=number(d.get("p_value"), 4, lang))
    if source == "overcharge" and d.get("n"):
        return gettext(lang, "%(k)s of %(n)s payments above the official fee (%(officer)s recorded by officers, "
                             "%(citizen)s reported by citizens)", k=count(d["k"], lang), n=count(d["n"], lang),
                       officer=count(d.get("officer", 0), lang), citizen=count(d.get("citizen", 0), lang))
    if source == "ikm_category" and d.get("ikm") is not None:
        return f"IKM {number(d['ikm'], 2, lang)} ({d.get('category')}), n = {count(d.get('n'), lang)}"
    return item["figure"] or ""
