"""Training runs on a workspace: what makes ``train`` usable from the CLI, the pages and jobs.

A run is a ``training.run`` job (its parameters are the run's spec; its status, progress,
heartbeat and result are the run's) plus its Optuna study, kept with the run's rows in the run
folder ``runs/<run id>/`` (``study.db``, ``search.parquet``, ``holdout.parquet``). The run id
is the job's id. No other metadata table is needed: the jobs table already holds everything a
run list shows, and the study holds every trial.

``TrainingRuns`` checks a run's parameters before any worker starts, reads the table version
from the lake (only the columns the features read, with the recipe's aggregates computed point
in time), trains, and then, past the job's point of no return, stores the refit pipeline as the
next version of a model: with its input signature and expectations from the training rows, its
holdout rows, and its lineage (run, table version, recipe version).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import os
import platform
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import optuna
import pandas as pd
import sqlalchemy
from optuna.trial import TrialState
from sklearn.pipeline import Pipeline

from studio.errors import NotFound, StudioError
from studio import text
from studio.features import FeatureRecipe, FeatureRecipeStore, RecipeVersion, compile_pipeline, set_online_table, suggest_recipe
from studio.features._kinds import GROUP_COLUMN
from studio.jobs import FINISHED, SUCCEEDED, Job, JobContext, JobStore
from studio.lake import output_path
from studio.meta import hide_password, normalize_url
from studio.models import ModelStore, ModelVersion, input_expectations, input_signature
from studio.tables import TableStore, TableVersion
from studio.training._finalize import TrainingResult
from studio.training._families import resolve_families
from studio.training._progress import StudyProgress, parameter_importances, progress_of
from studio.training._predict import READERS, batches, file_relation, predict_batches
from studio.training._run import DEFAULT_SECONDS, resume, train
from studio.training._search import ROW_COLUMN, TARGET_COLUMN, counted
from studio.training._spec import RunSpec
from studio.training._storage import default_storage_url, fail_abandoned_trials, open_storage, quiet_optuna
from studio.training._tasks import METRICS, TASKS, resolve_metric, resolve_task
from studio.training._workers import join, load
from studio.versioned import validate_name

RUN_KIND = "training.run"
RESUME_KIND = "training.resume"
PREDICT_KIND = "training.predict"
# Kept back from a seconds budget for what follows the search: the signature, expectations,
# saving the artifact and the holdout, and committing the version.
STORE_SECONDS = 2.0
WATCH_SECONDS = 1.0
SIGNATURE_ROWS = 100_000  # rows the signature and expectations are derived from (a seeded sample beyond)
PACKAGES = ("scikit-learn", "lightgbm", "optuna", "skops", "numpy", "pandas")


def recipe_pipeline(recipe: dict[str, Any], task: str) -> Pipeline:
    """The features factory of a run: a fresh pipeline of the recipe's JSON. Module level with
    JSON arguments, so worker processes rebuild it from the run spec."""
    return compile_pipeline(FeatureRecipe.from_json(recipe), task)


@dataclass(frozen=True)
class RunInputs:
    """What a run trains on, resolved: the table version, the recipe (saved or the studio's
    default treatment by column kind), the split columns and the columns read."""

    table: TableVersion
    target: str
    recipe: FeatureRecipe
    saved: RecipeVersion | None
    time_column: str | None
    group_column: str | None
    suggested: bool  # no recipe given: the default treatment by column kind

    @property
    def validation(self) -> str:
        return "time" if self.time_column else "group" if self.group_column else "stratified"

    @property
    def features(self) -> list[str]:
        """The columns the pipeline reads: its inputs, then the aggregates it computes."""
        aggregates, _expressions = self.recipe.computed()
        return list(dict.fromkeys([*self.recipe.input_columns(), *(a.name for a in aggregates)]))

    @property
    def columns(self) -> list[str]:
        """What training reads from the table: the features and the split columns."""
        split = [c for c in (self.time_column, self.group_column) if c]
        return list(dict.fromkeys([*self.features, *split]))

    def origin(self, run: int | None) -> dict[str, Any]:
        table = self.table
        recipe = None if self.saved is None else {"recipe": self.saved.name, "asset_id": self.saved.asset_id, "version": self.saved.version}
        return {
            "kind": "training_run",
            "run": run,
            "dataset": {"table": table.name, "asset_id": table.table_id, "version": table.version, "content_hash": table.content_hash},
            "feature_recipe": recipe,
            "features": "saved recipe" if self.saved else "default by column kind" if self.suggested else "recipe file",
        }


def model_reference(reference: str) -> tuple[str, int | None]:
    """``NAME`` or ``NAME:VERSION`` (also ``NAME:vVERSION``) as (name, version or None)."""
    name, separator, version = reference.rpartition(":")
    if not separator:
        return reference, None
    digits = version[1:] if version[:1] in ("v", "V") else version
    if not name or not digits.isdigit():
        raise StudioError(f"{reference!r} is not MODEL or MODEL:VERSION (e.g. delivery:2); `studio models list` shows the models")
    return name, int(digits)


def study_name(run_dir: Path) -> str:
    """A run's study name, unique per run (runs may share one PostgreSQL storage)."""
    return f"run-{run_dir.name}"


