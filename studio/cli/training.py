"""``studio train``, ``studio predict``, ``studio runs``, ``studio models`` and ``studio worker``:
training runs as durable jobs (the command waits for its run, which goes on if the command is
stopped), batch prediction, and the models the runs stored."""

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from studio.cli._common import counted, emit, command_started, json_option, progress_printer, workspace_option
from studio.cli.features import recipe_file
from studio.errors import StudioError
from studio.workspace import Workspace

if TYPE_CHECKING:
    from studio.jobs import Job
    from studio.models import ModelVersion
    from studio.training import TrainingRuns

TASK_CHOICES = ("auto", "binary", "multiclass", "regression")


def run_text(result: dict[str, Any]) -> str:
    """What a finished run prints: the model version it stored and its scores."""
    return (
        f"model {result['model']} v{result['version']} (run {result['run']}): {result['task']}, {result['metric']} "
        f"cv {result['cv_score']:.4f}, holdout {result['holdout_score']:.4f}; {counted(result['trials'], 'trial')} in {result['seconds']:.1f} s"
    )


def wait_for_run(runs: "TrainingRuns", job_id: int, run: int, quiet: bool) -> dict[str, Any]:
    """Wait for a run's job with progress lines on a terminal; stopping the command (Ctrl-C)
    leaves the run going, and says how to follow or cancel it."""
    try:
        return runs.wait(job_id, progress_printer(quiet))
    except KeyboardInterrupt:
        raise StudioError(f"stopped waiting; run {run} goes on as a job (`studio runs show {run}`, `studio runs cancel {run}`)") from None


@click.command("train")
@click.argument("table")
@click.option("--target", required=True, help="The column to predict.")
@click.option("--task", type=click.Choice(TASK_CHOICES), default="auto", show_default=True, help="auto detects it from the target.")
@click.option("--metric", help="What the search optimizes (default per task: roc_auc, log_loss, rmse).")
@click.option("--trials", type=int, help="At most this many trials.")
@click.option("--timeout", type=float, help="The whole command's wall-clock budget in seconds, refit included (default 120 without --trials).")
@click.option("--families", help="Model families, comma-separated (default: every installed one).")
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes searching at once.")
@click.option("--recipe", "recipe_ref", help="A saved feature recipe's name, or a recipe file (JSON); default: the studio's treatment by column kind.")
@click.option("--recipe-version", type=int, help="Version of the saved recipe (default: newest).")
@click.option("--version", "version", type=int, help="Version of TABLE (default: newest).")
@click.option("--model", help="The model's name (default: TABLE_TARGET); the run stores its next version.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--time-column", help="Split by time on this column (the holdout is the latest rows).")
@click.option("--group-column", help="Rows of one group stay on one side of a split (default: cluster_id when the table has it).")
@click.option("--storage", help="The study's storage URL (default: a SQLite file in the run's folder; postgresql://... for workers on other machines).")
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
@workspace_option
@json_option
def train(
    table: str, target: str, task: str, metric: str | None, trials: int | None, timeout: float | None, families: str | None, workers: int,
    recipe_ref: str | None, recipe_version: int | None, version: int | None, model: str | None, seed: int, time_column: str | None,
    group_column: str | None, storage: str | None, quiet: bool, workspace_dir: Path | None, as_json: bool,
) -> None:  # fmt: skip
    """Train a model for TARGET on TABLE (a durable run) and store it as the model's next version."""
    started = command_started()
    runs = Workspace.open(workspace_dir).runs
    spec = recipe_file(recipe_ref, recipe_version) if recipe_ref else None
    run = runs.submit(
        table, target, version=version, recipe=recipe_ref if recipe_ref and spec is None else None, recipe_version=recipe_version,
        recipe_spec=spec, task=task, metric=metric, trials=trials, seconds=timeout, workers=workers, seed=seed, model=model,
        families=[f.strip() for f in families.split(",") if f.strip()] if families else None, time_column=time_column,
        group_column=group_column, started=started, storage=storage,
    )  # fmt: skip
    result = wait_for_run(runs, run, run, quiet or as_json)
    emit(as_json, result, run_text(result))


