"""Pure builders for the consolidation and dataset views: data in, DOT text or figure out."""

import math
from typing import Any

import plotly.graph_objects as go

NODE_STYLES = {
    "source": 'shape=cylinder, style=filled, fillcolor="#e8f0fe", color="#4a6fa5"',
    "dataset": 'shape=box, style="rounded,filled", fillcolor="#e6f4ea", color="#3c8d5a"',
    "recipe": 'shape=hexagon, style=filled, fillcolor="#fef7e0", color="#b08900"',
    "deleted": 'shape=box, style="dashed", color="#999999", fontcolor="#999999"',
}


def _quote(text: str) -> str:
    """A DOT string; a newline in ``text`` becomes a line break in the label."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def lineage_dot(graph: dict[str, Any]) -> str:
    """Graphviz DOT of a lineage graph ({"nodes": [{"id","label","kind","rows"?}], "edges": [[a, b]]}),
    left to right: sources, recipes, datasets."""
    lines = ["digraph lineage {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=11];', '  edge [color="#888888"];']
    for node in graph["nodes"]:
        rows = node.get("rows")
        label = node["label"] + (f"\n{rows:,} row{'' if rows == 1 else 's'}" if rows is not None else "")
        lines.append(f"  {_quote(node['id'])} [label={_quote(label)}, {NODE_STYLES.get(node['kind'], '')}];")
    for left, right in graph["edges"]:
        lines.append(f"  {_quote(left)} -> {_quote(right)};")
    lines.append("}")
    return "\n".join(lines)


def probability_to_weight(probability: float) -> float:
    """The match weight (log2 odds, prior included, as Splink reports it) of a probability."""
    return math.log2(probability / (1 - probability))


def match_weight_figure(histogram: list[dict[str, Any]], threshold_weight: float | None = None) -> go.Figure:
    """Bars of scored pairs by match weight, with the threshold drawn as a line: pairs right of
    it are linked."""
    centers = [(bin_["weight_from"] + bin_["weight_to"]) / 2 for bin_ in histogram]
    widths = [bin_["weight_to"] - bin_["weight_from"] for bin_ in histogram]
    colors = ["#3c8d5a" if threshold_weight is not None and c >= threshold_weight else "#9aa5b1" for c in centers]
    figure = go.Figure(go.Bar(x=centers, y=[bin_["pairs"] for bin_ in histogram], width=widths, marker_color=colors, hovertemplate="weight %{x:.1f}: %{y:,} pairs<extra></extra>"))
    if threshold_weight is not None:
        figure.add_vline(x=threshold_weight, line_dash="dash", line_color="#b03a2e", annotation_text="threshold", annotation_position="top")
    figure.update_layout(
        title="Scored pairs by match weight (green: linked at the threshold)",
        xaxis_title="match weight (log2 Bayes factor)",
        yaxis_title="pairs",
        yaxis_type="log",
        yaxis_dtick=1,  # ticks at 1, 10, 100, … only
        yaxis_tickformat="~s",  # 1, 10, 100, 1k, 10k: one style
        height=320,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        bargap=0.05,
    )
    return figure
