"""The JSON of every command, pinned: its keys and the types of their values, on a small
workspace. Scripts read these documents; a key renamed, dropped or retyped fails here first.

A document is pinned as its set of paths (``profile.columns[].min: float|str``): ``[]`` steps
into every element of a list, types met at one path are joined with ``|``, and an empty dict
or list is pinned as ``{}`` / ``[]``. Keys that are data (column names in a diff) are part of
the pin, because the workspace is the same each run.
"""

import json
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pandas as pd
import pytest

from studio import Workspace
from studio.cli import main
from tests.unit.test_cli import cli


def document_paths(value: Any, path: str = "") -> set[str]:
    if isinstance(value, dict):
        if not value:
            return {f"{path}: {{}}"}
        return set().union(*(document_paths(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()))
    if isinstance(value, list):
        if not value:
            return {f"{path}: []"}
        return set().union(*(document_paths(v, path + "[]") for v in value))
    return {f"{path}: {'null' if value is None else type(value).__name__}"}


def shape(document: Any) -> list[str]:
    """The pin of a document: one ``path: types`` line per path, sorted."""
    types: dict[str, set[str]] = {}
    for line in document_paths(document):
        path, kind = line.rsplit(": ", 1)
        types.setdefault(path, set()).add(kind)
    return sorted(f"{path}: {'|'.join(sorted(kinds))}" for path, kinds in types.items())


def under(prefix: str, lines: list[str]) -> list[str]:
    """``lines`` as they appear below ``prefix`` (``[]``: in each element of a list)."""
    return [f"{prefix}.{line}" for line in lines]


def test_shape_pins_keys_types_and_empties():
    assert shape({"a": [1, None], "b": {}, "c": [], "d": [{"x": "s"}, {"x": 1.5, "y": True}]}) == [
        "a[]: int|null", "b: {}", "c: []", "d[].x: float|str", "d[].y: bool",
    ]


SETTINGS = [f"{key}: int" for key in (
    "duckdb_memory_limit_mb", "duckdb_threads", "job_heartbeat_timeout_s", "max_running_jobs", "max_source_mb", "sql_memory_limit_mb", "sql_timeout_s",
)]
COLUMNS = ["columns[].name: str", "columns[].type: str"]
TABLE = ["bytes: int", *COLUMNS, "content_hash: str", "created_at: float", "name: str", "rows: int", "version: int"]
FILE_ORIGIN = under("origin", ["encoding: str", "file: str", "file_bytes: int", "format: str", "kind: str", "options: {}", "path: str"])
SOURCE = sorted(TABLE + FILE_ORIGIN)
RECIPE_SPEC = [
    "combine.how: str", "dedupe.keys[]: str", "dedupe.method: str", "dedupe.survivorship.aggregate: {}", "dedupe.survivorship.most_complete: bool",
    "dedupe.survivorship.newest_by: null", "dedupe.survivorship.source_priority: []", "id: str", "inputs[].columns: {}", "inputs[].table: str",
    "inputs[].version: null", "name: str", "normalize: []", "output: str", "schema: []", "sql: null",
]
BUILD_STATS = ["clusters: int", "duplicates_removed: int", "inputs[].rows: int", "inputs[].table: str", "inputs[].version: int", "largest_cluster: int", "rows_in: int"]
DATASET_ORIGIN = under("origin", [
    "inputs[].content_hash: str", "inputs[].kind: str", "inputs[].table: str", "inputs[].table_id: int", "inputs[].version: int",
    "kind: str", "recipe: str", "recipe_hash: str", "role: str", *under("spec", RECIPE_SPEC), *under("stats", BUILD_STATS),
])
DATASET = sorted(TABLE + DATASET_ORIGIN)
MEMBERS_OR_DATASET = sorted(DATASET + ["origin.of: str"])
PROFILE = under("profile", [
    "columns[].distinct: int", "columns[].histogram.counts[]: int", "columns[].histogram.edges[]: float|str", "columns[].kind: str",
    "columns[].max: float|str", "columns[].max_length: int", "columns[].mean: float", "columns[].mean_length: float",
    "columns[].min: float|str", "columns[].min_length: int", "columns[].name: str", "columns[].null_fraction: float", "columns[].nulls: int",
    "columns[].quantiles.p05: float", "columns[].quantiles.p25: float", "columns[].quantiles.p50: float", "columns[].quantiles.p75: float",
    "columns[].quantiles.p95: float", "columns[].std: float", "columns[].top[].count: int", "columns[].top[].value: float|int|str",
    "columns[].type: str", "exact_distinct: bool", "format: int", "rows: int",
])
DEDUPE = ["clusters: int", "dataset: str", "members: str", "rows_in: int", "rows_out: int", *under("stats", BUILD_STATS), "unchanged: bool", "version: int"]
JOB = [
    "cancel_requested: bool", "created_at: float", "error: null", "finished_at: null", "heartbeat_at: null", "id: int", "kind: str",
    "message: str", "params.seconds: int", "progress: float", "result: null", "started_at: null", "status: str", "title: str",
    "worker_host: null", "worker_pid: null",
]
PROOF_FEATURE = [
    "cardinality: int", "kind: str", "missing_rate: float", "mutual_info: float", "name: str", "reasons[]: str", "redundant_with: str",
    "single_feature_score: float", "source: str", "verdict: str",
]
PROOF = [
    "metric: str", "redundancy[].association: float", "redundancy[].features[]: str", "redundancy[].keep: str", "rows: int", "sample_rows: int",
    "split.group_column: null", "split.method: str", "table: str", "table_id: int", "target: str", "task: str", "version: int",
]
EVENT_TABLES = ["event_tables[].content_hash: str", "event_tables[].table: str", "event_tables[].table_id: int", "event_tables[].version: int"]
RECIPE_PROOF = sorted(PROOF + EVENT_TABLES + under("features[]", PROOF_FEATURE) + ["features[].dropped_in_recipe: bool", "features[].psi: float|null", "split.time_column: str"])
TABLE_ORIGIN = under("origin", ["kind: str", "table: str", "table_id: int", "table_kind: str", "version: int"])
FEATURE_RECIPE = [
    "aggregates: int", "columns_used: int", "content_hash: str", "created_at: float", "designed_on: str", "expressions: int", "name: str",
    "target: str", "version: int",
]
VERDICTS = ["verdicts.accept: int", "verdicts.reject: int", "verdicts.warn: int"]
STEP = ["steps[].indicator: bool", "steps[].op: str", "steps[].strategy: str"]
FEATURE_SPEC = under("spec", [
    *under("aggregates[]", ["column: null", "entity: str", "function: str", "name: str", *STEP, "table: str", "time: str", "window: str"]),
    "columns.city.drop: bool", "columns.city.kind: str", "columns.city.steps[].max_categories: int", "columns.city.steps[].min_frequency: float",
    "columns.city.steps[].op: str", "columns.id.drop: bool", "columns.id.kind: str", "columns.id.steps: []", "columns.when.drop: bool",
    "columns.when.kind: str", "columns.when.steps[].indicator: bool", "columns.when.steps[].op: str", "columns.when.steps[].parts[]: str",
    "columns.when.steps[].strategy: str", *under("expressions[]", ["expr: str", "name: str", *STEP]), "format: int", "group_column: null",
    "rejected[]: str", "seed: int", "target: str", "time_column: str",
])
RECIPE_DIFF = [
    f"{section}.{change}: []" for section in ("aggregates", "columns", "expressions") for change in ("added", "changed", "removed")
] + ["name: str", "new: int", "old: int", "rejected.added[]: str", "rejected.removed: []", "same: bool", "settings: []"]
ONLINE_ORIGIN = under("origin", [
    "as_of: str", "inputs[].content_hash: str", "inputs[].table: str", "inputs[].table_id: int", "inputs[].version: int", "kind: str",
    "recipe: str", "recipe_id: int", "recipe_version: int",
])

TRAINED = [
    "best_params.C: float", "cv_score: float", "holdout_score: float", "metric: str", "model: str", "run: int", "seconds: float", "task: str",
    "trials: int", "version: int",
]

RUN_SUMMARY = [
    "created_at: float", "cv_score: float", "duration_s: float", "error: null", "holdout_score: float", "metric: str", "model: str",
    "model_version: int", "run: int", "status: str", "table: str", "target: str", "task: str", "trials: int", "version: int",
]
RUN_PARAMS = under("params", [
    "families[]: str", "group_column: null", "metric: null", "model: str", "recipe: null", "recipe_spec: null", "recipe_version: null",
    "seconds: null", "seed: int", "started: float", "storage: null", "table: str", "target: str", "task: str", "then: null", "time_column: null", "trials: int",
    "version: int", "workers: int",
])
RUN = sorted([
    "best_score: float", "error: null", "jobs[].duration_s: float", "jobs[].id: int", "jobs[].kind: str", "jobs[].status: str", "run: int",
    "status: str", "trials.COMPLETE: int", *RUN_PARAMS, *under("result", TRAINED),
])
MODEL_SUMMARY = [
    "bytes: int", "content_hash: str", "created_at: float", "cv_score: float", "holdout_score: float", "metric: str", "name: str", "run: int",
    "target: str", "task: str", "version: int",
]
FEATURE_TREATMENTS = under("features", [
    "aggregates: []", "columns.city.drop: bool", "columns.city.kind: str", "columns.city.steps[].max_categories: int",
    "columns.city.steps[].min_frequency: float", "columns.city.steps[].op: str", "columns.distance.drop: bool", "columns.distance.kind: str",
    "columns.distance.steps[].indicator: bool", "columns.distance.steps[].op: str", "columns.distance.steps[].strategy: str",
    "expressions: []", "format: int", "group_column: null", "rejected: []", "seed: int", "target: str", "time_column: null",
])
SIGNATURE = under("signature", [
    "columns[].categories[]: str", "columns[].dtype: str", "columns[].integer: bool", "columns[].kind: str", "columns[].max: float",
    "columns[].min: float", "columns[].name: str", "columns[].nullable: bool", "columns[].required: bool", "format: int", "target: null",
])
EXPECTATIONS = under("expectations", [
    "columns.city.kind: str", "columns.city.null_rate: float", "columns.city.shares.__other__: float", "columns.city.shares.east: float",
    "columns.city.shares.north: float", "columns.city.shares.south: float", "columns.distance.edges[]: float", "columns.distance.kind: str",
    "columns.distance.max: float", "columns.distance.mean: float", "columns.distance.min: float", "columns.distance.null_rate: float",
    "columns.distance.shares[]: float", "columns.distance.std: float", "format: int", "rows: int",
])
MODEL_INFO = under("info", [
    "best_params.C: float", "classes[]: str", "cv_score: float", "direction: str", *EXPECTATIONS, "family: str", *FEATURE_TREATMENTS,
    "folds: int", "holdout.content_hash: str", "holdout.rows: int", "holdout_score: float", "members[].family: str",
    "members[].params.C: float", "members[].trial: int", "members[].weight: float", "metric: str", "packages.lightgbm: str",
    "packages.numpy: str", "packages.optuna: str", "packages.pandas: str", "packages.python: str", "packages.scikit-learn: str",
    "packages.skops: str", "rows: int", "seconds: float", "seed: int", *SIGNATURE, "target: str", "task: str", "trial_states.COMPLETE: int",
    "trials: int", "validation: str",
])
MODEL = sorted([
    "bytes: int", "content_hash: str", "created_at: float", *MODEL_INFO, "name: str", "origin.dataset.asset_id: int",
    "origin.dataset.content_hash: str", "origin.dataset.table: str", "origin.dataset.version: int", "origin.feature_recipe: null", "origin.features: str",
    "origin.kind: str", "origin.run: int", "version: int",
])
SUITE_ROWS = ["tests[].name: str", "tests[].passed: bool", "tests[].threshold: float", "tests[].value: float|null"]
PROMOTION = ["alias: str", "model: str", "promoted: bool", *SUITE_ROWS, "version: int"]
TEST_RUN = [
    "actor: str", "at: float", "model: str", "passed: bool", "reference_version: int", "test_run: int", "tests[].detail: str", *SUITE_ROWS, "version: int",
]
ALIAS_MOVE = ["alias: str", "changed: bool", "model: str", "previous_version: int", "version: int"]
ARCHIVED = ["aliases: []", "archived: bool", "model: str", "version: int"]
AUDIT = [
    "action: str", "actor: str", "alias: null|str", "at: float", "id: int", "model: str", "previous_version: int|null", "reason: null|str", "tests: null",
    "version: int|null",
]
LINEAGE = [
    "dataset.asset_id: int", "dataset.content_hash: str", "dataset.current_name: str", "dataset.table: str", "dataset.version: int",
    "feature_recipe: null", "kind: str", "model: str", "run: int", "version: int",
]
COMPARISON = sorted([
    "artifact.a.bytes: int", "artifact.a.content_hash: str", "artifact.b.bytes: int", "artifact.b.content_hash: str",
    "info[].a: bool|float|int|null|str", "info[].b: bool|float|int|null|str", "info[].differs: bool", "info[].key: str",
    *under("lineage.a", LINEAGE), *under("lineage.b", LINEAGE), "model: str", "notes.aliases.a[]: str", "notes.aliases.b: []",
    "notes.archived.a: bool", "notes.archived.b: bool", "notes.description.a: str", "notes.description.b: str", "notes.tags.a: {}",
    "notes.tags.b: {}", *[f"tests[].{side}.{key}" for side in ("a", "b") for key in ("passed: bool", "threshold: float", "value: float|null")],
    "tests[].name: str", "versions[]: int",
])

# (command line, pin); {files} is the folder of input files, {job} a queued job, {run} the newest
# run, {queued_run} a run queued without a worker. In order: later commands use what earlier
# ones made.
PINS: list[tuple[str, list[str]]] = [
    ("init", ["datasets: int", "db: str", "jobs: {}", "lake_bytes: int", *under("settings", SETTINGS), "sources: int", "workspace: str"]),
    ("sources add {files}/orders.csv --name orders", sorted(SOURCE + ["unchanged: bool"])),
    ("sources add {files}/orders2.csv --name orders", sorted(SOURCE + ["unchanged: bool"])),
    ("sources add {files}/orders.csv --name spare", sorted(SOURCE + ["unchanged: bool"])),
    ("sources list", under("[]", SOURCE)),
    ("sources show orders", sorted(SOURCE + PROFILE + ["versions[]: int"])),
    ("sources versions orders", under("[]", SOURCE)),
    ("sources preview orders --limit 3", ["columns[]: str", "rows[][]: float|int|null|str"]),
    ("sources rename spare extra", SOURCE),
    ("sources export extra {files}/extra.csv", ["name: str", "path: str"]),
    ("sources delete extra --yes", ["deleted_versions[]: int", "name: str"]),
    ("dedupe --source orders --id id --out orders_clean --exact city", DEDUPE),
    ("consolidate run {files}/recipe.json", sorted(DEDUPE + ["members_version: int"])),
    ("consolidate recipes", ["[].created_at: float", "[].name: str", *under("[].spec", RECIPE_SPEC), "[].updated_at: float"]),
    ("consolidate show by_id", RECIPE_SPEC),
    ("sources add {files}/orders.csv --name orders", sorted(SOURCE + ["unchanged: bool"])),
    ("consolidate run {files}/recipe.json", sorted(DEDUPE + ["members_version: int"])),
    ("datasets list", under("[]", MEMBERS_OR_DATASET)),
    ("datasets show ids", sorted(DATASET + PROFILE + ["versions[]: int"])),
    ("datasets versions ids", under("[]", DATASET)),
    ("datasets preview ids --limit 2", ["columns[]: str", "rows[][]: float|int|str"]),
    ("datasets diff ids 1 2", [
        "added_columns: []", "changed_by_column.amount: int", "changed_by_column.city: int", "changed_by_column.cluster_size: int",
        "changed_by_column.id: int", "changed_by_column.source: int", "changed_by_column.when: int", "key[]: str", "name: str", "new: int",
        "old: int", "removed_columns: []", "retyped_columns: []", "rows_added: int", "rows_changed: int", "rows_removed: int",
        "rows_unchanged: int", "samples.added: []", "samples.changed[].amount (new): float", "samples.changed[].amount (old): float",
        "samples.changed[].city (new): str", "samples.changed[].city (old): str", "samples.changed[].cluster_id: int",
        "samples.changed[].cluster_size (new): int", "samples.changed[].cluster_size (old): int", "samples.changed[].id (new): int",
        "samples.changed[].id (old): int", "samples.changed[].source (new): str", "samples.changed[].source (old): str",
        "samples.changed[].when (new): str", "samples.changed[].when (old): str", "samples.removed: []",
    ]),
    ("datasets lineage ids", ["edges[][]: str", "nodes[].id: str", "nodes[].kind: str", "nodes[].label: str", "nodes[].rows: int"]),
    ("datasets rename orders_clean clean", DATASET),
    ("datasets export clean {files}/clean.parquet", ["name: str", "path: str"]),
    ("datasets delete clean --yes", ["deleted_versions[]: int", "name: str"]),
    ("consolidate delete by_id --yes", ["deleted: bool", "recipe: str"]),
    ("features check orders --target amount", sorted(PROOF + under("features[]", PROOF_FEATURE) + ["event_tables: []", "features[].psi: null", "split.time_column: null"])),
    ("features check orders --target amount --recipe {files}/features.json --time-column when", RECIPE_PROOF),
    ("features save {files}/features.json --name spend --table orders", sorted(FEATURE_RECIPE + TABLE_ORIGIN + ["rejected: []", "unchanged: bool", "verdicts: null"])),
    ("features save {files}/features2.json --name spend --table orders --prove", sorted(FEATURE_RECIPE + TABLE_ORIGIN + VERDICTS + ["rejected[]: str", "unchanged: bool"])),
    ("features list", under("[]", sorted(FEATURE_RECIPE + VERDICTS + ["rejected[]: str"]))),
    ("features show spend", sorted(FEATURE_RECIPE + TABLE_ORIGIN + VERDICTS + FEATURE_SPEC + under("proof", RECIPE_PROOF) + ["rejected[]: str"])),
    ("features versions spend", under("[]", sorted(FEATURE_RECIPE + VERDICTS + ["rejected: []", "rejected[]: str", "verdicts: null"]))),
    ("features diff spend 1 2", RECIPE_DIFF),
    ("features apply spend orders --out {files}/features.parquet", ["columns[]: str", "fitted_on: int", "path: str", "rows: int", "table: str", "version: int"]),
    ("features materialize spend", sorted(TABLE + ONLINE_ORIGIN + ["unchanged: bool"])),
    ("features delete spend --yes", ["deleted_versions[]: int", "name: str"]),
    ("sql 'SELECT id, city FROM orders ORDER BY id' --limit 2", ["columns[]: str", "rows[][]: int|str", "truncated: bool"]),
    ("settings", SETTINGS),
    ("settings max_source_mb 100", SETTINGS),
    ("jobs list", under("[]", JOB)),
    ("jobs show {job}", sorted(JOB + ["log: []"])),
    ("jobs cancel {job}", sorted(set(JOB) - {"finished_at: null"} | {"finished_at: float"})),
    ("sources add {files}/shop.csv --name shop", sorted(SOURCE + ["unchanged: bool"])),
    ("train shop --target late --trials 2 --families linear", TRAINED),
    ("runs resume {run} --trials 3", TRAINED),
    ("runs list", under("[]", RUN_SUMMARY)),
    ("runs show {run}", RUN),
    ("runs cancel {queued_run}", ["answer: str", "job: int", "run: int", "status: str"]),
    ("predict shop_late:1 shop --out {files}/predictions.csv", ["model: str", "path: str", "rows: int", "version: int"]),
    ("models list", under("[]", MODEL_SUMMARY)),
    ("models versions shop_late", under("[]", MODEL_SUMMARY)),
    ("models show shop_late", MODEL),
    ("models promote shop_late 1 --alias production --reason 'pinned by the test'", PROMOTION),
    ("models promote shop_late 2 --reason 'pinned by the test'", PROMOTION),
    ("models validate shop_late 1", sorted(TEST_RUN)),
    ("models rollback shop_late", ALIAS_MOVE),
    ("models alias shop_late 2 staging", sorted(set(ALIAS_MOVE) - {"previous_version: int"} | {"previous_version: null"})),
    ("models unalias shop_late staging", sorted(set(ALIAS_MOVE) - {"version: int"} | {"version: null"})),
    ("models archive shop_late 2 --reason superseded", ARCHIVED),
    ("models unarchive shop_late 2", ARCHIVED),
    ("models audit", under("[]", sorted(AUDIT + ["tests.failed[]: str", "tests.passed: bool", "tests.run_id: int", "tests.total: int"]))),
    ("models audit shop_late --limit 3", under("[]", AUDIT)),
    ("models compare shop_late 1 2", COMPARISON),
    ("models export shop_late:1 --format mlflow --out {files}/mlflow_model", ["format: str", "max_difference: null", "model: str", "path: str", "rows_checked: null", "version: int"]),
    ("models card shop_late:1 --out {files}/card.md", ["card: str", "model: str", "path: str", "version: int"]),
]


@pytest.fixture
def run_json(tmp_path: Path) -> Callable[[str], Any]:
    files = tmp_path / "files"
    files.mkdir()
    frame = pd.DataFrame({
        "id": range(1, 11),
        "city": ["Paris", "Lyon", None, "Nice", "Paris"] * 2,
        "amount": [i * 1.5 for i in range(10)],
        "when": pd.date_range("2026-01-01", periods=10, freq="D"),
    })
    frame.to_csv(files / "orders.csv", index=False)
    frame.assign(amount=frame["amount"] + (frame["id"] == 4)).to_csv(files / "orders2.csv", index=False)
    (files / "recipe.json").write_text(json.dumps({"name": "by_id", "output": "ids", "inputs": ["orders"], "dedupe": {"method": "exact", "keys": ["id"]}, "id": "id"}))
    features = {
        "target": "amount", "time_column": "when", "columns": {"city": {"kind": "categorical"}, "when": {"kind": "date"}, "id": {"kind": "identifier"}},
        "expressions": [{"name": "city_length", "expr": "length(city)"}],
        "aggregates": [{"name": "city_orders_7d", "table": "orders", "entity": "city", "time": "when", "window": "7d", "function": "count"}],
    }  # fmt: skip
    (files / "features.json").write_text(json.dumps(features))
    (files / "features2.json").write_text(json.dumps({**features, "rejected": ["city_length"]}))
    shop = pd.DataFrame({"distance": [round(0.1 * i, 1) for i in range(120)], "city": ["north", "south", "east"] * 40})
    shop.assign(late=["late" if i % 7 < 3 or i > 80 else "on_time" for i in range(120)]).to_csv(files / "shop.csv", index=False)
    ws = tmp_path / "ws"
    values = {"files": str(files), "job": "", "run": "", "queued_run": ""}

    def run(command: str) -> Any:
        if command.startswith("jobs") and not values["job"]:
            values["job"] = str(Workspace.open(ws).jobs.submit("test.sleep", {"seconds": 30}, title="nap", launch=False))
        if "{run}" in command:
            values["run"] = str(Workspace.open(ws).runs.list()[0].id)
        if "{queued_run}" in command:
            params = {"table": "shop", "target": "late", "model": "queued", "trials": 1}
            values["queued_run"] = str(Workspace.open(ws).jobs.submit("training.run", params, title="queued", launch=False))
        args = shlex.split(command.format(**values)) + ["--workspace", str(ws)] + ([] if command.startswith("consolidate show") else ["--json"])
        # a blocked promotion or a failed validation prints its document, then exits 1
        return json.loads(cli(*args, check=not command.startswith(("models promote", "models validate"))).stdout)

    return run


def test_every_command_keeps_its_json(run_json):
    changed = []
    for command, pin in PINS:
        found = shape(run_json(command))
        if found != sorted(pin):
            gone, new = sorted(set(pin) - set(found)), sorted(set(found) - set(pin))
            changed.append(f"{command}: lost {gone}, gained {new}")
    assert not changed, "\n".join(changed)


def json_commands(group: click.Group, prefix: str = "") -> set[str]:
    """The command lines (``sources add``) of every command that takes --json."""
    found = set()
    for name, command in group.commands.items():
        path = f"{prefix} {name}".strip()
        if isinstance(command, click.Group):
            found |= json_commands(command, path)
        elif any(param.name == "as_json" for param in command.params):
            found.add(path)
    return found


def test_every_json_command_is_pinned():
    """A new command with --json gets its pin above (the demo's is in test_cli_app.py)."""
    commands = json_commands(main)
    pinned = {path for path in commands for command, _ in PINS if f"{command} ".startswith(f"{path} ")}
    assert commands - pinned == {"demo"}
