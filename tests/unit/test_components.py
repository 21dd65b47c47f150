"""Figure builders are pure: profile data in, labelled figure out."""

from components.profile_charts import histogram_figure, missing_values_figure, summary_rows, top_values_figure

PROFILE = {
    "rows": 10,
    "columns": [
        {"name": "amount", "type": "DOUBLE", "kind": "numeric", "nulls": 2, "null_fraction": 0.2, "distinct": 8, "min": 1.0, "max": 9.0, "mean": 5.0,
         "top": [{"value": 5.0, "count": 2}], "histogram": {"edges": [1.0, 5.0, 9.0], "counts": [3, 5]}},
        {"name": "id", "type": "VARCHAR", "kind": "text", "nulls": 0, "null_fraction": 0.0, "distinct": 10, "min_length": 2, "max_length": 3,
         "top": [{"value": "a1", "count": 1}]},
        {"name": "when", "type": "DATE", "kind": "temporal", "nulls": 0, "null_fraction": 0.0,
         "histogram": {"edges": ["2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00"], "counts": [10]}},
    ],
}


def test_summary_rows_one_per_column():
    rows = summary_rows(PROFILE)
    assert [r["column"] for r in rows] == ["amount", "id", "when"]
    assert rows[0]["nulls %"] == 20.0 and rows[0]["min"] == 1.0 and rows[0]["top value"] == "5.0"
    assert rows[1]["min"] == 2  # text columns show lengths


def test_histogram_is_labelled_and_sums_counts():
    figure = histogram_figure(PROFILE["columns"][0])
    assert figure.layout.xaxis.title.text == "amount" and figure.layout.yaxis.title.text == "rows"
    assert list(figure.data[0].y) == [3, 5] and list(figure.data[0].x) == [3.0, 7.0]
    assert histogram_figure(PROFILE["columns"][2]).data[0].y == (10,)
    assert histogram_figure(PROFILE["columns"][1]) is None


def test_top_values_skip_keys_and_missing_chart_flags_gaps():
    assert top_values_figure(PROFILE["columns"][1]) is None, "a key has nothing to rank"
    top = top_values_figure(PROFILE["columns"][0])
    assert list(top.data[0].x) == [2] and top.layout.title.text == "Most frequent values of amount"
    missing = missing_values_figure(PROFILE)
    assert list(missing.data[0].y) == [20.0, 0.0, 0.0]
    assert missing.layout.yaxis.title.text == "missing (% of rows)"


def test_core_histogram_title_says_what_is_left_out():
    column = {**PROFILE["columns"][0], "histogram_core": {"edges": [1.0, 2.0, 3.0], "counts": [4, 1], "outside": 3}}
    figure = histogram_figure(column, core=True)
    assert figure.layout.title.text == "Distribution of amount (middle 98%)"
    assert histogram_figure(PROFILE["columns"][0], core=True) is None
