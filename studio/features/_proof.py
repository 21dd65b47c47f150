"""The feature proof: is each feature predictive, stable and free of leaks, before anything
trains?

It runs over a repeatable DuckDB sample of the table (so it stays fast on millions of rows),
with missing rates and cardinalities counted by DuckDB over the whole table. Per feature it
measures mutual information with the target (less its level under a shuffled target), a
cross-validated one-feature model's score, missingness, cardinality, stability over time
(PSI between time-ordered folds) and redundancy, and flags leaks with the reason: a feature
that alone predicts the target almost perfectly, an identifier, a time after the label time,
and a score that holds only when rows of one consolidated entity (``cluster_id``) sit on
both sides of a split. Each feature gets ``accept``, ``warn`` or ``reject``; the result is
plain JSON-able data.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd

from studio.errors import StudioError
from studio.features._aggregates import point_in_time_aggregates
from studio.features._coerce import as_category, as_datetime, as_float, as_text, epoch_seconds
from studio.features._frame_steps import DeriveFeatures
from studio.features._kinds import GROUP_COLUMN, classify, named_like_identifier
from studio.features._proof_stats import (
    adjusted_mutual_information,
    category_codes,
    cramers_v,
    psi_by_fold,
    quantile_codes,
    single_feature_score,
    spearman_matrix,
    splits,
    time_folds,
)
from studio.features._recipe import FeatureRecipe
from studio.features._transformers import date_part
from studio.lake import sql_identifier
from studio.tables import column_kind

SAMPLE_ROWS = 100_000
MODEL_ROWS = 50_000
AGGREGATES_PER_QUERY = 300
MAX_CLASSES = 50
LEAK_SCORE = {"regression": 0.95, "binary": 0.99, "multiclass": 0.98}
METRICS = {"regression": "r2", "binary": "roc_auc", "multiclass": "balanced_accuracy"}
NO_SIGNAL_MI = 0.005
CHANCE_SHUFFLES = 3
IDENTIFIER_NAMED_RATIO = 0.5
IDENTIFIER_RATIO = 0.95
MISSING_WARN, MISSING_REJECT = 0.5, 0.95
PSI_WARN = 0.25
REDUNDANT = 0.95
AFTER_LABEL_REJECT = 0.01
GROUP_GAIN_WARN = 0.1
SAMPLE_VIEW = "__studio_proof_sample"
NUMERIC_KINDS = ("numeric", "boolean", "date", "text")


def _column_stats(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> tuple[int, dict[str, tuple[int, int]]]:
    """Rows, and (missing, approximate distinct) per column over the whole table, in DuckDB."""
    total = con.execute(f"SELECT count(*) FROM {relation}").fetchone()
    rows = int(total[0]) if total else 0
    stats: dict[str, tuple[int, int]] = {}
    for start in range(0, len(columns), AGGREGATES_PER_QUERY // 2):
        batch = columns[start : start + AGGREGATES_PER_QUERY // 2]
        selects = [f"count({sql_identifier(c)}), approx_count_distinct({sql_identifier(c)})" for c in batch]
        values = con.execute(f"SELECT {', '.join(selects)} FROM {relation}").fetchone() or ()
        for index, name in enumerate(batch):
            stats[name] = (rows - int(values[2 * index]), int(values[2 * index + 1]))
    return rows, stats


def _sample(con: duckdb.DuckDBPyConnection, relation: str, rows: int, sample_rows: int, seed: int, recipe: FeatureRecipe | None, time_column: str | None) -> pd.DataFrame:
    """A repeatable sample in a fixed row order (so folds are repeatable too), with the
    recipe's aggregates computed point in time for the sampled rows."""
    sampled = f"SELECT * FROM {relation}" + (f" USING SAMPLE reservoir({int(sample_rows)} ROWS) REPEATABLE ({int(seed)})" if rows > sample_rows else "")
    frame = con.execute(f"{sampled} ORDER BY ALL").df()
    if recipe is None or not recipe.aggregates:
        return frame
    if time_column is None:
        raise StudioError("the recipe's aggregates need its time_column: the moment of each row they are computed before")
    con.register(SAMPLE_VIEW, frame)
    try:
        return con.execute(point_in_time_aggregates(con, f"SELECT * FROM {SAMPLE_VIEW}", recipe.aggregates, time_column) + " ORDER BY ALL").df()
    finally:
        con.unregister(SAMPLE_VIEW)