def study_ready(storage: str, name: str) -> bool:
    """Whether study ``name`` exists in ``storage``. Opening a storage before the run has
    created its study would race the creation of its tables (and could fail the run), so
    readers look first, read-only."""
    query = "SELECT 1 FROM studies WHERE study_name = :name"
    try:
        if storage.startswith("sqlite:///"):
            path = Path(storage.split(":///", 1)[1])
            if not path.exists():
                return False
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as connection:
                return connection.execute(query, {"name": name}).fetchone() is not None
        engine = sqlalchemy.create_engine(normalize_url(storage))
        try:
            with engine.connect() as connection:
                return connection.execute(sqlalchemy.text(query), {"name": name}).first() is not None
        finally:
            engine.dispose()
    except (sqlite3.Error, sqlalchemy.exc.SQLAlchemyError):
        return False


def stop_worker_processes() -> None:
    """Kill this process's child processes: the worker processes of a run whose job is being
    cancelled (the job's process exits at once; its workers must not search on)."""
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = stat.read_text().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        if parent == me:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(stat.parent.name), signal.SIGKILL)


def _abandon(storage: str, name: str) -> None:
    """What a cancelled run does before its process exits: stop its worker processes, then fail
    the trials they and this process leave RUNNING, so none stays RUNNING for a resume to
    count (one started in the instant before the cancel has no worker recorded yet)."""
    stop_worker_processes()
    if study_ready(storage, name):
        fail_abandoned_trials(optuna.load_study(study_name=name, storage=open_storage(storage)))


def _packages() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


class _StudyWatch:
    """Reports a run's progress from its study while ``train`` runs (in this process or in
    worker processes): trials done against the trial budget, seconds against the seconds
    budget, and the best score so far. A failure to read never stops the run."""

    def __init__(self, storage: str, name: str, report: Callable[[float, str], None], trials: int | None, seconds: float | None,
                 started: float) -> None:
        self.storage = storage
        self.name = name
        self.report = report
        self.trials = trials
        self.seconds = seconds
        self.started = started
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> _StudyWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def _loop(self) -> None:
        study: optuna.Study | None = None
        while not self.stop.wait(WATCH_SECONDS):
            if study is None and not study_ready(self.storage, self.name):
                continue
            try:
                study = study or optuna.load_study(study_name=self.name, storage=open_storage(self.storage))
                self._report(study)
            except Exception:  # noqa: BLE001 - not created yet, or busy: the next look retries
                continue

    def _report(self, study: optuna.Study) -> None:
        trials = study.get_trials(deepcopy=False)
        done = counted(trials)
        values = [t.value for t in trials if t.state == TrialState.COMPLETE and t.value is not None]
        elapsed = time.time() - self.started
        shares = [done / self.trials] if self.trials else []
        shares += [elapsed / self.seconds] if self.seconds else []
        budget = f"{done} of {text.counted(self.trials, 'trial')}" if self.trials else text.counted(done, "trial")
        if self.seconds:
            budget += f", {elapsed:.0f} of {self.seconds:.0f} s"
        best = ""
        if values:
            maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE
            best = f"; best {max(values) if maximize else min(values):.4g}"
        self.report(0.05 + 0.85 * min(1.0, max(shares, default=0.0)), budget + best)


