"""RollupDay's declared count columns and COUNT_FIELDS, which the rollup code iterates, cannot drift apart."""

from piccolo.columns import JSON, Integer

from portal.db.tables_insight import COUNT_FIELDS, NOT_COUNTED_FIELDS, UNSUR_COLUMNS, RollupDay

#: Integer columns of RollupDay that are not additive counts.
KEY_INTEGERS = ("counter",)


def test_integer_columns_are_exactly_the_count_fields():
    integers = tuple(
        column._meta.name for column in RollupDay._meta.columns
        if type(column) is Integer and column._meta.name not in KEY_INTEGERS
    )
    assert integers == COUNT_FIELDS
    assert len(set(COUNT_FIELDS)) == len(COUNT_FIELDS)


def test_count_fields_include_every_unsur_score_and_not_counted_reason():
    assert set(UNSUR_COLUMNS) <= set(COUNT_FIELDS)
    assert set(NOT_COUNTED_FIELDS) <= set(COUNT_FIELDS)
    assert len(UNSUR_COLUMNS) == 36


def test_json_columns_are_the_sparse_histograms():
    json_columns = {column._meta.name for column in RollupDay._meta.columns if isinstance(column, JSON)}
    assert json_columns == {"profiles", "wait_hist", "handle_hist", "km_hist", "time_version_n", "time_version_within",
                            "arrival_hours", "activity_hours", "wait_hours", "busy_hours", "busy_seconds"}
