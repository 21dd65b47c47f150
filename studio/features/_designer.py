"""What the feature designer (the Features page) computes, without any UI: a column's
treatment as a few editable settings and back, and any feature's values on a sample before
and after its treatment, fitted by the same compiled pipeline training uses.

A treatment's settings keep the steps in the one order the designer offers (numbers: impute,
clip, log, standardize, bins; dates and text: extract, impute, log, standardize), so a
recipe file with, say, ``log`` before ``clip`` reads back in that order once edited."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from studio.errors import StudioError
from studio.features._compile import compile_pipeline
from studio.features._frame_steps import DeriveFeatures
from studio.features._kinds import named_like_identifier
from studio.features._recipe import FeatureRecipe
from studio.features._steps import DEFAULT_STEPS, parse_steps
from studio.tables import column_kind

PREVIEW_OUTPUTS = 8


def _step(steps: list[dict[str, Any]], op: str) -> dict[str, Any] | None:
    return next((s for s in steps if s["op"] == op), None)


def treatment_form(kind: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The settings of a ``kind`` treatment given as steps JSON (canonical, as ``to_json``
    writes it): what impute, clip, log, standardize, bins, the encoding, the date parts and
    the text statistics are set to. ``treatment_steps`` turns them back into steps."""
    impute = _step(steps, "impute")
    form: dict[str, Any] = {
        "impute": impute["strategy"] if impute else None,
        "impute_value": impute.get("value") if impute else None,
        "indicator": bool(impute and impute["indicator"]),
        "standardize": _step(steps, "standardize") is not None,
        "log": _step(steps, "log") is not None,
    }
    if kind == "numeric":
        clip, bins = _step(steps, "clip"), _step(steps, "bins")
        form |= {
            "clip_low": clip["low"] if clip else None, "clip_high": clip["high"] if clip else None,
            "bins": bins["n_bins"] if bins else None, "bins_encode": bins["encode"] if bins else "ordinal",
        }  # fmt: skip
    elif kind == "categorical":
        encoder = next(s for s in steps if s["op"] in ("one_hot", "ordinal", "target"))
        form |= {
            "encoding": encoder["op"], "min_frequency": encoder.get("min_frequency", 0.01), "max_categories": encoder.get("max_categories", 30),
            "categories": list(encoder.get("categories", [])), "smooth": encoder.get("smooth", "auto"),
        }  # fmt: skip
    elif kind == "date":
        parts, cyclic = _step(steps, "date_parts"), _step(steps, "cyclic")
        form |= {
            "parts": list(parts["parts"]) if parts else [], "cyclic": list(cyclic["parts"]) if cyclic else [],
            "elapsed": [{"since": s["since"], "unit": s["unit"]} for s in steps if s["op"] == "elapsed"],
        }  # fmt: skip
    elif kind == "text":
        stats = _step(steps, "text_stats")
        form["stats"] = list(stats["stats"]) if stats else []
    return form


def _impute(form: dict[str, Any]) -> list[dict[str, Any]]:
    if not form.get("impute"):
        return []
    step: dict[str, Any] = {"op": "impute", "strategy": form["impute"], "indicator": bool(form.get("indicator"))}
    if form["impute"] == "constant":
        step["value"] = form.get("impute_value")
    return [step]


