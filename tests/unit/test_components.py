"""Figure builders are pure: profile data in, labelled figure out."""

import pytest

from components.profile_charts import histogram_figure, looks_like_key, missing_values_figure, number_text, summary_rows, top_values_figure

PROFILE = {
    "rows": 10,
    "columns": [
        {"name": "amount", "type": "DOUBLE", "kind": "numeric", "nulls": 2, "null_fraction": 0.2, "distinct": 8, "min": 1.0, "max": 9.0, "mean": 5.0,
         "top": [{"value": 5.0, "count": 2}], "histogram": {"edges": [1.0, 5.0, 9.0], "counts": [3, 5]}},
        {"name": "id", "type": "VARCHAR", "kind": "text", "nulls": 0, "null_fraction": 0.0, "distinct": 10, "min_length": 2, "max_length": 3,
         "mean_length": 2.5, "top": [{"value": "a1", "count": 1}]},
        {"name": "when", "type": "DATE", "kind": "temporal", "nulls": 0, "null_fraction": 0.0,
         "histogram": {"edges": ["2026-01-01T00:00:00+00:00", "2026-01-02T00:00:00+00:00"], "counts": [10]}},
    ],
}


def test_summary_rows_one_per_column():
    rows = summary_rows(PROFILE)
    assert [r["column"] for r in rows] == ["amount", "id", "when"]
    # min and max are text: one table column mixes numbers, dates and lengths (Arrow needs one type)
    assert rows[0]["nulls %"] == 20.0 and rows[0]["min"] == "1" and rows[0]["max"] == "9"
    # One number format in the table: the top value 5.0 reads as the mean 5 does.
    assert rows[0]["top value"] == "5" and rows[0]["mean"] == "5"
    # A text column's min, max and mean are lengths, and say so.
    assert (rows[1]["min"], rows[1]["max"], rows[1]["mean"]) == ("length 2", "length 3", "length 2.5")
    # No mean: None (the table shows a dash), never the text "None".
    assert rows[2]["mean"] is None and rows[2]["min"] is None
    stamps = {"name": "at", "type": "TIMESTAMP", "kind": "temporal", "null_fraction": 0.0, "min": "2026-06-01T00:00:00", "max": "2026-09-28T23:53:00",
              "top": [{"value": "2026-07-01T18:25:00", "count": 13}]}
    row = summary_rows({"columns": [stamps]})[0]
    assert (row["min"], row["max"], row["top value"]) == ("2026-06-01 00:00:00", "2026-09-28 23:53:00", "2026-07-01 18:25:00")


def test_numbers_have_one_format():
    assert [number_text(v) for v in (10, 10.0, 2.5, 1234567, 1234567.0, 0.000123456789, -3.0)] == [
        "10", "10", "2.5", "1,234,567", "1,234,567", "0.000123457", "-3",
    ]
    assert number_text(float("nan")) == "nan" and number_text(True) == "True"
    assert number_text(0.609753123, digits=4) == "0.6098"


def test_unique_whole_numbers_and_texts_look_like_keys_but_measures_and_dates_do_not():
    unique = [{"value": 1, "count": 1}]
    assert looks_like_key({"kind": "numeric", "type": "BIGINT", "top": unique})
    assert looks_like_key({"kind": "text", "type": "VARCHAR", "top": unique})
    assert not looks_like_key({"kind": "numeric", "type": "DOUBLE", "top": unique}), "unique measurements have a distribution"
    assert not looks_like_key({"kind": "temporal", "type": "DATE", "top": unique})
    assert not looks_like_key({"kind": "numeric", "type": "BIGINT", "top": [{"value": 1, "count": 2}]})
    assert not looks_like_key({"kind": "numeric", "type": "INTEGER"})


@pytest.mark.parametrize("largest", [1, 2, 7, 10, 11, 5000])
def test_count_axes_tick_whole_rows_only(largest):
    column = {"name": "x", "kind": "numeric", "histogram": {"edges": [0.0, 1.0, 2.0], "counts": [largest, 0]},
              "top": [{"value": "a", "count": largest}, {"value": "b", "count": 1}]}
    axes = [histogram_figure(column).layout.yaxis] + ([top_values_figure(column).layout.xaxis] if largest > 1 else [])
    for axis in axes:
        assert axis.tickformat == ",d" and axis.rangemode == "tozero"
        # Small counts get a tick per row (no 0.5 rows); larger ones plotly's own steps, whole.
        assert axis.dtick == (1 if largest <= 10 else None)


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