class TrainingRuns:
    """The training stage on a workspace: submit, run, resume and list runs, over the job
    store, the lake tables, the feature recipes and the model store."""

    def __init__(self, root: Path, jobs: JobStore, tables: TableStore, features: FeatureRecipeStore, models: ModelStore) -> None:
        self.root = root / "runs"
        self.jobs = jobs
        self.tables = tables
        self.features = features
        self.models = models

    # ------------------------------------------------------------ what a run trains on

    def inputs(
        self, table: str, target: str, version: int | None = None, recipe: str | None = None, recipe_version: int | None = None,
        recipe_spec: dict[str, Any] | None = None, time_column: str | None = None, group_column: str | None = None,
    ) -> RunInputs:  # fmt: skip
        """The run's inputs resolved and checked against the table, one line on the first
        problem. No recipe: the studio's default treatment of each column by its kind."""
        found = self.tables.get(table, version)
        names = [c["name"] for c in found.columns]
        if target not in names:
            raise StudioError(f"{found.name} has no column {target!r} to predict; its columns: {', '.join(names[:20])}")
        if recipe is not None and recipe_spec is not None:
            raise StudioError("give a saved recipe's name or a recipe's JSON, not both")
        saved = self.features.get(recipe, recipe_version) if recipe is not None else None
        if saved is not None or recipe_spec is not None:
            chosen = saved.recipe if saved is not None else FeatureRecipe.from_json(recipe_spec)
            if chosen.target != target:
                raise StudioError(f"the recipe predicts {chosen.target!r}, not {target!r}; give its target or another recipe")
            self.features.check(chosen, found.name, found.version)
        else:
            chosen = suggest_recipe(found.columns, self.tables.profile(found.name, found.version), target)
        time_column = time_column or chosen.time_column
        group_column = group_column or chosen.group_column or (GROUP_COLUMN if GROUP_COLUMN in names else None)
        for role, column in (("time", time_column), ("group", group_column)):
            if column is not None and column not in names:
                raise StudioError(f"{found.name} has no {role} column {column!r}; pick one of its columns")
            if column == target:
                raise StudioError(f"the {role} column cannot be the target {target!r}; pick another column")
        return RunInputs(found, target, chosen, saved, time_column, group_column, saved is None and recipe_spec is None)

    # ------------------------------------------------------------ submitting

    def submit(
        self, table: str, target: str, *, version: int | None = None, recipe: str | None = None, recipe_version: int | None = None,
        recipe_spec: dict[str, Any] | None = None, task: str = "auto", metric: str | None = None, trials: int | None = None,
        seconds: float | None = None, families: list[str] | None = None, workers: int = 1, seed: int = 0, model: str | None = None,
        time_column: str | None = None, group_column: str | None = None, started: float | None = None, storage: str | None = None,
        then: dict[str, Any] | None = None,
    ) -> int:  # fmt: skip
        """Queue a run as a ``training.run`` job and start its worker; returns the run id. The
        parameters are checked first (table, target, recipe, task, metric, families, budget,
        model name), so a bad run is refused before any worker starts. ``started`` (epoch
        seconds, default now) is when a ``seconds`` budget began: a command's whole wall-clock
        budget counts from its start. ``storage``: the study's storage URL (default: a SQLite file
        in the run folder; postgresql://... for workers on other machines), opened here once so
        that a wrong URL is refused now. ``then``: a job queued once the model is stored (no slot
        held while the run trains), given its ``model`` and ``version`` (``JobStore.checked_then``)."""
        inputs = self.inputs(table, target, version, recipe, recipe_version, recipe_spec, time_column, group_column)
        _check_settings(task, metric, trials, seconds, families, workers, self.jobs.slot_limit())
        name = validate_name(model or f"{inputs.table.name}_{target}", "model")
        if storage is not None:
            open_storage(storage).engine.dispose()
        then = self.jobs.checked_then(then, ("model", "version"))
        params = {
            "table": inputs.table.name, "version": inputs.table.version, "target": target,
            "recipe": inputs.saved.name if inputs.saved else None, "recipe_version": inputs.saved.version if inputs.saved else None,
            "recipe_spec": recipe_spec, "task": task, "metric": metric, "trials": trials, "seconds": seconds, "families": families,
            "workers": workers, "seed": seed, "model": name, "time_column": time_column, "group_column": group_column,
            "started": time.time() if started is None else started, "storage": storage, "then": then,
        }  # fmt: skip
        return self.jobs.submit(RUN_KIND, params, f"Train {name} on {inputs.table.name} v{inputs.table.version} for {target}")

    def submit_resume(self, run: int, *, seconds: float | None = None, trials: int | None = None, workers: int = 1,
                      started: float | None = None) -> int:
        """Queue the resumption of a run that stopped (killed, failed or cancelled) as a
        ``training.resume`` job; returns its job id."""
        self.jobs.reap()  # a run whose worker was killed is failed first
        job = self.get(run)
        if any(j.active for j in self.jobs_of(run)):
            raise StudioError(f"run {run} is still {job.status}; wait for it, or cancel it first (`studio runs cancel {run}`)")
        if not study_ready(self.storage(run), study_name(self.run_dir(run))):
            raise StudioError(f"run {run} has no study yet (it stopped before its search began); train again")
        _check_settings("auto", None, trials, seconds, None, workers, self.jobs.slot_limit())
        params = {"run": run, "seconds": seconds, "trials": trials, "workers": workers, "started": time.time() if started is None else started}
        return self.jobs.submit(RESUME_KIND, params, f"Resume run {run}: {job.params['model']}")

    # ------------------------------------------------------------ running (inside the job)

    def run_dir(self, run: int | None) -> Path:
        return self.root / (str(run) if run is not None else f"local-{time.time_ns()}")

    def storage(self, run: int) -> str:
        """The storage URL of a run's study."""
        return self.get(run).params.get("storage") or default_storage_url(self.run_dir(run))

    def run(
        self, context: JobContext, *, table: str, target: str, version: int | None = None, recipe: str | None = None,
        recipe_version: int | None = None, recipe_spec: dict[str, Any] | None = None, task: str = "auto", metric: str | None = None,
        trials: int | None = None, seconds: float | None = None, families: list[str] | None = None, workers: int = 1, seed: int = 0,
        model: str | None = None, time_column: str | None = None, group_column: str | None = None, started: float | None = None,
        storage: str | None = None, then: dict[str, Any] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Train on a table version and store the model; the result is what ``studio train``
        prints. Run inside a job (the run id is the job id); ``context`` gets the progress."""
        started = time.time() if started is None else started
        inputs = self.inputs(table, target, version, recipe, recipe_version, recipe_spec, time_column, group_column)
        name = validate_name(model or f"{inputs.table.name}_{target}", "model")
        context.progress(0.01, f"reading {inputs.table.rows:,} rows of {inputs.table.name} v{inputs.table.version}")
        frame = self.features.rows(inputs.table, inputs.recipe, [*inputs.columns, target])
        y = frame.pop(target)
        task = resolve_task(y, task)
        run_dir = self.run_dir(context.job_id)
        budget = _remaining(seconds, started)
        factory = functools.partial(recipe_pipeline, inputs.recipe.to_json(), task)
        context.progress(0.04, f"training a {task} model on {len(frame):,} rows ({inputs.validation} validation)")
        shown = budget if budget is not None or trials is not None else DEFAULT_SECONDS  # train's default budget
        storage = storage or default_storage_url(run_dir)
        context.on_cancel.append(functools.partial(_abandon, storage, study_name(run_dir)))
        with _StudyWatch(storage, study_name(run_dir), context.progress, trials, shown, time.time()):
            result = train(frame, y, factory, run_dir=run_dir, task=task, metric=metric, validation=inputs.validation,
                           group_column=inputs.group_column, time_column=inputs.time_column, trials=trials, seconds=budget,
                           families=families, seed=seed, workers=workers, storage=storage, study_name=study_name(run_dir))
        return self._store(context, name, inputs, result, started, then=then)

    def resume(self, context: JobContext, *, run: int, seconds: float | None = None, trials: int | None = None, workers: int = 1,
               started: float | None = None) -> dict[str, Any]:
        """Continue a stopped run with a fresh budget, then refit and store as ``run`` does."""
        started = time.time() if started is None else started
        params = self.get(run).params
        inputs = self.inputs(params["table"], params["target"], params["version"], params["recipe"], params["recipe_version"],
                             params["recipe_spec"], params["time_column"], params["group_column"])
        storage, name = self.storage(run), study_name(self.run_dir(run))
        budget = _remaining(seconds, started)
        context.progress(0.02, f"resuming run {run}")
        context.on_cancel.append(functools.partial(_abandon, storage, name))
        with _StudyWatch(storage, name, context.progress, trials or params["trials"], budget or params["seconds"], time.time()):
            result = resume(storage, name, seconds=budget, trials=trials, workers=workers)
        return self._store(context, params["model"], inputs, result, started, run, then=params.get("then"))

    def _store(self, context: JobContext, name: str, inputs: RunInputs, result: TrainingResult, started: float,
               run: int | None = None, then: dict[str, Any] | None = None) -> dict[str, Any]:
        """Past the point of no return: the model version, its signature and expectations
        (from the run's training rows), its holdout rows and lineage; then the ``then`` job
        queued (its id in the result as ``then``)."""
        run = context.job_id if run is None else run
        spec = load(result.storage, result.study_name)[1]
        rows, holdout = _run_rows(spec, inputs.features)
        sample = rows if len(rows) <= SIGNATURE_ROWS else rows.sample(SIGNATURE_ROWS, random_state=spec.seed)
        context.progress(0.92, "storing the model")
        context.point_of_no_return(f"storing model {name}")
        info = {
            "task": result.task, "target": inputs.target, "metric": result.metric, "direction": result.direction,
            "cv_score": result.cv_score, "holdout_score": result.holdout_score, "trials": result.trials,
            "trial_states": result.trial_states, "best_params": result.best_params, "family": result.family,
            "members": [{"trial": m.trial, "family": m.family, "weight": m.weight, "params": m.params} for m in result.members],
            "classes": result.classes, "seconds": result.seconds, "seed": spec.seed, "validation": spec.validation,
            "folds": spec.folds, "rows": len(rows), "features": inputs.recipe.to_json(),
            "signature": input_signature(sample, None, required=inputs.recipe.input_columns()),
            "expectations": input_expectations(sample),
            "holdout": self.models.save_holdout(holdout.rename(columns={TARGET_COLUMN: inputs.target})),
            "packages": _packages(),
        }  # fmt: skip
        stored, _unchanged = self.models.register(name, self.models.serialize(result.pipeline), info, inputs.origin(run))
        document = {
            "run": run, "model": stored.name, "version": stored.version, "task": result.task, "metric": result.metric,
            "cv_score": result.cv_score, "holdout_score": result.holdout_score, "trials": result.trials,
            "best_params": result.best_params, "seconds": round(time.time() - started, 3),
        }  # fmt: skip
        if then is not None:
            document["then"] = self.jobs.submit_then(then, {"model": stored.name, "version": stored.version})
            context.log(f"queued job {document['then']}: {then['title']}")
        return document

    def join(self, run: int, storage: str | None = None, index: int = 1) -> int:
        """Search a run's study from this process until its budget is spent (``storage``: the
        study's URL, for a worker on another machine sharing the run folder); returns how many
        trials the study holds then."""
        url, name = storage or self.storage(run), study_name(self.run_dir(run))
        if not study_ready(url, name):
            raise StudioError(f"run {run} has no study in {hide_password(url)} yet; start the worker once the run is searching (`studio runs show {run}`)")
        join(url, name, index)
        return len(load(url, name)[0].get_trials(deepcopy=False))

    # ------------------------------------------------------------ batch prediction

    def predict(self, model: str, source: str | Path, out: str | Path, *, overwrite: bool = False,
                context: JobContext | None = None) -> dict[str, Any]:
        """Score a file or a lake table (``source``) with a model version (``NAME`` or
        ``NAME:VERSION``) and write the predictions to ``out`` (.parquet or .csv); returns
        {"model", "version", "rows", "path"}. The artifact is loaded through the model store
        (sha256 and allow-list), every batch is checked against the signature, and nothing is
        written unless every row is scored."""
        context = context or JobContext()
        name, number = model_reference(model)
        version = self.models.get(name, number)
        target = output_path(out, overwrite, "predict")
        relation, label, rows = self._prediction_input(source)
        pipeline = self.models.load(version)
        context.progress(0.02, f"scoring {label} with {version.name} v{version.version}")
        with self.tables.lake.connect() as con:
            try:
                result = con.execute(f"SELECT * FROM {relation}")
                looked_up = self._online_lookup(version, pipeline, [str(d[0]) for d in result.description], label)
                written = predict_batches(batches(result), pipeline, version.signature, version.task, target, label, looked_up,
                                          lambda done: context.progress(0.05 + 0.9 * min(1.0, done / max(rows or done, 1)), f"{done:,} rows scored"))
            except duckdb.Error as error:
                raise StudioError(f"{label}: cannot be read ({str(error).splitlines()[0]}); check the file") from None
        return {"model": version.name, "version": version.version, "rows": written, "path": str(target)}

    def submit_predict(self, model: str, source: str, out: str, overwrite: bool = False) -> int:
        """Batch prediction as a ``training.predict`` job (checked first); returns the job id."""
        name, number = model_reference(model)
        version = self.models.get(name, number)
        output_path(out, overwrite, "predict")
        self._prediction_input(source)
        params = {"model": f"{version.name}:{version.version}", "source": str(source), "out": str(Path(out).absolute()), "overwrite": overwrite}
        return self.jobs.submit(PREDICT_KIND, params, f"Predict {source} with {version.name} v{version.version}")

    def _prediction_input(self, source: str | Path) -> tuple[str, str, int | None]:
        """(relation, label, rows when known) of a file path or a lake table's name."""
        path = Path(source).expanduser()
        if path.is_file():
            return file_relation(path.absolute()), path.name, None
        if path.suffix.lower() in READERS or len(path.parts) > 1:
            raise StudioError(f"{source}: no such file; give a file path or a table's name")
        table = self.tables.get(str(source))
        return self.features.relation(table), f"{table.name} v{table.version}", table.rows

    def _online_lookup(self, version: ModelVersion, pipeline: Any, columns: list[str], label: str) -> list[str]:
        """The aggregate columns the input lacks, which the pipeline then looks up by entity
        key in its recipe's online table (loaded into it here)."""
        aggregates, _expressions = FeatureRecipe.from_json(version.info["features"]).computed()
        absent = [a.name for a in aggregates if a.name not in columns]
        if not absent:
            return []
        recipe = (version.origin.get("feature_recipe") or {}).get("recipe")
        if recipe is None:
            raise StudioError(f"{label} has no column {absent[0]!r}, and the model's recipe was not saved, so it has no online table; send the column")
        set_online_table(pipeline, self.features.online_table(recipe))
        return absent

    # ------------------------------------------------------------ listing

    def get(self, run: int) -> Job:
        """The ``training.run`` job of run ``run``."""
        try:
            job = self.jobs.get(run)
        except NotFound:
            job = None
        if job is None or job.kind != RUN_KIND:
            raise NotFound(f"no run {run}; `studio runs list` shows the runs")
        return job

    def list(self, limit: int = 200) -> list[Job]:
        """Runs, newest first."""
        return [job for job in self.jobs.list(limit=10_000) if job.kind == RUN_KIND][:limit]

    def jobs_of(self, run: int) -> list[Job]:
        """The run's job and the jobs that resumed it, oldest first."""
        resumed = [j for j in self.jobs.list(limit=10_000) if j.kind == RESUME_KIND and j.params.get("run") == run]
        return [self.get(run), *reversed(resumed)]

    def study(self, run: int) -> optuna.Study | None:
        """The run's study (wherever its storage is), or None before its search has begun."""
        storage, name = self.storage(run), study_name(self.run_dir(run))
        if not study_ready(storage, name):
            return None
        quiet_optuna()
        return optuna.load_study(study_name=name, storage=open_storage(storage))

    def progress(self, run: int) -> StudyProgress | None:
        """The run's search as plain data (trials, best so far, budget), or None before it began."""
        study = self.study(run)
        return None if study is None else progress_of(study)

    def importances(self, run: int, family: str) -> dict[str, float]:
        """How much each of ``family``'s parameters moved the run's scores (empty when too few
        of its trials have finished)."""
        study = self.study(run)
        return {} if study is None else parameter_importances(study, family)

    def show(self, run: int) -> dict[str, Any]:
        """A run: its spec, status and result (of its latest job), and its trials by state."""
        jobs = self.jobs_of(run)
        latest = jobs[-1]
        document: dict[str, Any] = {
            "run": run, "status": latest.status, "params": jobs[0].to_json()["params"], "result": latest.result, "error": latest.error,
            "jobs": [{"id": j.id, "kind": j.kind, "status": j.status, "duration_s": j.duration_s} for j in jobs],
            "trials": {}, "best_score": None,
        }  # fmt: skip
        study = self.study(run)
        if study is not None:
            trials = study.get_trials(deepcopy=False)
            document["trials"] = {state.name: sum(t.state == state for t in trials) for state in TrialState if any(t.state == state for t in trials)}
            if any(t.state == TrialState.COMPLETE for t in trials):
                document["best_score"] = study.best_value
        return document

    def latest_job(self, run: int) -> Job:
        return self.jobs_of(run)[-1]

    def wait(self, job_id: int, report: Callable[[float, str], None], poll_s: float = 0.2) -> dict[str, Any]:
        """Wait for a run's job, reporting its progress; its result, or its error as one line."""
        last = None
        while True:
            job = self.jobs.get(job_id)
            if (job.progress, job.message) != last and job.status not in FINISHED:
                last = (job.progress, job.message)
                report(job.progress, job.message)
            if job.status == SUCCEEDED:
                return dict(job.result or {})
            if job.status in FINISHED:
                raise StudioError(job.error or f"run job {job_id} was {job.status}")
            time.sleep(poll_s)


def _check_settings(task: str, metric: str | None, trials: int | None, seconds: float | None, families: list[str] | None,
                    workers: int, slots: int) -> None:
    if task != "auto" and task not in TASKS:
        raise StudioError(f"unknown task {task!r}; use auto, {', '.join(TASKS)}")
    if metric is not None:
        if task != "auto":
            resolve_metric(task, metric)
        elif metric not in METRICS:
            raise StudioError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
    if trials is not None and trials < 1:
        raise StudioError(f"trials must be at least 1, not {trials}")
    if seconds is not None and seconds <= 0:
        raise StudioError(f"the timeout must be a positive number of seconds, not {seconds:g}")
    resolve_families(families, 0)
    if not 1 <= workers <= slots:
        raise StudioError(f"workers must be between 1 and {slots} (the job slots: setting max_running_jobs), not {workers}")


def _remaining(seconds: float | None, started: float) -> float | None:
    """What is left of a ``seconds`` budget that began at ``started`` for the search and the
    refit, keeping back the time to store the model."""
    if seconds is None:
        return None
    spent = time.time() - started
    left = seconds - spent - STORE_SECONDS
    if left < 1:
        raise StudioError(f"the budget of {seconds:g} s was spent before training began (starting the run and reading its rows took "
                          f"{spent:.0f} s); give a longer --timeout")
    return left


def _run_rows(spec: RunSpec, features: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """From the run folder: the run's training rows (search and holdout, in input order) with
    the feature columns, and the holdout rows with the feature columns and the target
    (decoded to its values) as ``TARGET_COLUMN``."""
    search = pd.read_parquet(spec.search_path, columns=[*features, ROW_COLUMN])
    holdout = pd.read_parquet(spec.holdout_path, columns=[*features, TARGET_COLUMN, ROW_COLUMN])
    if spec.classes is not None:
        holdout[TARGET_COLUMN] = pd.Series(spec.classes).iloc[holdout[TARGET_COLUMN].to_numpy()].to_numpy()
    rows = pd.concat([search, holdout.drop(columns=[TARGET_COLUMN])]).sort_values(ROW_COLUMN)
    return rows.drop(columns=[ROW_COLUMN]).reset_index(drop=True), holdout.drop(columns=[ROW_COLUMN]).reset_index(drop=True)
