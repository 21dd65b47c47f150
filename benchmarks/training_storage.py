"""Which Optuna storage survives a SIGKILL better: JournalStorage (file backend) or RDBStorage
(SQLite file, PostgreSQL)? The measurement behind studio.training's choice of storage.

Run from the repository root with the project's virtualenv:

    .venv/bin/python benchmarks/training_storage.py              # 20 kills per storage
    .venv/bin/python benchmarks/training_storage.py --kills 5    # a quick look
    .venv/bin/python benchmarks/training_storage.py --json

For each storage, ``--kills`` times: a worker process runs trials whose objective writes to the
storage as fast as it can (intermediate values and a 256 KB user attribute per step, so that a
kill often lands mid-write), and is killed with SIGKILL after a random 0.3-1.5 s (seeded).
Then, in this process:

- ``opened``: the study loads at all (a torn journal line or a corrupt database fails here);
- ``stuck``: trials left RUNNING by the dead worker;
- ``recovered``: after the storage's own stale-trial recovery (RDB: heartbeat every 1 s, grace
  2 s, ``fail_stale_trials``; journal: none exists, so it stays stuck), no trial is RUNNING;
- ``resumed``: a new trial can be run and completed, and how long the first write waited (a
  journal's lock file left by the dead worker blocks every writer until its 30 s grace ends).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import optuna

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.servers import postgres_server  # noqa: E402

PAYLOAD = "x" * 256 * 1024


def open_storage(kind: str, target: str) -> optuna.storages.BaseStorage:
    if kind == "journal":
        return optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(target))
    return optuna.storages.RDBStorage(target, heartbeat_interval=1, grace_period=2)


def busy_objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", 0, 1)
    for step in range(1000):
        trial.report(x * step, step)
        trial.set_user_attr(f"blob{step % 4}", PAYLOAD)
    return x


def worker(kind: str, target: str, seconds: float) -> None:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.load_study(study_name="kill", storage=open_storage(kind, target))
    deadline = time.monotonic() + seconds
    errors = 0
    while time.monotonic() < deadline:
        try:
            study.optimize(busy_objective, n_trials=1, catch=())
        except Exception:  # noqa: BLE001 - counting every failed write is the point here
            errors += 1
    print(json.dumps({"errors": errors}))


def measure(kind: str, target: str, kills: int, seed: int) -> dict[str, Any]:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    optuna.create_study(study_name="kill", storage=open_storage(kind, target))
    rng = random.Random(seed)
    context = multiprocessing.get_context("spawn")
    counts = {"kills": kills, "opened": 0, "stuck": 0, "recovered": 0, "resumed": 0}
    waits: list[float] = []
    for _ in range(kills):
        process = context.Process(target=worker, args=(kind, target, 60.0))
        process.start()
        time.sleep(rng.uniform(0.3, 1.5))
        process.kill()
        process.join()
        try:
            study = optuna.load_study(study_name="kill", storage=open_storage(kind, target))
            study.get_trials(deepcopy=False)
        except Exception:  # noqa: BLE001 - a storage that no longer opens is the measurement
            continue
        counts["opened"] += 1
        running = [t for t in study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.RUNNING]
        counts["stuck"] += bool(running)
        if running and kind != "journal":
            time.sleep(3.2)  # past the grace period
            optuna.storages.fail_stale_trials(study)
        still = [t for t in study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.RUNNING]
        counts["recovered"] += not still
        started = time.perf_counter()
        try:
            trial = study.ask()
            waits.append(time.perf_counter() - started)
            study.tell(trial, 0.0)
            counts["resumed"] += 1
        except Exception:  # noqa: BLE001
            pass
        for trial in still:  # leave no RUNNING trial to the next round, so each kill counts alone
            study._storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
    counts["max_first_write_wait_s"] = round(max(waits, default=float("nan")), 2)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="studio-storage-") as scratch, postgres_server() as postgres:
        targets = {
            "journal": str(Path(scratch) / "study.journal"),
            "sqlite": f"sqlite:///{scratch}/study.db",
            "postgresql": postgres,
        }
        for kind, target in targets.items():
            backend = "journal" if kind == "journal" else "rdb"
            results[kind] = measure(backend, target, args.kills, args.seed)
            print(f"{kind}: {results[kind]}", file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for kind, counts in results.items():
            print(f"{kind:>10}: " + ", ".join(f"{key}={value}" for key, value in counts.items()))


if __name__ == "__main__":
    main()