def test_lineage_dot_draws_every_node_and_edge_with_safe_labels():
    from components.dataset_charts import lineage_dot

    graph = {
        "nodes": [
            {"id": "source:a:v1", "label": 'a "quoted" v1', "kind": "source", "rows": 1},
            {"id": "recipe:r:1", "label": "recipe r", "kind": "recipe"},
            {"id": "dataset:d:v2", "label": "d v2", "kind": "dataset", "rows": 1200},
        ],
        "edges": [["source:a:v1", "recipe:r:1"], ["recipe:r:1", "dataset:d:v2"]],
    }
    dot = lineage_dot(graph)
    assert dot.startswith("digraph lineage {") and dot.rstrip().endswith("}")
    assert '"source:a:v1" -> "recipe:r:1";' in dot and '"recipe:r:1" -> "dataset:d:v2";' in dot
    assert 'label="a \\"quoted\\" v1\\n1 row"' in dot and "1,200 rows" in dot
    assert "shape=cylinder" in dot and "shape=hexagon" in dot


def test_match_weight_figure_marks_linked_pairs_right_of_the_threshold():
    from components.dataset_charts import match_weight_figure, probability_to_weight

    assert probability_to_weight(0.5) == 0 and round(probability_to_weight(0.8), 6) == 2
    histogram = [{"weight_from": w, "weight_to": w + 1, "pairs": 10 * (w + 6)} for w in range(-5, 5)]
    figure = match_weight_figure(histogram, threshold_weight=2.0)
    bars = figure.data[0]
    assert list(bars.y) == [10 * (w + 6) for w in range(-5, 5)]
    assert [c == "#3c8d5a" for c in bars.marker.color] == [w + 0.5 >= 2 for w in range(-5, 5)]
    assert figure.layout.xaxis.title.text and figure.layout.yaxis.title.text == "pairs"
    assert figure.layout.yaxis.tickformat == "~s", "1k next to 100, not 1000 next to 10k"


def test_mapping_table_round_trips_to_a_recipe_schema():
    from components.recipe_form import mapping_frame, mapping_from_frame

    suggestion = {
        "schema": [{"name": "id", "type": "VARCHAR"}, {"name": "zip", "type": None}],
        "inputs": [{"table": "a", "columns": {"id": "id", "zip": "zip"}}, {"table": "b", "columns": {"id": "code", "zip": None}}],
    }
    frame = mapping_frame(suggestion)
    assert list(frame.columns) == ["target", "type", "from a", "from b"]
    schema, inputs = mapping_from_frame(frame, ["a", "b"])
    assert schema == [{"name": "id", "type": "VARCHAR"}, {"name": "zip", "type": None}]
    assert inputs == [{"table": "a", "columns": {"id": "id", "zip": "zip"}}, {"table": "b", "columns": {"id": "code", "zip": None}}]


def test_a_pair_keeps_one_label_however_quickly_it_is_clicked():
    from components.recipe_form import set_label

    labels = [{"left": ["a", "1"], "right": ["b", "9"], "match": True}]
    set_label(labels, ("a", "1"), ("b", "2"), True)
    set_label(labels, ("a", "1"), ("b", "2"), True)  # a second click on a stale button
    set_label(labels, ("b", "2"), ("a", "1"), False)  # then the other button, either way round
    assert labels == [{"left": ["a", "1"], "right": ["b", "9"], "match": True}, {"left": ["b", "2"], "right": ["a", "1"], "match": False}]


def test_recipe_labels_collapse_repeats_and_refuse_contradictions():
    from studio import StudioError
    from studio.datasets import Recipe

    base = {"name": "r", "output": "r", "inputs": ["a", "b"], "id": "id"}
    same = {"left": ["a", "1"], "right": ["b", "2"], "match": True}
    recipe = Recipe.from_json({**base, "dedupe": {"method": "fuzzy", "labels": [same, same, {**same, "left": ["b", "2"], "right": ["a", "1"]}]}})
    assert len(recipe.dedupe.labels) == 1
    with pytest.raises(StudioError, match=r"dedupe.labels\[1\].*a 1 and b 2 are labelled both same entity and different; keep one label"):
        Recipe.from_json({**base, "dedupe": {"method": "fuzzy", "labels": [same, {**same, "match": False}]}})


def test_dates_read_as_dates_and_missing_as_a_dash():
    import pandas as pd

    from components.table_view import cell_text, date_only_columns

    frame = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-01-02", None, "2026-03-04"]),
            "at": pd.to_datetime(["2026-01-02 00:00", "2026-01-02 10:30", None]),
            "n": [1, 2, 3],
        }
    )
    assert date_only_columns(frame) == ["day"], "a timestamp with a time of day stays a timestamp"
    assert cell_text(pd.Timestamp("2026-01-02")) == "2026-01-02"
    assert cell_text(pd.Timestamp("2026-01-02 10:30")) == "2026-01-02 10:30:00"
    assert [cell_text(v) for v in (None, float("nan"), pd.NaT, pd.NA)] == ["—"] * 4
    assert [cell_text(v) for v in (4.0, 4, 2.5, "4.0", True)] == ["4", "4", "2.5", "4.0", "True"]
    assert [cell_text(v) for v in (82501, 82501.0, 10078)] == ["82501", "82501", "10078"], "ids and postcodes get no separators"