@click.command("predict")
@click.argument("model")
@click.argument("source", metavar="PATH_OR_TABLE")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Where to write the predictions (.parquet or .csv).")
@click.option("--overwrite", is_flag=True, help="Replace --out if it exists.")
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
@workspace_option
@json_option
def predict(model: str, source: str, out: Path, overwrite: bool, quiet: bool, workspace_dir: Path | None, as_json: bool) -> None:
    """Score a file or a table with MODEL[:VERSION]: one row per input row, in order."""
    from studio.jobs import JobContext

    runs = Workspace.open(workspace_dir).runs
    written = runs.predict(model, source, out, overwrite=overwrite, context=JobContext(on_progress=progress_printer(quiet or as_json)))
    emit(as_json, written, f"wrote {counted(written['rows'], 'prediction')} of {written['model']} v{written['version']} to {written['path']}")


# ---------------------------------------------------------------- runs


def run_summary(job: "Job") -> dict[str, Any]:
    """One run in a list: its spec's essentials, status and (when done) scores."""
    params, result = job.params, job.result or {}
    return {
        "run": job.id, "status": job.status, "model": params["model"], "table": params["table"], "version": params["version"],
        "target": params["target"], "task": result.get("task", params["task"]), "metric": result.get("metric", params["metric"]),
        "trials": result.get("trials"), "cv_score": result.get("cv_score"), "holdout_score": result.get("holdout_score"),
        "model_version": result.get("version"), "created_at": job.created_at, "duration_s": job.duration_s, "error": job.error,
    }  # fmt: skip


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def run_line(summary: dict[str, Any], job: "Job") -> str:
    model = f"{summary['model']} v{summary['model_version']}" if summary["model_version"] else summary["model"]
    outcome = f"{summary['metric']} holdout {_score(summary['holdout_score'])}, {counted(summary['trials'], 'trial')}" if summary["trials"] else job.detail()
    return f"{summary['run']:>5}  {summary['status']:<10} {model:<28} {summary['table']} v{summary['version']} -> {summary['target']}  {outcome}"


@click.group()
def runs() -> None:
    """List, show, cancel and resume training runs."""


@runs.command("list")
@workspace_option
@json_option
def runs_list(workspace_dir: Path | None, as_json: bool) -> None:
    """List training runs, newest first."""
    workspace = Workspace.open(workspace_dir)
    workspace.jobs.reap()
    jobs = workspace.runs.list()
    items = [run_summary(job) for job in jobs]
    emit(as_json, items, "\n".join(run_line(s, j) for s, j in zip(items, jobs)) or "no runs yet; start one with `studio train TABLE --target COL`")


@runs.command("show")
@click.argument("run", type=int)
@workspace_option
@json_option
def runs_show(run: int, workspace_dir: Path | None, as_json: bool) -> None:
    """Show a run: its spec, status, trials by state, best score and result."""
    workspace = Workspace.open(workspace_dir)
    workspace.jobs.reap()
    document = workspace.runs.show(run)
    job = workspace.runs.get(run)
    lines = [run_line(run_summary(job), job)]
    lines += [f"  {key:<12} {value}" for key, value in document["params"].items() if value is not None and key not in ("recipe_spec", "started")]
    lines.append("  trials       " + (", ".join(f"{n} {state.lower()}" for state, n in document["trials"].items()) or "none yet"))
    lines.append(f"  best trial   {_score(document['best_score'])}")
    lines += [f"  job {j['id']:<8} {j['kind']} {j['status']}" for j in document["jobs"]]
    if document["error"]:
        lines.append(f"  error        {document['error']}")
    emit(as_json, document, "\n".join(lines))


@runs.command("cancel")
@click.argument("run", type=int)
@workspace_option
@json_option
def runs_cancel(run: int, workspace_dir: Path | None, as_json: bool) -> None:
    """Cancel a run's job (a run storing its model finishes); its trials stay, to resume."""
    workspace = Workspace.open(workspace_dir)
    workspace.jobs.reap()  # a run whose worker died is failed, not asked to stop
    job, answer = workspace.jobs.cancel_and_wait(workspace.runs.latest_job(run).id)
    emit(as_json, {"run": run, "job": job.id, "status": job.status, "answer": answer}, f"run {run}: {answer}")


