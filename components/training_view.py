"""The Train page's widgets: the one-click form with its Advanced settings, the runs table, a
run's live progress (drawn from its study's plain-data progress), two runs side by side, and
batch prediction with a model the run made.

Buttons act in callbacks that submit once and select what they submitted, so a click that
lands twice never queues two runs of one click's worth."""

import time
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from components.jobs_view import track
from components.layout import ago, human_bytes, keep_error, workspace
from components.table_view import DOWNLOAD_LIMIT_MB
from components.training_charts import families_figure, history_figure, importance_figure, metric_label, timeline_figure
from studio import StudioError, Workspace
from studio.jobs import Job
from studio.tables import TableVersion, column_kind
from studio.training import DEFAULT_SECONDS, METRICS, StudyProgress, available_families, default_families

DEFAULT_RECIPE = "(the studio's default treatment by column kind)"
TASKS = ["auto", "binary", "multiclass", "regression"]
RUN = "tr_run"  # the run the page shows
TRIALS_SHOWN = 200  # the trials table shows the latest ones
POLL_SECONDS = 2.0
state = st.session_state


def train_tables(current: Workspace) -> dict[str, TableVersion]:
    """The tables a model can be trained on (newest versions): datasets, then sources."""
    return {t.name: t for t in [*current.datasets.list(), *current.sources.list()]}


def _submit(current: Workspace, settings: dict[str, Any]) -> None:
    """Train button callback: queue the run, follow it, and show it."""
    try:
        run = current.runs.submit(**settings)
    except StudioError as exc:
        keep_error(exc.message, "train_submit")
        return
    track(run, "train_submit")
    state[RUN] = run


def run_form(current: Workspace, tables: dict[str, TableVersion]) -> None:
    """Table, target and feature recipe, then Train; everything else under Advanced."""
    names = list(tables)
    left, middle, right = st.columns([3, 3, 3])
    default = names.index("delivery_training") if "delivery_training" in names else 0
    name = left.selectbox("Dataset or source", names, index=default, key="tr_table")
    table = tables[name]
    columns = [c["name"] for c in table.columns]
    recipes_by_target = {v.recipe.target for r in current.features.list() for v in current.features.versions(r.name)}
    suggested = next((c for c in columns if c in recipes_by_target), None)
    target = middle.selectbox(
        "Target: the column to predict", columns, index=columns.index(suggested) if suggested else None, key=f"tr_target_{name}",
        placeholder="Choose the column to predict",
    )  # fmt: skip
    if target is None:
        st.info("Choose the target: the column the model will predict.")
        return
    saved = [f"{v.name} v{v.version}" for v in current.features.versions_for(target, table)]
    recipe_choice = right.selectbox(
        "Feature recipe", [*saved, DEFAULT_RECIPE], key=f"tr_recipe_{name}_{target}",
        help="A saved recipe from the Features page (its rejected features stay out), or the studio's default treatment of each column by its kind.",
    )  # fmt: skip
    with st.expander("Advanced", icon=":material/tune:"):
        a, b, c, d = st.columns(4)
        task = a.selectbox("Task", TASKS, key="tr_task", help="auto: from the target's values (two classes, a few classes, or numbers).")
        metric = b.selectbox("Metric", ["(the task's default)", *METRICS], key="tr_metric", help="Defaults: ROC AUC (binary), log loss (multiclass), RMSE (regression).")
        seconds = c.number_input("Budget (seconds)", min_value=10, max_value=86_400, value=int(DEFAULT_SECONDS), step=30, key="tr_seconds",
                                 help="The whole run's wall-clock budget: the search, the ensemble, the refit and the holdout score.")
        trials = d.number_input("Trials (0: as many as the budget allows)", min_value=0, max_value=100_000, value=0, key="tr_trials")
        e, f, g, h = st.columns(4)
        suggested = default_families(table.rows)
        families = e.multiselect("Model families", available_families(), default=suggested, key=f"tr_families_{name}",
                                 help="Default: every family installed here (the MLP from 1,000 rows on).")
        slots = max(1, current.jobs.slot_limit())
        workers = f.number_input("Workers", min_value=1, max_value=slots, value=1, key="tr_workers", help=f"Worker processes sharing the study, within the job slots ({slots}).")
        seed = g.number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, key="tr_seed", help="Same seed and inputs: the same holdout score.")
        model = h.text_input("Model name", value=f"{name}_{target}", key=f"tr_model_{name}_{target}")
        temporal = [c["name"] for c in table.columns if c["name"] != target and column_kind(c["type"]) == "temporal"]
        i, j = st.columns(2)
        time_column = i.selectbox("Time column (a time-ordered split)", temporal, index=None, key=f"tr_time_{name}", placeholder="none")
        group_column = j.selectbox("Group column (rows of a group stay on one side)", [c for c in columns if c != target], index=None,
                                   key=f"tr_group_{name}", placeholder="default: cluster_id when the table has it")
    recipe_name, _, recipe_version = recipe_choice.rpartition(" v") if recipe_choice != DEFAULT_RECIPE else ("", "", "")
    settings = {
        "table": name, "version": table.version, "target": target,
        "recipe": recipe_name or None, "recipe_version": int(recipe_version) if recipe_version else None,
        "task": task, "metric": None if metric.startswith("(") else metric, "seconds": float(seconds), "trials": int(trials) or None,
        "families": None if sorted(families) == sorted(suggested) or not families else families, "workers": int(workers), "seed": int(seed), "model": model.strip() or None,
        "time_column": time_column, "group_column": group_column,
    }  # fmt: skip
    st.button("Train", type="primary", icon=":material/model_training:", key="tr_train", on_click=_submit, args=(current, settings))


