"""Profile views: info functions (plain data, unit-tested) and figure builders (data in,
figure out). Nothing here touches the workspace or Streamlit."""

from typing import Any

import plotly.graph_objects as go

from components.figures import ACCENT, MAX_LABEL
from components.figures import labelled as _layout


def number_text(value: Any, digits: int = 6) -> str:
    """One format for every number the profile shows: whole numbers without a decimal point
    (10, never 10.0), others to ``digits`` significant digits, thousands separated."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return f"{value:,.{digits}g}" if isinstance(value, float) else str(value)


def _value_text(column: dict[str, Any], value: Any) -> str | None:
    """A value of ``column`` as the table shows it; None when missing (shown as a dash).
    Timestamps read as they do in a preview (2026-06-01 18:25:00, not ISO's T)."""
    if value is None:
        return None
    if column["kind"] == "numeric":
        return number_text(value)
    if column["kind"] == "temporal":
        return str(value).replace("T", " ", 1)
    return str(value)[:MAX_LABEL]


def _length_text(length: Any) -> str | None:
    """A text column's min, max or mean is a length in characters, and says so."""
    return None if length is None else f"length {number_text(round(length, 2))}"


def summary_rows(profile: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per column for the profile table. Min, max, mean and top value are text: one
    table column holds numbers, dates and lengths alike (Arrow needs one type per column)."""
    rows = []
    for column in profile["columns"]:
        text = column["kind"] == "text"
        mean = column.get("mean_length" if text else "mean")
        rows.append(
            {
                "column": column["name"],
                "type": column["type"],
                "nulls %": round(100 * column["null_fraction"], 2),
                "distinct": column.get("distinct"),
                "min": _length_text(column.get("min_length")) if text else _value_text(column, column.get("min")),
                "max": _length_text(column.get("max_length")) if text else _value_text(column, column.get("max")),
                "mean": _length_text(mean) if text else (number_text(round(mean, 4)) if mean is not None else None),
                "top value": _value_text(column, column["top"][0]["value"]) if column.get("top") else None,
            }
        )
    return rows


def looks_like_key(column: dict[str, Any]) -> bool:
    """Every value distinct in a text or whole-number column: an identifier, whose histogram
    (flat) and most frequent values (all once) say nothing. Numbers with a fraction and dates
    that never repeat still have a distribution worth drawing."""
    top = column.get("top")
    if not top or top[0]["count"] > 1:
        return False
    whole_number = column["kind"] == "numeric" and "INT" in column["type"].upper()
    return column["kind"] == "text" or whole_number


def _whole_counts(largest: float) -> dict[str, Any]:
    """Axis settings for counts of rows: whole-number ticks only (no 0.5 rows)."""
    return {"rangemode": "tozero", "tickformat": ",d", **({"dtick": 1} if largest <= 10 else {})}


def histogram_figure(column: dict[str, Any], core: bool = False) -> go.Figure | None:
    """Bars over the column's equal-width bins (None when it has no histogram); ``core`` draws
    only the 1st-99th percentile range, when the profile has one."""
    histogram = column.get("histogram_core" if core else "histogram")
    if not histogram:
        return None
    edges, counts = histogram["edges"], histogram["counts"]
    labels = [f"{edges[i]} – {edges[i + 1]}" for i in range(len(counts))]
    if column["kind"] == "numeric":
        centers: list[Any] = [(edges[i] + edges[i + 1]) / 2 for i in range(len(counts))]
        width = (edges[1] - edges[0]) if len(edges) > 1 else 1
        bar = go.Bar(x=centers, y=counts, width=[width * 0.95] * len(counts), marker_color=ACCENT, hovertext=labels, hoverinfo="text+y")
    else:
        bar = go.Bar(x=edges[:-1], y=counts, marker_color=ACCENT, hovertext=labels, hoverinfo="text+y")
    title = f"Distribution of {column['name']}"
    if core:
        title += " (middle 98%)"
    figure = _layout(go.Figure(bar), title, column["name"], "rows")
    figure.update_yaxes(**_whole_counts(max(counts, default=0)))
    return figure


def top_values_figure(column: dict[str, Any]) -> go.Figure | None:
    """Horizontal bars of the most frequent values, most frequent on top (None when no value
    repeats: a key column has nothing to rank)."""
    top = column.get("top")
    if not top or top[0]["count"] <= 1:
        return None
    labels = [str(item["value"])[:MAX_LABEL] for item in reversed(top)]
    counts = [item["count"] for item in reversed(top)]
    figure = go.Figure(go.Bar(x=counts, y=labels, orientation="h", marker_color=ACCENT))
    figure.update_yaxes(type="category")
    figure.update_xaxes(**_whole_counts(max(counts)))
    return _layout(figure, f"Most frequent values of {column['name']}", "rows", column["name"], height=max(240, 40 + 28 * len(top)))


def missing_values_figure(profile: dict[str, Any]) -> go.Figure:
    """Share of missing values per column, so gaps stand out at a glance."""
    names = [c["name"] for c in profile["columns"]]
    shares = [100 * c["null_fraction"] for c in profile["columns"]]
    figure = go.Figure(go.Bar(x=names, y=shares, marker_color=["#D9534F" if s > 0 else "#C9CED6" for s in shares]))
    figure.update_yaxes(range=[0, max(5.0, max(shares, default=0) * 1.15)], ticksuffix="%")
    figure.update_xaxes(type="category")
    return _layout(figure, "Missing values per column", "column", "missing (% of rows)", height=300)