@runs.command("resume")
@click.argument("run", type=int)
@click.option("--trials", type=int, help="At most this many trials in total (default: the run's own).")
@click.option("--timeout", type=float, help="This command's wall-clock budget in seconds, refit included (default: the run's own).")
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes searching at once.")
@click.option("--quiet", is_flag=True, help="No progress lines on stderr.")
@workspace_option
@json_option
def runs_resume(run: int, trials: int | None, timeout: float | None, workers: int, quiet: bool, workspace_dir: Path | None, as_json: bool) -> None:
    """Continue a stopped run (killed, failed or cancelled) and store its model."""
    started = command_started()
    workspace = Workspace.open(workspace_dir)
    workspace.jobs.reap()
    job = workspace.runs.submit_resume(run, seconds=timeout, trials=trials, workers=workers, started=started)
    result = wait_for_run(workspace.runs, job, run, quiet or as_json)
    emit(as_json, result, run_text(result))


# ---------------------------------------------------------------- models


def model_summary(version: "ModelVersion") -> dict[str, Any]:
    info = version.info
    return {
        "name": version.name, "version": version.version, "task": version.task, "target": version.target, "metric": info.get("metric"),
        "cv_score": info.get("cv_score"), "holdout_score": info.get("holdout_score"), "run": version.origin.get("run"),
        "content_hash": version.content_hash, "bytes": version.bytes, "created_at": version.created_at,
    }  # fmt: skip


def model_line(summary: dict[str, Any]) -> str:
    return (
        f"{summary['name']:<24} v{summary['version']:<3} {summary['task']:<10} {summary['target']:<20} "
        f"{summary['metric'] or '-'} cv {_score(summary['cv_score'])} holdout {_score(summary['holdout_score'])}  run {summary['run'] or '-'}"
    )


@click.group()
def models() -> None:
    """The models training stored, their versions, and the registry: promote, validate, rollback, aliases, archive, audit, compare, export, card."""


@models.command("list")
@workspace_option
@json_option
def models_list(workspace_dir: Path | None, as_json: bool) -> None:
    """List models (newest version of each)."""
    items = [model_summary(v) for v in Workspace.open(workspace_dir).models.list()]
    emit(as_json, items, "\n".join(model_line(s) for s in items) or "no models yet; train one with `studio train TABLE --target COL`")


@models.command("versions")
@click.argument("name")
@workspace_option
@json_option
def models_versions(name: str, workspace_dir: Path | None, as_json: bool) -> None:
    """List all versions of a model, newest first."""
    items = [model_summary(v) for v in Workspace.open(workspace_dir).models.versions(name)]
    emit(as_json, items, "\n".join(model_line(s) for s in items))


@models.command("show")
@click.argument("model")
@workspace_option
@json_option
def models_show(model: str, workspace_dir: Path | None, as_json: bool) -> None:
    """Show MODEL[:VERSION]: scores, parameters, input signature and lineage."""
    from studio.training import model_reference

    name, number = model_reference(model)
    found = Workspace.open(workspace_dir).models.get(name, number)
    info, origin = found.info, found.origin
    table, recipe = origin.get("dataset") or {}, origin.get("feature_recipe")
    lines = [model_line(model_summary(found))]
    features = f"{recipe['recipe']} v{recipe['version']}" if recipe else origin.get("features", "")
    lines.append(f"  trained on   {table.get('table')} v{table.get('version')}, features {features}")
    members = " + ".join(f"{m['family']} {m['weight']:.2f}" for m in info.get("members", []))
    lines.append(f"  model        {members}; {counted(info.get('trials', 0), 'trial')}")
    lines += [f"  input        {c['name']:<24} {c['kind']:<12} {'required' if c['required'] else 'optional'}" for c in found.signature.get("columns", [])]
    emit(as_json, found.to_json(), "\n".join(lines))


# ---------------------------------------------------------------- worker


@click.command("worker")
@click.option("--run", "run", type=int, required=True, help="The run to join.")
@click.option("--storage", help="The run's study storage URL (default: the run's study in the workspace).")
@click.option("--index", type=int, default=1, show_default=True, help="This worker's number (varies its sampler's seed).")
@workspace_option
def worker(run: int, storage: str | None, index: int, workspace_dir: Path | None) -> None:
    """Join a running run's search from this process (another machine: give --storage) until its budget is spent."""
    runs_ = Workspace.open(workspace_dir).runs
    done = runs_.join(run, storage, index)
    click.echo(f"run {run}: this worker is done; the study has {counted(done, 'trial')}", err=True)


COMMANDS = (train, predict, runs, models, worker)