def _score(value: Any) -> str:
    return "" if value is None else f"{float(value):.4g}"


def runs_frame(runs: list[Job]) -> pd.DataFrame:
    """One row per run, newest first: what it trained, how it ended and its scores."""
    rows = []
    for job in runs:
        result, params = job.result or {}, job.params
        rows.append({
            "run": job.id,
            "model": f"{result['model']} v{result['version']}" if result.get("version") else params.get("model", ""),
            "trained on": f"{params.get('table')} v{params.get('version')}",
            "target": params.get("target", ""),
            "status": job.status,
            "validation score": _score(result.get("cv_score")),
            "holdout score": _score(result.get("holdout_score")),
            "trials": "" if result.get("trials") is None else f"{result['trials']:,}",
            "started": ago(job.started_at or job.created_at),
            "seconds": None if job.duration_s is None else round(job.duration_s, 1),
        })
    return pd.DataFrame(rows)


def pick_run(runs: list[Job]) -> int | None:
    """The run to show: the one just submitted, else the user's choice, else the newest."""
    ids = [job.id for job in runs]
    if not ids:
        return None
    if state.get(RUN) not in ids:
        state[RUN] = ids[0]
    labels = {job.id: f"run {job.id}: {job.params.get('model', '')} on {job.params.get('table')} for {job.params.get('target')}" for job in runs}
    return st.selectbox("Run", ids, key=RUN, format_func=lambda run: labels[run])


def _metrics_row(progress: StudyProgress, job: Job) -> None:
    counts = progress.counts()
    done = counts["complete"] + counts["pruned"]
    a, b, c, d = st.columns(4)
    a.metric("Trials", f"{done:,}" + (f" of {progress.budget_trials:,}" if progress.budget_trials else ""),
             help=f"{counts['complete']:,} finished, {counts['pruned']:,} stopped early (pruned or out of budget), {counts['failed']:,} failed.")
    best = progress.best
    b.metric("Best trial's validation score", "—" if best is None else f"{best.value:.4g}",
             help=f"{metric_label(progress)}. The final model (an ensemble of the best trials when that scores better) has its own score in the runs table.")
    now = time.time() if job.active else None  # between trials too, the run's clock goes on
    c.metric("Elapsed", f"{progress.elapsed(now):,.0f} s")
    remaining = progress.remaining(now) if job.active else None
    d.metric("Remaining budget", "—" if remaining is None else f"{remaining:,.0f} s")


def _trials_frame(progress: StudyProgress) -> pd.DataFrame:
    latest = sorted(progress.trials, key=lambda t: t.number, reverse=True)[:TRIALS_SHOWN]
    return pd.DataFrame([
        {"trial": t.number, "family": t.family or "", "state": t.stopped or t.state, "score": t.value,
         "seconds": None if t.seconds is None else round(t.seconds, 2),
         "parameters": ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in t.params.items())}
        for t in latest
    ])  # fmt: skip


def run_progress(current: Workspace, run: int) -> None:
    """A run's search as it stands: counts, best score, time, charts and the latest trials."""
    job = current.runs.latest_job(run)
    progress = current.runs.progress(run)
    if progress is None:
        st.info("The run is preparing its data: trials show here as soon as its search begins.")
        return
    _metrics_row(progress, job)
    left, right = st.columns(2)
    left.plotly_chart(history_figure(progress), width="stretch", key=f"tr_history_{run}")
    right.plotly_chart(timeline_figure(progress), width="stretch", key=f"tr_timeline_{run}")
    left, right = st.columns(2)
    left.plotly_chart(families_figure(progress), width="stretch", key=f"tr_families_{run}")
    best = progress.best
    importances = current.runs.importances(run, best.family) if best is not None and best.family else {}
    if importances:
        right.plotly_chart(importance_figure(importances), width="stretch", key=f"tr_importance_{run}")
    else:
        right.caption("Parameter importances show once the best family has enough finished trials.")
    st.dataframe(_trials_frame(progress), hide_index=True, width="stretch", key=f"tr_trials_{run}",
                 column_config={"score": st.column_config.NumberColumn(metric_label(progress), format="%.5g")})


