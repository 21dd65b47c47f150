"""The feature designer's figure builders and info functions are pure: data in, labelled
figure (or plain data) out."""

import numpy as np
import pandas as pd

from components.feature_charts import (
    VERDICT_COLORS,
    before_after_figure,
    card_facts,
    proof_overview_figure,
    value_counts,
    values_figure,
    verdict_counts,
)

PROOF = {
    "target": "minutes",
    "metric": "r2",
    "features": [
        {"name": "copy", "verdict": "reject", "mutual_info": 2.1, "single_feature_score": 0.99, "missing_rate": 0.0, "cardinality": 90, "psi": 0.01, "reasons": ["leak"]},
        {"name": "distance", "verdict": "accept", "mutual_info": 0.3, "single_feature_score": 0.4, "missing_rate": 0.02, "cardinality": 500, "psi": None, "reasons": []},
        {"name": "weather", "verdict": "warn", "mutual_info": 0.0, "single_feature_score": None, "missing_rate": 0.6, "cardinality": 2, "psi": 0.3,
         "reasons": ["missing"], "redundant_with": "distance"},
    ],
}


def test_before_after_shows_raw_values_and_model_columns():
    before = pd.Series([1.0, 2.0, None, 4.0])
    after = pd.DataFrame({"x": [-1.0, 0.0, 0.1, 1.2], "x__missing": [0.0, 0.0, 1.0, 0.0]})
    figure = before_after_figure("x", before, after)
    assert [t.type for t in figure.data] == ["histogram", "histogram", "bar"]  # raw values, the number, the indicator
    assert [a.text for a in figure.layout.annotations] == ["Before: the raw values", "After: numbers the model sees", "After: 0/1 columns"]
    assert figure.layout.xaxis.title.text == "x" and figure.layout.yaxis.title.text == "sampled rows"
    assert figure.layout.xaxis2.title.text == "model input value" and figure.layout.yaxis3.title.text == "share of rows that are 1"
    assert list(figure.data[2].x) == ["x__missing"] and list(figure.data[2].y) == [0.25]
    one_hot = pd.DataFrame({"w=rain": [1.0, 0.0, 0.0, 1.0], "w=clear": [0.0, 1.0, 1.0, 0.0]})
    bars = before_after_figure("w", pd.Series(["rain", "clear", "clear", "rain"]), one_hot)
    assert bars.data[0].type == "bar" and list(bars.data[0].x) == ["rain", "clear"] and list(bars.data[0].y) == [2, 2]
    assert len(bars.data) == 2 and list(bars.data[1].y) == [0.5, 0.5] and bars.layout.xaxis2.title.text == "model column"
    left_out = before_after_figure("w", pd.Series(["a"]), pd.DataFrame(index=[0]))
    assert len(left_out.data) == 1 and left_out.layout.annotations[-1].text == "the model does not see it"


def test_value_counts_pool_the_rest_and_name_missing_values():
    labels, counts = value_counts(pd.Series(["a"] * 5 + ["b"] * 3 + [None] * 2 + [f"r{i}" for i in range(20)]), top=3)
    assert labels == ["a", "b", "(missing)", "(other)"] and counts == [5, 3, 2, 20]


def test_values_figure_and_dates():
    figure = values_figure("ratio", np.array([0.5, 1.0, np.nan]))
    assert figure.layout.xaxis.title.text == "ratio" and figure.data[0].type == "histogram" and len(figure.data[0].x) == 2
    dates = before_after_figure("at", pd.Series(pd.date_range("2026-01-01", periods=3)), pd.DataFrame({"at__month": [1.0, 1.0, 1.0]}))
    assert dates.data[0].type == "histogram"


def test_proof_overview_ranks_strongest_on_top_coloured_by_verdict():
    figure = proof_overview_figure(PROOF)
    bar = figure.data[0]
    assert list(bar.y) == ["weather", "distance", "copy"]  # plotly draws the first category at the bottom
    assert list(bar.marker.color) == [VERDICT_COLORS["warn"], VERDICT_COLORS["accept"], VERDICT_COLORS["reject"]]
    assert figure.layout.xaxis.title.text.startswith("mutual information") and figure.layout.yaxis.title.text == "feature"
    assert "one-feature R² —" in bar.hovertext[0]
    assert list(bar.x) == [0.0, 0.3, 0.42] and [a.text for a in figure.layout.annotations] == ["2.10 →"]  # the leak is cut so the rest stay readable
    assert figure.layout.xaxis.range == (0, 0.42)
    assert verdict_counts(PROOF) == {"accept": 1, "warn": 1, "reject": 1}


def test_card_facts():
    facts = {label: value for label, value, _help in card_facts(PROOF["features"][2], "r2")}
    assert facts == {"Strength": "MI 0.000", "Stability": "PSI 0.30", "Missing": "60.0%", "Redundancy": "same as distance", "Distinct": "2"}
    assert dict((l, v) for l, v, _h in card_facts(PROOF["features"][1], "r2"))["Strength"] == "MI 0.300 · R² 0.40"
