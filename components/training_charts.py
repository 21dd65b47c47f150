"""Training views: figure builders drawn from a run's progress (studio.training's StudyProgress:
plain data in, labelled figure out). Nothing here reads the study or touches Streamlit."""

from collections.abc import Mapping

import plotly.graph_objects as go

from components.evaluation_charts import BAD, MUTED, PALETTE
from components.figures import ACCENT, labelled
from studio.training import StudyProgress

# A trial table or chart never needs more points than this: a long run draws its latest trials.
MAX_TRIALS_DRAWN = 5_000
METRIC_NAMES = {"roc_auc": "ROC AUC", "log_loss": "log loss", "rmse": "RMSE"}


def _whole_numbers(trials: int) -> dict[str, object]:
    """Axis settings for trial numbers: whole numbers only, each one labelled while few."""
    return {"tickformat": "d", **({"dtick": 1} if trials <= 12 else {})}


def metric_label(progress: StudyProgress) -> str:
    name = METRIC_NAMES.get(progress.metric, progress.metric.replace("_", " "))
    return f"{name} ({'higher' if progress.maximize else 'lower'} is better)"


def _colours(progress: StudyProgress) -> dict[str, str]:
    families = sorted({t.family for t in progress.trials if t.family})
    return {family: PALETTE[i % len(PALETTE)] for i, family in enumerate(families)}


def history_figure(progress: StudyProgress) -> go.Figure:
    """Each finished trial's validation score by trial number, coloured by family, and the best
    score so far as a step line."""
    figure = go.Figure()
    finished = progress.finished[-MAX_TRIALS_DRAWN:]
    for family, colour in _colours(progress).items():
        trials = [t for t in finished if t.family == family]
        if trials:
            figure.add_trace(go.Scatter(
                x=[t.number for t in trials], y=[t.value for t in trials], mode="markers", name=family,
                marker={"color": colour, "size": 7, "opacity": 0.75},
                hovertemplate=f"trial %{{x}} ({family}): %{{y:.5g}}<extra></extra>",
            ))
    line = progress.best_so_far()[-MAX_TRIALS_DRAWN:]
    figure.add_trace(go.Scatter(
        x=[n for n, _ in line], y=[v for _, v in line], mode="lines", line={"shape": "hv", "color": "#222222", "width": 2},
        name="best so far", hovertemplate="best after trial %{x}: %{y:.5g}<extra></extra>",
    ))
    figure.update_xaxes(**_whole_numbers(len(progress.trials)))
    return labelled(figure, "Optimization history", "trial", metric_label(progress), height=340, legend=True)


def timeline_figure(progress: StudyProgress) -> go.Figure:
    """When each trial ran, one bar per trial from its start to its end (seconds since the run
    began), coloured by how it ended: the picture of workers running side by side."""
    colours = {"complete": ACCENT, "pruned": MUTED, "failed": BAD, "running": "#E07B39"}
    figure = go.Figure()
    trials = [t for t in progress.trials if t.started is not None][-MAX_TRIALS_DRAWN:]
    for state, colour in colours.items():
        chosen = [t for t in trials if t.state == state]
        if not chosen:
            continue
        ends = [(t.finished if t.finished is not None else max(t.started or 0.0, progress.started + progress.elapsed())) for t in chosen]
        figure.add_trace(go.Bar(
            y=[t.number for t in chosen], x=[end - (t.started or 0.0) for t, end in zip(chosen, ends)],
            base=[(t.started or 0.0) - progress.started for t in chosen], orientation="h", name=state,
            marker={"color": colour}, customdata=[t.family or "" for t in chosen],
            hovertemplate="trial %{y} (%{customdata}): %{base:.1f} s to %{x:.1f} s long<extra></extra>",
        ))
    figure.update_yaxes(autorange="reversed", **_whole_numbers(len(progress.trials)))
    return labelled(figure, "Timeline", "seconds since the run began", "trial", height=340, legend=True, barmode="overlay")


def families_figure(progress: StudyProgress) -> go.Figure:
    """The best finished score of each family, best first: where the budget found its gains."""
    best: dict[str, float] = {}
    for trial in progress.finished:
        if trial.family is None or trial.value is None:
            continue
        if trial.family not in best or (trial.value > best[trial.family]) == progress.maximize:
            best[trial.family] = trial.value
    ranked = sorted(best.items(), key=lambda item: item[1], reverse=progress.maximize)
    colours = _colours(progress)
    figure = go.Figure(go.Bar(
        x=[v for _, v in ranked], y=[f for f, _ in ranked], orientation="h", marker={"color": [colours[f] for f, _ in ranked]},
        text=[f"{v:.4g}" for _, v in ranked], textposition="auto", hovertemplate="%{y}: %{x:.5g}<extra></extra>",
    ))
    figure.update_yaxes(autorange="reversed")
    return labelled(figure, "Best score by model family", metric_label(progress), "family", height=80 + 40 * max(1, len(ranked)))


def importance_figure(importances: Mapping[str, float]) -> go.Figure:
    """Each parameter's share of the score's variance (fANOVA), largest at the top."""
    ranked = sorted(importances.items(), key=lambda item: item[1])
    figure = go.Figure(go.Bar(
        x=[v for _, v in ranked], y=[name for name, _ in ranked], orientation="h", marker={"color": ACCENT},
        hovertemplate="%{y}: %{x:.0%}<extra></extra>",
    ))
    figure.update_xaxes(tickformat=".0%")
    return labelled(figure, "Parameter importances", "share of the score's variance", "parameter", height=80 + 32 * max(1, len(ranked)))