def treatment_steps(kind: str, form: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps JSON of a ``kind`` treatment set as ``form`` says (see ``treatment_form``)."""
    steps: list[dict[str, Any]] = []
    if kind in ("date", "text"):
        if kind == "date":
            steps += [{"op": "date_parts", "parts": list(form["parts"])}] if form.get("parts") else []
            steps += [{"op": "cyclic", "parts": list(form["cyclic"])}] if form.get("cyclic") else []
            steps += [{"op": "elapsed", "since": e["since"], "unit": e["unit"]} for e in form.get("elapsed", []) if e.get("since")]
        else:
            steps += [{"op": "text_stats", "stats": list(form["stats"])}] if form.get("stats") else []
        steps += _impute(form)
        steps += [{"op": "log"}] if kind == "text" and form.get("log") else []
        steps += [{"op": "standardize"}] if form.get("standardize") else []
        return steps
    steps += _impute(form)
    if kind == "numeric":
        if form.get("clip_low") is not None or form.get("clip_high") is not None:
            steps.append({"op": "clip", "low": form.get("clip_low"), "high": form.get("clip_high")})
        steps += [{"op": "log"}] if form.get("log") else []
        steps += [{"op": "standardize"}] if form.get("standardize") else []
        steps += [{"op": "bins", "n_bins": int(form["bins"]), "encode": form.get("bins_encode", "ordinal")}] if form.get("bins") else []
    elif kind == "categorical":
        encoding = form.get("encoding", "one_hot")
        if encoding == "one_hot":
            steps.append({"op": "one_hot", "min_frequency": form.get("min_frequency", 0.01), "max_categories": form.get("max_categories", 30)})
        elif encoding == "ordinal":
            steps.append({"op": "ordinal", "categories": list(form.get("categories", []))})
        else:
            steps.append({"op": "target", "smooth": form.get("smooth", "auto")})
    return steps


def default_steps(kind: str) -> list[dict[str, Any]]:
    """The steps JSON a column of ``kind`` gets by default (when its kind is changed)."""
    return [step.to_json() for step in DEFAULT_STEPS[kind]]


def checked_steps(kind: str, steps: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """``steps`` in canonical JSON, or the one-line error naming what is wrong with them."""
    return [step.to_json() for step in parse_steps(steps, kind, f"columns.{name}.steps")]


def feature_names(recipe: FeatureRecipe) -> list[str]:
    """Every feature the recipe describes: its columns, aggregates and expressions."""
    return [*recipe.columns, *(a.name for a in recipe.aggregates), *(d.name for d in recipe.expressions)]


def feature_preview(sample: pd.DataFrame, recipe: FeatureRecipe, name: str, task: str | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """Feature ``name``'s values on ``sample`` (rows with the recipe's aggregates) before its
    treatment, and its model columns after it: the recipe's pipeline, with every other
    feature left out, fitted on the sample's rows that have a target. At most
    ``PREVIEW_OUTPUTS`` output columns (a one-hot of many categories has more)."""
    others = [n for n in feature_names(recipe) if n != name]
    if name not in feature_names(recipe):
        raise StudioError(f"the recipe has no feature {name!r}")
    if name in {d.name for d in recipe.expressions}:
        before = DeriveFeatures(tuple((d.name, d.expr) for d in recipe.expressions)).fit_transform(sample)[name]
    else:
        before = sample[name]
    treatment = recipe.columns.get(name)
    if (treatment is not None and treatment.drop) or name in recipe.rejected:
        return before, pd.DataFrame(index=sample.index)
    alone = replace(recipe, rejected=tuple(sorted(set(others) | set(recipe.rejected) - {name})))
    rows = sample[sample[recipe.target].notna()]
    if rows.empty:
        raise StudioError(f"no sampled row has a value for {recipe.target!r}; nothing to fit the preview on")
    pipeline = compile_pipeline(alone, task).fit(rows, rows[recipe.target])
    after = pd.DataFrame(np.asarray(pipeline.transform(sample), dtype=float), columns=[str(c) for c in pipeline.get_feature_names_out()], index=sample.index)
    return before, after.iloc[:, :PREVIEW_OUTPUTS]


# ------------------------------------------------------------ editing a recipe's JSON
# Each returns a new recipe JSON and replaces what it names (never appends a second one), so a
# click that lands twice changes nothing more; the caller checks the result with from_json.


def with_column(spec: dict[str, Any], name: str, kind: str, steps: list[dict[str, Any]], drop: bool) -> dict[str, Any]:
    """``spec`` with column ``name`` treated as ``kind`` by ``steps`` (or dropped)."""
    return {**spec, "columns": {**spec["columns"], name: {"kind": kind, "drop": drop, "steps": steps}}}


def with_item(spec: dict[str, Any], section: str, item: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with ``item`` as the entry of that name in ``section`` (expressions or
    aggregates): in the same place when it is there, else last."""
    items = list(spec.get(section) or [])
    names = [i["name"] for i in items]
    if item["name"] in names:
        items[names.index(item["name"])] = item
    else:
        items.append(item)
    return {**spec, section: items}


def without_item(spec: dict[str, Any], section: str, name: str) -> dict[str, Any]:
    return {**spec, section: [i for i in spec.get(section) or [] if i["name"] != name], "rejected": [r for r in spec.get("rejected") or [] if r != name]}


def with_rejected(spec: dict[str, Any], name: str, rejected: bool) -> dict[str, Any]:
    """``spec`` with feature ``name`` left out (``rejected``) or brought back."""
    names = [r for r in spec.get("rejected") or [] if r != name]
    return {**spec, "rejected": sorted([*names, name]) if rejected else names}


def same_but_rejected(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two recipe JSONs differ at most in the features they leave out: a proof of one
    is a proof of the other (the proof measures every feature, left out or not)."""
    return {k: v for k, v in a.items() if k != "rejected"} == {k: v for k, v in b.items() if k != "rejected"}


def event_tables(tables: dict[str, list[dict[str, Any]]], rows: str) -> list[str]:
    """The tables an aggregate over ``rows``'s entities may read, the likeliest first: those
    with a time column and a key column named like an identifier shared with ``rows``, then
    those with a time column, then the rest (each group in the order given, ``rows`` itself
    after the others)."""
    row_columns = {c["name"] for c in tables[rows]}

    def rank(name: str) -> int:
        columns = tables[name]
        timed = any(column_kind(c["type"]) == "temporal" for c in columns)
        keyed = any(c["name"] in row_columns and named_like_identifier(c["name"]) for c in columns)
        return 0 if timed and keyed else 1 if timed else 2

    return sorted(tables, key=lambda name: (rank(name), name == rows))


def entity_keys(events: list[dict[str, Any]], rows: list[dict[str, Any]], row_identifiers: Collection[str] = ()) -> list[str]:
    """The columns an event table shares with the rows that may key an aggregate (no times,
    no floating numbers): those named like an identifier first, but the ``row_identifiers``
    (a column that names each row, like an order id, is no entity others share) last."""
    row_types = {c["name"]: c["type"] for c in rows}
    shared = [c["name"] for c in events if c["name"] in row_types and column_kind(c["type"]) in ("text", "numeric", "boolean")
              and not c["type"].upper().startswith(("DOUBLE", "FLOAT", "REAL", "DECIMAL"))]  # fmt: skip
    return sorted(shared, key=lambda name: (name in row_identifiers, not named_like_identifier(name)))
