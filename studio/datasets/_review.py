"""Fuzzy review: train and score a recipe's fuzzy step once (a job), keep the scored pairs,
then let a user move the threshold, look at pairs side by side and label them, cheaply.

A review lives in ``<workspace>/reviews/<key>/``: the rows the fuzzy step saw
(``rows.parquet``), every scored pair (``pairs.parquet``) and ``summary.json``. The key is the
recipe's hash without its labels and threshold, so labelling never invalidates the review.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.consolidate import FuzzyConfig, cluster_pairs, estimate_comparisons, resolve, suggest_threshold
from studio.datasets._build import ROW_ID, RecipePipeline
from studio.datasets._recipe import SOURCE_COLUMN, PairLabel, Recipe
from studio.errors import StudioError
from studio.jobs import JobContext
from studio.lake import sql_identifier, sql_literal
from studio.tables import TableStore

if TYPE_CHECKING:
    import pandas as pd

REVIEW_PAIRS = 50


def review_key(recipe: Recipe) -> str:
    spec = recipe.to_json()
    if spec.get("dedupe"):
        spec["dedupe"] = {k: v for k, v in spec["dedupe"].items() if k not in ("labels", "threshold", "survivorship")}
        if spec["dedupe"].get("config"):
            spec["dedupe"]["config"] = {k: v for k, v in spec["dedupe"]["config"].items() if k != "threshold"}
    spec.pop("name", None)
    spec.pop("output", None)
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:24]


@dataclass(frozen=True)
class FuzzyReview:
    folder: Path
    summary: dict[str, Any]

    @property
    def rows(self) -> str:
        return f"read_parquet({sql_literal(str(self.folder / 'rows.parquet'))})"

    @property
    def pairs(self) -> str:
        return f"read_parquet({sql_literal(str(self.folder / 'pairs.parquet'))})"

    @property
    def compared(self) -> list[str]:
        return [c["column"] for c in self.summary["config"]["comparisons"]]


class ReviewStore:
    """Scored fuzzy reviews of recipes, in ``<workspace>/reviews/``, over the recipes' inputs
    (read through ``datasets``, the store their outputs would be registered in)."""

    def __init__(self, datasets: TableStore) -> None:
        self.datasets = datasets
        self.lake = datasets.lake
        self.root = datasets.services.root / "reviews"

    def suggested_config(self, recipe: Recipe) -> FuzzyConfig:
        """The fuzzy settings the studio suggests for the recipe's prepared rows."""
        with RecipePipeline(self.datasets, recipe) as pipeline:
            pipeline.prepare()
            return pipeline.fuzzy_config()

    def comparison_estimates(self, recipe: Recipe, config: FuzzyConfig) -> list[dict[str, Any]]:
        """How many comparisons each blocking rule of ``config`` makes on the recipe's rows."""
        with RecipePipeline(self.datasets, recipe) as pipeline:
            pipeline.prepare()
            return estimate_comparisons(pipeline.con, "prepared", ROW_ID, config)

    def score(self, recipe: Recipe, context: JobContext | None = None) -> dict[str, Any]:
        """Train the recipe's fuzzy model and score every candidate pair; keep them for review."""
        step = recipe.dedupe
        if step is None or step.method != "fuzzy":
            raise StudioError("the recipe has no fuzzy deduplication step to review")
        context = context or JobContext()
        folder = self.root / review_key(recipe)
        staging = self.root / f".{uuid.uuid4().hex}"
        staging.mkdir(parents=True)
        try:
            with RecipePipeline(self.datasets, recipe, context) as pipeline:
                pipeline.prepare()
                config = pipeline.fuzzy_config()

                def progress(fraction: float, message: str) -> None:
                    context.progress(0.1 + 0.8 * fraction, message)

                result = resolve(pipeline.con, "prepared", ROW_ID, config, on_progress=progress, on_warning=lambda m: context.log(m, "warning"))
                identity = sql_identifier(recipe.id_column) if recipe.id_column else f"{ROW_ID}::VARCHAR"
                shown = ", ".join(sql_identifier(c) for c in dict.fromkeys([c.column for c in config.comparisons]))
                pipeline.con.execute(
                    f"COPY (SELECT {ROW_ID}, {SOURCE_COLUMN}::VARCHAR AS {SOURCE_COLUMN}, {identity}::VARCHAR AS record_id, {shown} FROM prepared ORDER BY {ROW_ID}) "
                    f"TO {sql_literal(str(staging / 'rows.parquet'))} (FORMAT parquet)"
                )
                pipeline.con.execute(f"COPY (SELECT * FROM {result.pairs} ORDER BY 1, 2) TO {sql_literal(str(staging / 'pairs.parquet'))} (FORMAT parquet)")
                rows = pipeline.count("sql")
            summary = {
                "config": config.to_json(),
                "rows": rows,
                "pairs": int(self._count(staging / "pairs.parquet")),
                "clusters": result.clusters,
                "weight_histogram": result.weight_histogram,
                "parameters": result.parameters,
            }
            (staging / "summary.json").write_text(json.dumps(summary, default=str))
            if folder.exists():
                shutil.rmtree(folder)
            staging.rename(folder)  # a finished folder moves into place in one step
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return {"review": folder.name, **{k: summary[k] for k in ("rows", "pairs", "clusters")}}

    def _count(self, path: Path) -> int:
        import pyarrow.parquet as pq

        return pq.read_metadata(path).num_rows

    def submit_score(self, recipe: Recipe) -> int:
        return self.datasets.services.submit_job("consolidate.score_fuzzy", {"recipe": recipe.to_json()}, f"Train and score fuzzy matching for {recipe.output}")

    def get(self, recipe: Recipe) -> FuzzyReview | None:
        folder = self.root / review_key(recipe)
        if not (folder / "summary.json").exists():
            return None
        return FuzzyReview(folder, json.loads((folder / "summary.json").read_text()))

    def threshold_stats(self, review: FuzzyReview, threshold: float, labels: Sequence[PairLabel]) -> dict[str, Any]:
        """Clusters, linked pairs and the largest cluster at ``threshold`` (labels applied),
        without retraining."""
        with self.lake.connect() as con:
            con.execute(f"CREATE TABLE rows AS SELECT * FROM {review.rows}")
            con.execute(f"CREATE TABLE pairs AS SELECT * FROM {review.pairs}")
            members = cluster_pairs(con, "rows", ROW_ID, "pairs", threshold, self._label_rows(con, labels))
            clusters, largest = con.execute(f"SELECT count(*), coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM {members} GROUP BY cluster_id)").fetchall()[0]
            linked = con.execute(f"SELECT count(*) FROM pairs WHERE match_probability >= {float(threshold)}").fetchall()[0][0]
        return {"clusters": int(clusters), "largest_cluster": int(largest), "linked_pairs": int(linked), "rows": review.summary["rows"]}

    def _label_rows(self, con: Any, labels: Sequence[PairLabel]) -> list[tuple[int, int, bool]]:
        if not labels:
            return []
        found = dict(((s, r), i) for s, r, i in con.execute(f"SELECT {SOURCE_COLUMN}, record_id, {ROW_ID} FROM rows").fetchall())
        return [(found[l.left], found[l.right], l.match) for l in labels if l.left in found and l.right in found]

    def pairs_for_review(self, review: FuzzyReview, threshold: float, limit: int = REVIEW_PAIRS, offset: int = 0) -> "pd.DataFrame":
        """Pairs closest to the threshold first (the ones worth a human look), each with both
        records' fields and the comparison levels."""
        left = ", ".join(f"l.{sql_identifier(c)} AS {sql_identifier(c + '_l')}" for c in review.compared)
        right = ", ".join(f"r.{sql_identifier(c)} AS {sql_identifier(c + '_r')}" for c in review.compared)
        gammas = ", ".join(f"p.{sql_identifier('gamma_' + c)}" for c in review.compared)
        with self.lake.connect() as con:
            return con.execute(
                f"SELECT l.{SOURCE_COLUMN} AS source_l, l.record_id AS id_l, r.{SOURCE_COLUMN} AS source_r, r.record_id AS id_r, "
                f"p.match_probability, p.match_weight, {left}, {right}, {gammas} "
                f"FROM {review.pairs} p JOIN {review.rows} l ON l.{ROW_ID} = p.{ROW_ID}_l JOIN {review.rows} r ON r.{ROW_ID} = p.{ROW_ID}_r "
                f"ORDER BY abs(p.match_probability - {float(threshold)}), p.{ROW_ID}_l, p.{ROW_ID}_r LIMIT {int(limit)} OFFSET {int(offset)}"
            ).df()

    def labelled_probabilities(self, review: FuzzyReview, labels: Sequence[PairLabel]) -> list[tuple[float, bool]]:
        """(probability, match) of each labelled pair; a pair never scored counts as 0."""
        with self.lake.connect() as con:
            con.execute(f"CREATE TABLE rows AS SELECT * FROM {review.rows}")
            rows = self._label_rows(con, labels)
            con.execute(f"CREATE TABLE pairs AS SELECT * FROM {review.pairs}")
            result = []
            for a, b, match in rows:
                low, high = min(a, b), max(a, b)
                found = con.execute(f"SELECT match_probability FROM pairs WHERE {ROW_ID}_l = {low} AND {ROW_ID}_r = {high}").fetchall()
                result.append((float(found[0][0]) if found else 0.0, match))
        return result

    def suggested_threshold(self, review: FuzzyReview, labels: Sequence[PairLabel]) -> float | None:
        return suggest_threshold(self.labelled_probabilities(review, labels))
