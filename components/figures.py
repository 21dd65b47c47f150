"""What every figure builder shares: the studio's colours and one labelled layout (a title at
the left, both axes named, a white template, tight margins)."""

from typing import Any

import plotly.graph_objects as go

ACCENT = "#2F6FED"
MAX_LABEL = 40
MARGIN = {"l": 10, "r": 10, "t": 50, "b": 10}


def labelled(figure: go.Figure, title: str, x_title: str | None = None, y_title: str | None = None, *, height: int = 320, legend: bool = False, **layout: Any) -> go.Figure:
    """``figure`` with the studio's layout: ``title``, the axis titles, ``height``; ``layout``
    adds or overrides any other layout setting (barmode, legend placement, ...)."""
    figure.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15}}, height=height, margin=MARGIN, template="plotly_white", showlegend=legend, **layout,
    )
    if x_title is not None:
        figure.update_layout(xaxis_title=x_title)
    if y_title is not None:
        figure.update_layout(yaxis_title=y_title)
    return figure
