"""A diagnostic measure's sentence shows its figures as people read them (portal.diagnostic.measures.describe):
counts with the language's thousands separator, the percentage with its decimal mark, the provisional day as a date."""

from __future__ import annotations

from portal.diagnostic.measures import Measured, describe

PROVISIONAL = Measured(
    "yellow",
    "Estimated %(pct)s%% of %(n)s cases finished within their time limit, counting the %(open)s still open "
    "(%(late)s of them late); provisional until %(final)s.",
    "Green from 90%%, yellow from 60%% of active services with an approved standard in force.",
    {"n": 25796, "pct": "66.3", "open": 1204, "late": 17, "final": "2027-01-15"})


def test_english_sentence_groups_thousands_and_writes_the_day():
    figure = describe(PROVISIONAL.as_json(), "en")["figure"]
    assert "66.3% of 25,796 cases" in figure, figure
    assert "1,204 still open (17 of them late)" in figure, figure
    assert "provisional until 15 January 2027." in figure, figure


def test_indonesian_sentence_uses_its_own_marks():
    figure = describe(PROVISIONAL.as_json(), "id")["figure"]
    assert "66,3%" in figure and "25.796" in figure and "1.204" in figure, figure
    assert "15 Januari 2027" in figure and "2027-01-15" not in figure, figure


def test_small_counts_and_stored_values_stay_as_they_were():
    stored = Measured("green", "%(k)s of %(n)s active services (%(pct)s%%) have a standard in force.", "rule",
                      {"k": 7, "n": 8, "pct": "87.5"}).as_json()
    assert describe(stored, "en")["figure"] == "7 of 8 active services (87.5%) have a standard in force."
    assert stored["values"] == {"k": 7, "n": 8, "pct": "87.5"}  # the stored measure keeps its numbers
