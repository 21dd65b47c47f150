"""A feature recipe compiled to ONE scikit-learn Pipeline, used unchanged by training, batch
scoring and the server.

    Pipeline([
        ("input", InputColumns(...)),          # the recipe's columns; others are ignored
        ("aggregates", EntityLookup(...)),     # only with aggregates: from X, else the online table
        ("expressions", DeriveFeatures(...)),  # only with expressions
        ("encode", ColumnTransformer([...])),  # one chain per group of columns treated alike
    ])

Columns with the same kind and steps share one chain (fewer Python calls per request), and a
missing-value indicator is its own ColumnTransformer entry beside the value chain, so scaling
never touches the 0/1 indicator. Everything inside is a plain estimator with plain parameters:
no lambdas or closures, so skops saves it with the types in ``TRUSTED_TYPES``.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler, TargetEncoder

from studio.errors import StudioError
from studio.features._frame_steps import DeriveFeatures, EntityLookup, InputColumns
from studio.features._recipe import FeatureRecipe
from studio.features._steps import (
    Bins,
    Clip,
    Cyclic,
    DateParts,
    Elapsed,
    Impute,
    Log,
    OneHot,
    Ordinal,
    Standardize,
    Step,
    TargetEncode,
    TextStats,
)
from studio.features._transformers import (
    Categories,
    DateFeatures,
    MissingIndicator,
    OneHotRare,
    OrdinalCodes,
    QuantileBins,
    SignedLog,
    ToNumbers,
)
from studio.features._transformers import Clip as ClipTransformer
from studio.features._transformers import Impute as ImputeTransformer
from studio.features._transformers import TextStats as TextStatsTransformer

TARGET_TYPES = {None: "auto", "regression": "continuous", "binary": "binary", "multiclass": "multiclass"}
TARGET_ENCODER_FOLDS = 5

_STUDIO_CLASSES = (
    InputColumns, EntityLookup, DeriveFeatures, ToNumbers, ImputeTransformer, ClipTransformer, SignedLog, QuantileBins,
    Categories, OrdinalCodes, OneHotRare, MissingIndicator, DateFeatures, TextStatsTransformer,
)  # fmt: skip
# Every type in a compiled pipeline that skops does not already trust: the studio's own
# transformers, and the fold splitter the target encoder keeps as its ``cv`` parameter.
TRUSTED_TYPES: list[str] = [f"{cls.__module__}.{cls.__qualname__}" for cls in _STUDIO_CLASSES] + [f"{KFold.__module__}.{KFold.__qualname__}"]


def _value_steps(steps: tuple[Step, ...]) -> list[Any]:
    """Transformers for the number-valued steps (after any extraction)."""
    out: list[Any] = []
    for step in steps:
        if isinstance(step, Impute):
            out.append(ImputeTransformer(step.strategy, step.value if isinstance(step.value, float) else None))
        elif isinstance(step, Clip):
            out.append(ClipTransformer(step.low, step.high))
        elif isinstance(step, Log):
            out.append(SignedLog())
        elif isinstance(step, Standardize):
            out.append(StandardScaler())
        elif isinstance(step, Bins):
            out.append(QuantileBins(step.n_bins, step.encode))
    return out


def _encoders(step: Step, task: str | None, seed: int) -> list[Any]:
    """The encoding of canonical category text. The target encoder gets category codes: on
    numbers scikit-learn looks categories up by sorting, where on text it builds a dict of
    every category on each call (slow for one record)."""
    if isinstance(step, OneHot):
        return [OneHotRare(step.min_frequency, step.max_categories)]
    if isinstance(step, Ordinal):
        return [OrdinalCodes(step.categories)]
    assert isinstance(step, TargetEncode)
    encoder = TargetEncoder(target_type=TARGET_TYPES[task], smooth=step.smooth, cv=KFold(TARGET_ENCODER_FOLDS, shuffle=True, random_state=seed))
    return [OrdinalCodes(), encoder]


def _chain(kind: str, steps: tuple[Step, ...], task: str | None, seed: int) -> list[Any]:
    if kind in ("numeric", "boolean"):
        return [ToNumbers(boolean=kind == "boolean"), *_value_steps(steps)]
    if kind == "categorical":
        first = steps[0]
        categories = Categories(first.strategy, first.value) if isinstance(first, Impute) else Categories()
        return [categories, *_encoders(steps[-1], task, seed)]
    if kind == "date":
        parts = next((s.parts for s in steps if isinstance(s, DateParts)), ())
        cyclic = next((s.parts for s in steps if isinstance(s, Cyclic)), ())
        elapsed = tuple((s.since, s.unit) for s in steps if isinstance(s, Elapsed))
        return [DateFeatures(parts, cyclic, elapsed), *_value_steps(steps)]
    stats = next(s.stats for s in steps if isinstance(s, TextStats))
    return [TextStatsTransformer(stats), *_value_steps(steps)]


def _as_pipeline(chain: list[Any]) -> Any:
    return chain[0] if len(chain) == 1 else Pipeline([(f"step{i}", t) for i, t in enumerate(chain)])


def _encoded(recipe: FeatureRecipe) -> list[tuple[str, str, tuple[Step, ...]]]:
    """(name, kind, steps) of every feature that reaches the model, in output order: raw
    columns by name, then aggregates, then expressions."""
    aggregates, expressions = recipe.computed()
    features = [(name, recipe.columns[name].kind, recipe.columns[name].steps) for name in recipe.used_columns()]
    features += [(a.name, "numeric", a.steps) for a in aggregates if recipe.is_used(a.name)]
    features += [(d.name, "numeric", d.steps) for d in expressions if recipe.is_used(d.name)]
    return features


def compile_pipeline(recipe: FeatureRecipe, task: str | None = None) -> Pipeline:
    """The unfitted feature Pipeline of ``recipe``. ``task`` (regression, binary, multiclass;
    None guesses from the target) tells target encoders what the target is; training passes
    the task it detected, so a whole-number regression target is not read as classes."""
    if task not in TARGET_TYPES:
        raise StudioError(f"task {task!r} is not one of regression, binary, multiclass")
    features = _encoded(recipe)
    if not features:
        raise StudioError("the recipe leaves no feature for the model: every column is dropped or rejected")
    groups: dict[str, tuple[str, tuple[Step, ...], list[str]]] = {}
    for name, kind, steps in features:
        key = json.dumps([kind, [s.to_json() for s in steps]], sort_keys=True)
        if any(isinstance(s, Elapsed) for s in steps):
            key += "\0" + name  # its input is this date and its since-columns: a chain of its own
        groups.setdefault(key, (kind, steps, []))[2].append(name)
    entries: list[tuple[str, Any, list[str]]] = []
    indicated: dict[str, str] = {}  # column -> kind, for the columns whose missing values get a 0/1 column
    for index, (kind, steps, names) in enumerate(groups.values()):
        inputs = names + [s.since for s in steps if isinstance(s, Elapsed)]
        entries.append((f"{kind}{index}", _as_pipeline(_chain(kind, steps, task, recipe.seed)), inputs))
        if any(isinstance(s, Impute) and s.indicator for s in steps):
            indicated.update((name, kind) for name in names)
    if indicated:
        entries.append(("missing", MissingIndicator(tuple(indicated.values())), list(indicated)))
    encode = ColumnTransformer(entries, remainder="drop", verbose_feature_names_out=False, sparse_threshold=0.0)
    aggregates, expressions = recipe.computed()
    steps: list[tuple[str, Any]] = [("input", InputColumns(tuple(recipe.input_columns()), tuple(a.name for a in aggregates)))]
    if aggregates:
        steps.append(("aggregates", EntityLookup(tuple((a.name, a.entity, a.function) for a in aggregates))))
    if expressions:
        steps.append(("expressions", DeriveFeatures(tuple((d.name, d.expr) for d in expressions))))
    steps.append(("encode", encode))
    return Pipeline(steps)


def set_online_table(pipeline: Any, frame: pd.DataFrame) -> int:
    """Give every entity-lookup step inside ``pipeline`` (a feature pipeline, or a model
    pipeline holding one) the online table; returns how many steps took it."""
    found = 0
    for step in _walk(pipeline):
        if isinstance(step, EntityLookup):
            step.set_online_table(frame)
            found += 1
    return found


def _walk(estimator: Any) -> list[Any]:
    out = [estimator]
    if isinstance(estimator, Pipeline):
        for _name, step in estimator.steps:
            out += _walk(step)
    return out