def _task(y: pd.Series, task: str | None) -> str:
    if task is not None:
        if task not in METRICS:
            raise StudioError(f"task {task!r} is not one of {', '.join(METRICS)}")
        return task
    distinct = y.nunique(dropna=True)
    if pd.api.types.is_numeric_dtype(y.dtype) and not pd.api.types.is_bool_dtype(y.dtype) and distinct > 20:
        return "regression"
    return "binary" if distinct <= 2 else "multiclass"


def _features(frame: pd.DataFrame, types: dict[str, str], target: str, recipe: FeatureRecipe | None) -> list[dict[str, Any]]:
    """(name, source, kind, values) of every column but the target, then the recipe's
    aggregates and expressions."""
    out = []
    for name in frame.columns:
        if name == target or (recipe is not None and name in recipe.aggregate_names()):
            continue
        treatment = recipe.columns.get(name) if recipe is not None else None
        if treatment is not None:
            kind = treatment.kind
        else:
            values = frame[name]
            non_null = int(values.notna().sum())
            lengths = values.dropna().astype(str).str.len() if types[name].upper().startswith("VARCHAR") else None
            stats = {"distinct": int(values.nunique(dropna=True)), "null_fraction": 1 - non_null / max(1, len(values))}
            if lengths is not None and len(lengths):
                stats["mean_length"] = float(lengths.mean())
            numbers = as_float(values) if pd.api.types.is_numeric_dtype(values.dtype) else None
            if numbers is not None and np.isfinite(numbers).any():
                stats["min"], stats["max"] = float(np.nanmin(numbers)), float(np.nanmax(numbers))
            kind = classify(name, types[name], stats, len(values))[0]
        out.append({"name": name, "source": "column", "kind": kind, "values": frame[name], "dropped": bool(treatment and treatment.drop)})
    if recipe is not None:
        for aggregate in recipe.aggregates:
            out.append({"name": aggregate.name, "source": "aggregate", "kind": "numeric", "values": frame[aggregate.name], "dropped": False})
        if recipe.expressions:
            derived = DeriveFeatures(tuple((d.name, d.expr) for d in recipe.expressions)).fit_transform(frame)
            for item in recipe.expressions:
                out.append({"name": item.name, "source": "expression", "kind": "numeric", "values": derived[item.name], "dropped": False})
    return out


def _encode(feature: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, bool]:
    """(numbers, codes, categorical) of one feature: numbers for the one-feature model and
    correlations (for categories, the code of every category), discrete codes for mutual
    information, PSI and Cramer's V (the most frequent categories, the rest pooled)."""
    kind, values = feature["kind"], feature["values"]
    if kind in ("numeric", "boolean"):
        numbers = as_float(values)
    elif kind == "date":
        numbers = _time_of_week(as_datetime(values))
    elif kind == "text":
        numbers = pd.Series(as_text(values), dtype=object).str.len().to_numpy(dtype=float, na_value=np.nan)
    else:
        categories = as_category(values)
        return category_codes(categories, top=None).astype(float), category_codes(categories), True
    return numbers, quantile_codes(numbers), False


def _time_of_week(times: np.ndarray) -> np.ndarray:
    """The hour of the week (0 Monday 00:00 to 167.98) of times that have a time of day, the day
    of the week of plain dates: the cycles a date feature's parts carry into the model."""
    missing = np.isnat(times)
    minutes = (times - times.astype("datetime64[D]")).astype("timedelta64[m]").astype(np.int64)
    day = date_part(times, "dayofweek")
    has_time = bool((minutes[~missing] != 0).any())
    numbers = day * 24 + minutes / 60 if has_time else day
    return np.where(missing, np.nan, numbers)