def live_run(current: Workspace, run: int) -> None:
    """The run's progress, redrawn every POLL_SECONDS while it runs (a fragment: the rest of the
    page stays as it is), and once more when it ends."""
    active = current.runs.latest_job(run).active

    @st.fragment(run_every=POLL_SECONDS if active else None)
    def view() -> None:
        fresh = workspace()
        job = fresh.runs.latest_job(run)
        if job.active:
            st.progress(job.progress, text=f"{job.title} — {job.message}")
            if st.button("Cancel run", key=f"tr_cancel_{run}", icon=":material/cancel:"):
                fresh.jobs.cancel(job.id)
        elif active:
            st.rerun()  # it ended since the page drew: the whole page shows the result
        run_progress(fresh, run)

    view()


def run_result(current: Workspace, run: int) -> dict[str, Any] | None:
    """How the run ended: its model version and scores, or its error in one line."""
    job = current.runs.latest_job(run)
    if job.active:
        return None
    if job.status != "succeeded":
        st.error(f"{job.title}: {job.detail() or job.status}", icon=":material/error:")
        return None
    result = dict(job.result or {})
    st.success(
        f"Model **{result['model']} v{result['version']}** ({result['task']}): validation {result['metric']} {_score(result['cv_score'])}, "
        f"holdout {result['metric']} {_score(result['holdout_score'])} on rows no trial saw; {result['trials']:,} trials in {result['seconds']:,.0f} s.",
        icon=":material/check_circle:",
    )
    return result


def compare_runs(runs: list[Job]) -> None:
    """Two runs side by side: what each trained with and what it reached."""
    by_id = {job.id: job for job in runs}
    chosen = st.multiselect("Runs to compare", list(by_id), max_selections=2, key="tr_compare", format_func=lambda run: f"run {run}")
    if len(chosen) < 2:
        st.caption("Pick two runs to see their settings and scores side by side.")
        return
    keys = ["table", "version", "target", "recipe", "recipe_version", "task", "metric", "seconds", "trials", "families", "workers", "seed"]
    results = ["model", "version", "metric", "cv_score", "holdout_score", "trials", "best_params", "seconds"]
    rows = [{"": f"setting: {key}", **{f"run {r}": str(by_id[r].params.get(key)) for r in chosen}} for key in keys]
    rows += [{"": f"result: {key}", **{f"run {r}": str((by_id[r].result or {}).get(key, "")) for r in chosen}} for key in results]
    frame = pd.DataFrame(rows)
    st.dataframe(frame, hide_index=True, width="stretch", key="tr_compare_table")


def _submit_predict(current: Workspace, model: str, source: str, out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        job = current.runs.submit_predict(model, source, str(out), overwrite=True)
    except StudioError as exc:
        keep_error(exc.message, "train_predict")
        return
    track(job, "train_predict")
    state["tr_predicted"] = str(out)


def predict_panel(current: Workspace, result: dict[str, Any], tables: dict[str, TableVersion], trained_on: str) -> None:
    """Score a lake table with the run's model version into a file, as a job, through the same
    pipeline the server will load; download the file when it is done."""
    model = f"{result['model']}:{result['version']}"
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    names = list(tables)
    source = left.selectbox("Table to score", names, index=names.index(trained_on) if trained_on in names else 0, key="tr_predict_table")
    suffix = right.selectbox("Format", [".parquet", ".csv"], key="tr_predict_format")
    out = current.root / "predictions" / f"{result['model']}_v{result['version']}_{source}{suffix}"
    st.button("Predict", key="tr_predict", icon=":material/batch_prediction:", on_click=_submit_predict, args=(current, model, source, out),
              help="One output row per input row, in order: the prediction and, for classifiers, each class's probability.")
    predicted = Path(state["tr_predicted"]) if state.get("tr_predicted") else None
    if predicted is None or not predicted.exists() or predicted.parent != out.parent:
        return
    size = predicted.stat().st_size
    if size > DOWNLOAD_LIMIT_MB * 1024 * 1024:
        st.caption(f"{predicted} is {human_bytes(size)}, over the browser download limit of {DOWNLOAD_LIMIT_MB} MB: read it on this machine.")
        return
    st.download_button(f"Download {predicted.name} ({human_bytes(size)})", data=partial(predicted.read_bytes), file_name=predicted.name,
                       key="tr_download", icon=":material/download:", on_click="ignore")
