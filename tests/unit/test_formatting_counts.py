"""Counts and percentages as pages print them (issue 26, item 5): thousands separators in the reader's language,
and a no-break space between a figure and "%" so it never wraps."""

from __future__ import annotations

from jinja2 import Environment

from portal import formatting


def test_counts_group_thousands_in_the_readers_language():
    assert formatting.count(25796, "id") == "25.796"
    assert formatting.count(25796, "en") == "25,796"
    assert formatting.count(999, "id") == "999"
    assert formatting.count(1_234_567, "id") == "1.234.567"
    assert formatting.count(None, "id") == "–"


def test_page_percent_keeps_the_sign_with_its_number():
    assert formatting.percent_nbsp(0.955, 1, "id") == "95,5\u00a0%"
    assert formatting.percent_nbsp(0.955, 1, "en") == "95.5\u00a0%"
    assert formatting.percent(0.955, 1, "id") == "95,5 %"  # exports and chart ticks keep the plain space
    assert formatting.percent_nbsp(None) == "–"


def test_the_filters_follow_the_page_language():
    env = Environment(autoescape=True)
    env.filters.update(formatting.JINJA_FILTERS)
    template = env.from_string("{{ n|thousands }} · {{ r|percent(0) }}")
    assert template.render(n=25796, r=0.9, lang="id") == "25.796 · 90\u00a0%"
    assert template.render(n=25796, r=0.9, lang="en") == "25,796 · 90\u00a0%"