def prove_features(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    target: str,
    *,
    recipe: FeatureRecipe | None = None,
    time_column: str | None = None,
    group_column: str | None = None,
    task: str | None = None,
    sample_rows: int = SAMPLE_ROWS,
    seed: int = 0,
) -> dict[str, Any]:
    """Prove every feature of ``relation`` (a table, view or parenthesized query ``con`` can
    read) for predicting ``target``: with a recipe, its columns' kinds, aggregates and
    expressions; without, the table's columns as they are. ``time_column`` (default: the
    recipe's) is the label time and orders the stability folds; ``group_column`` (default: the
    recipe's, else ``cluster_id`` when the table has one) keeps groups on one side of splits."""
    try:
        types = {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
    except duckdb.Error as error:
        raise StudioError(f"cannot read the table to prove: {str(error).splitlines()[0]}") from None
    if target not in types:
        raise StudioError(f"the table has no column {target!r} to predict; columns: {', '.join(list(types)[:20])}")
    time_column = time_column or (recipe.time_column if recipe else None)
    group_column = group_column or (recipe.group_column if recipe else None) or (GROUP_COLUMN if GROUP_COLUMN in types and target != GROUP_COLUMN else None)
    for what, name in (("time column", time_column), ("group column", group_column)):
        if name is not None and name not in types:
            raise StudioError(f"the table has no {what} {name!r}")
    rows, stats = _column_stats(con, relation, list(types))
    frame = _sample(con, relation, rows, sample_rows, seed, recipe, time_column)
    frame = frame[frame[target].notna()].reset_index(drop=True)
    for name, type_name in types.items():
        if column_kind(type_name) == "other" and name != target:  # lists, structs, blobs: compared as their text
            frame[name] = frame[name].map(lambda value: None if value is None else str(value)).astype(object)
    if len(frame) < 10:
        raise StudioError(f"only {len(frame)} rows have a value for {target!r}; the proof needs at least 10")
    task = _task(frame[target], task)
    return _prove(frame, types, target, task, rows, stats, recipe, time_column, group_column, seed)


def _prove(
    frame: pd.DataFrame,
    types: dict[str, str],
    target: str,
    task: str,
    rows: int,
    stats: dict[str, tuple[int, int]],
    recipe: FeatureRecipe | None,
    time_column: str | None,
    group_column: str | None,
    seed: int,
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    model_rows = np.sort(rng.permutation(len(frame))[: min(MODEL_ROWS, len(frame))])
    y_all = frame[target]
    if task == "regression":
        y = as_float(y_all)
        y_codes = quantile_codes(y)
    else:
        y_codes = category_codes(as_category(y_all))
        if task == "multiclass" and len(np.unique(y_codes)) > MAX_CLASSES:
            raise StudioError(f"{target!r} has over {MAX_CLASSES} classes; give task regression if it is a number")
        y = y_codes
    shuffled = [rng.permutation(y_codes) for _ in range(CHANCE_SHUFFLES)]
    times = epoch_seconds(as_datetime(frame[time_column])) if time_column else None
    groups = as_category(frame[group_column]) if group_column else None
    method = "time" if time_column else "group" if group_column else "random"
    group_codes = None if groups is None else np.unique(np.where(pd.isna(groups), "", groups).astype(str), return_inverse=True)[1]
    m_times = None if times is None else np.nan_to_num(times[model_rows], nan=-np.inf)
    m_groups = None if group_codes is None else group_codes[model_rows]
    classification = task != "regression"
    chosen = splits(method, len(model_rows), y_codes[model_rows], classification, m_times, m_groups, seed)
    random_split = splits("random", len(model_rows), y_codes[model_rows], classification, None, None, seed) if group_codes is not None else None
    folds = time_folds(np.nan_to_num(times, nan=-np.inf)) if times is not None else None
    label_times = as_datetime(frame[time_column]) if time_column else None

    features = _features(frame, types, target, recipe)
    results = []
    encoded = []
    for feature in features:
        numbers, codes, categorical = _encode(feature)
        encoded.append((numbers, codes, categorical))
        name = feature["name"]
        values = feature["values"]
        missing, distinct = stats.get(name, (int(values.isna().sum()), int(values.nunique(dropna=True))))
        total = rows if name in stats else len(frame)
        result: dict[str, Any] = {
            "name": name,
            "source": feature["source"],
            "kind": feature["kind"],
            "mutual_info": round(adjusted_mutual_information(codes, y_codes, shuffled), 6),
            "single_feature_score": _rounded(single_feature_score(numbers[model_rows], categorical, y[model_rows], task, chosen, seed)),
            "missing_rate": round(missing / total, 6) if total else 0.0,
            "cardinality": distinct,
            "psi": None,
            "reasons": [],
        }
        if random_split is not None:
            result["random_split_score"] = _rounded(single_feature_score(numbers[model_rows], categorical, y[model_rows], task, random_split, seed))
        if folds is not None and name != time_column:
            result["psi"] = round(max(psi_by_fold(codes, folds)), 6)
        if label_times is not None and feature["kind"] == "date" and name != time_column:
            mine = as_datetime(values)
            both = ~np.isnat(mine) & ~np.isnat(label_times)
            result["after_label_time"] = round(float((mine[both] > label_times[both]).mean()) if both.any() else 0.0, 6)
        if feature["dropped"]:
            result["dropped_in_recipe"] = True
        results.append(result)
    redundancy = _redundancy(results, encoded, model_rows)
    baseline = {"regression": 0.0, "binary": 0.5, "multiclass": 1.0 / max(2, len(np.unique(y_codes)))}[task]
    for result, feature in zip(results, features):
        _verdict(result, feature, task, baseline, time_column, group_column, len(frame))
    order = sorted(range(len(results)), key=lambda i: (-results[i]["mutual_info"], results[i]["name"]))
    return {
        "target": target,
        "task": task,
        "metric": METRICS[task],
        "rows": rows,
        "sample_rows": len(frame),
        "split": _split_summary(method, time_column, group_column, group_codes),
        "redundancy": redundancy,
        "features": [results[i] for i in order],
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def _split_summary(method: str, time_column: str | None, group_column: str | None, group_codes: np.ndarray | None) -> dict[str, Any]:
    summary: dict[str, Any] = {"method": method, "time_column": time_column, "group_column": group_column}
    if group_codes is not None:
        counts = np.bincount(group_codes)
        summary["rows_in_shared_groups"] = round(float((counts[group_codes] > 1).mean()), 6)
        summary["recommended"] = "group"
    return summary


def _redundancy(results: list[dict[str, Any]], encoded: list[tuple[np.ndarray, np.ndarray, bool]], rows: np.ndarray) -> list[dict[str, Any]]:
    """Groups of features that carry the same information: |Spearman| for numbers, Cramer's V
    for categories. The strongest single feature of a group is kept; the others are marked."""
    numeric = [i for i, (_n, _c, categorical) in enumerate(encoded) if not categorical]
    categorical = [i for i, (_n, _c, is_categorical) in enumerate(encoded) if is_categorical]
    pairs: list[tuple[int, int, float]] = []
    if len(numeric) > 1:
        matrix = spearman_matrix([encoded[i][0][rows] for i in numeric])
        for a in range(len(numeric)):
            for b in range(a + 1, len(numeric)):
                if abs(matrix[a, b]) >= REDUNDANT:
                    pairs.append((numeric[a], numeric[b], abs(float(matrix[a, b]))))
    for a_index, a in enumerate(categorical):
        for b in categorical[a_index + 1 :]:
            strength = cramers_v(encoded[a][1][rows], encoded[b][1][rows])
            if strength >= REDUNDANT:
                pairs.append((a, b, strength))
    parent = list(range(len(results)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b, _strength in pairs:
        parent[root(a)] = root(b)
    members: dict[int, list[int]] = {}
    for a, b, _strength in pairs:
        members.setdefault(root(a), [])
    for i in range(len(results)):
        if root(i) in members:
            members[root(i)].append(i)
    groups = []
    for group in members.values():
        keep = max(group, key=lambda i: (results[i]["single_feature_score"] or -np.inf, results[i]["mutual_info"], results[i]["name"]))
        strength = max(s for a, b, s in pairs if a in group and b in group)
        for i in group:
            if i != keep:
                results[i]["redundant_with"] = results[keep]["name"]
        groups.append({"features": sorted(results[i]["name"] for i in group), "keep": results[keep]["name"], "association": round(strength, 6)})
    return sorted(groups, key=lambda g: g["keep"])


def _verdict(result: dict[str, Any], feature: dict[str, Any], task: str, baseline: float, time_column: str | None, group_column: str | None, sample_rows: int) -> None:
    """Fill ``reasons`` and ``verdict``: reject on any reject reason, else warn on any warning."""
    rejects: list[str] = []
    warnings: list[str] = []
    name, kind = result["name"], result["kind"]
    score, metric = result["single_feature_score"], METRICS[task]
    values = feature["values"]
    non_null = int(values.notna().sum())
    distinct_share = values.nunique(dropna=True) / non_null if non_null else 0.0
    if kind == "other":
        rejects.append("its values (lists, structures, binary) are not model input")
    if result["cardinality"] <= 1:
        rejects.append("constant: " + ("no value at all" if result["cardinality"] == 0 else "one value only"))
    if score is not None and score >= LEAK_SCORE[task]:
        rejects.append(f"leak: alone it predicts the target almost perfectly ({metric} {score:.3f}); is it known at prediction time?")
    if kind in ("identifier", "categorical", "text") or (kind == "numeric" and pd.api.types.is_integer_dtype(values.dtype)):
        if named_like_identifier(name) and distinct_share >= IDENTIFIER_NAMED_RATIO:
            rejects.append(f"identifier: named like one, and {distinct_share:.0%} of its values are distinct")
        elif distinct_share >= IDENTIFIER_RATIO and non_null >= 50 and kind != "text":
            rejects.append(f"identifier-like: {distinct_share:.0%} of its values are distinct, so it names rows rather than describing them")
        elif named_like_identifier(name) and name != group_column:
            warnings.append("named like an identifier: it stands for an entity; keep it only if the same entities come back at prediction time")
    if name == group_column:
        rejects.append("the group column: it names the consolidated entity and is used to split, not to predict")
    after = result.get("after_label_time")
    if after is not None and after > 0:
        message = f"time leak: after the label time ({time_column}) in {after:.1%} of rows, so it is not known when predicting"
        (rejects if after >= AFTER_LABEL_REJECT else warnings).append(message)
    if result["missing_rate"] >= MISSING_REJECT:
        rejects.append(f"missing in {result['missing_rate']:.0%} of rows")
    elif result["missing_rate"] >= MISSING_WARN:
        warnings.append(f"missing in {result['missing_rate']:.0%} of rows")
    if result["psi"] is not None and result["psi"] >= PSI_WARN:
        warnings.append(f"unstable over time: PSI {result['psi']:.2f} between the first and a later time fold")
    if result.get("redundant_with"):
        warnings.append(f"redundant: carries the same information as {result['redundant_with']}")
    random_score = result.get("random_split_score")
    if random_score is not None and score is not None and random_score - score >= GROUP_GAIN_WARN:
        warnings.append(
            f"entity leak: scores {random_score:.2f} when rows of one {group_column} sit on both sides of a split, "
            f"{score:.2f} when they do not; it memorizes entities"
        )
    if not rejects and result["mutual_info"] < NO_SIGNAL_MI and (score is None or score <= baseline + 0.01):
        warnings.append(f"no signal: barely related to the target on {sample_rows:,} sampled rows")
    result["reasons"] = rejects + warnings
    result["verdict"] = "reject" if rejects else "warn" if warnings else "accept"
