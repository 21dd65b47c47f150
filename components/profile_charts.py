"""Profile views: info functions (plain data, unit-tested) and figure builders (data in,
figure out). Nothing here touches the workspace or Streamlit."""

from typing import Any

import plotly.graph_objects as go

ACCENT = "#2F6FED"
MAX_LABEL = 40


def _layout(figure: go.Figure, title: str, x_title: str, y_title: str, height: int = 320) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15}},
        xaxis_title=x_title,
        yaxis_title=y_title,
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        template="plotly_white",
        showlegend=False,
    )
    return figure


def _text(value: Any) -> str | None:
    """Min and max as text: one table column holds numbers, dates and lengths alike."""
    if value is None:
        return None
    return f"{value:,.6g}" if isinstance(value, float) else str(value)


def summary_rows(profile: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per column for the profile table."""
    rows = []
    for column in profile["columns"]:
        rows.append(
            {
                "column": column["name"],
                "type": column["type"],
                "nulls %": round(100 * column["null_fraction"], 2),
                "distinct": column.get("distinct"),
                "min": _text(column.get("min", column.get("min_length"))),
                "max": _text(column.get("max", column.get("max_length"))),
                "mean": round(column["mean"], 4) if column.get("mean") is not None else None,
                "top value": str(column["top"][0]["value"])[:MAX_LABEL] if column.get("top") else None,
            }
        )
    return rows


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
    return _layout(go.Figure(bar), title, column["name"], "rows")


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
    return _layout(figure, f"Most frequent values of {column['name']}", "rows", column["name"], height=max(240, 40 + 28 * len(top)))


def missing_values_figure(profile: dict[str, Any]) -> go.Figure:
    """Share of missing values per column, so gaps stand out at a glance."""
    names = [c["name"] for c in profile["columns"]]
    shares = [100 * c["null_fraction"] for c in profile["columns"]]
    figure = go.Figure(go.Bar(x=names, y=shares, marker_color=["#D9534F" if s > 0 else "#C9CED6" for s in shares]))
    figure.update_yaxes(range=[0, max(5.0, max(shares, default=0) * 1.15)], ticksuffix="%")
    figure.update_xaxes(type="category")
    return _layout(figure, "Missing values per column", "column", "missing (% of rows)", height=300)
