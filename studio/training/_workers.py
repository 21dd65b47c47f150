"""Worker processes on one study: each joins by storage URL and study name, reads the run spec
from the study, and runs the search loop. A later round exposes ``join`` as
``studio worker --run RUN_ID [--storage URL]``; here it is also
``python -m studio.training._workers --storage URL --study NAME``."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

import optuna

from studio.errors import StudioError
from studio.training._search import load_search_data, search
from studio.training._spec import RunSpec
from studio.training._storage import open_storage, quiet_optuna, recover_stale_trials


def make_sampler(seed: int) -> optuna.samplers.BaseSampler:
    """TPE over each family's own group of parameters; the constant liar keeps parallel workers
    from sampling the same point."""
    return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True, constant_liar=True, n_startup_trials=5)


def make_pruner() -> optuna.pruners.BasePruner:
    """A trial whose mean score over its first folds falls below the median of earlier trials
    at the same fold stops there."""
    return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0)


def load(storage: str, study_name: str, index: int = 0) -> tuple[optuna.Study, RunSpec]:
    quiet_optuna()
    try:
        probe = optuna.load_study(study_name=study_name, storage=open_storage(storage))
    except KeyError as error:
        raise StudioError(f"no study {study_name!r} in the storage; check the run's name and storage URL") from error
    spec = RunSpec.of(probe)
    study = optuna.load_study(study_name=study_name, storage=probe._storage, sampler=make_sampler(spec.seed + index),
                              pruner=make_pruner())
    return study, spec


def join(storage: str, study_name: str, index: int = 0) -> None:
    """Run the search loop of a study's run in this process until its budget is spent."""
    study, spec = load(storage, study_name, index)
    search(study, load_search_data(spec))


def run_workers(storage: str, study_name: str, workers: int, max_workers: int | None = None) -> list[int]:
    """Run ``workers`` worker processes on the study (at most ``max_workers``, by default the
    number of cores) and wait for them; returns their exit codes. Trials a crashed worker left
    RUNNING are failed afterwards. The child processes see this process's import path, so a
    features factory importable here is importable there."""
    limit = max_workers or os.cpu_count() or 1
    if not 1 <= workers <= limit:
        raise StudioError(f"workers must be between 1 and {limit}, not {workers}")
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}
    processes = [
        subprocess.Popen([sys.executable, "-m", "studio.training._workers", "--storage", storage, "--study", study_name,
                          "--index", str(index)], env=environment)
        for index in range(workers)
    ]
    codes = [process.wait() for process in processes]
    recover_stale_trials(load(storage, study_name)[0])
    if all(code != 0 for code in codes):
        raise StudioError(f"every worker process failed (exit codes {codes}); their error lines are above")
    return codes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Join a studio training run as a worker.")
    parser.add_argument("--storage", required=True, help="the study storage URL (sqlite:///... or postgresql://...)")
    parser.add_argument("--study", required=True, help="the run's study name")
    parser.add_argument("--index", type=int, default=0, help="this worker's number (varies the sampler's seed)")
    args = parser.parse_args(argv)
    try:
        join(args.storage, args.study, args.index)
    except StudioError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
