"""A recipe's rows and its fitted pipeline's output, computed in DuckDB and streamed.

Training rows get their entity aggregates point in time (``point_in_time_aggregates``, the
same SQL the proof uses), so no row sees its own future. ``apply_recipe`` fits the recipe's
pipeline on the table (a repeatable sample when the table is larger than ``FIT_ROWS``), then
transforms every row in batches, in the table's row order, and writes the features (and the
target) to a Parquet or CSV file atomically: the whole table never sits in memory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from studio.errors import StudioError
from studio.features._aggregates import point_in_time_aggregates
from studio.features._compile import compile_pipeline
from studio.features._recipe import FeatureRecipe
from studio.lake import OutputFile, output_path, sql_identifier

FIT_ROWS = 200_000
VECTORS_PER_BATCH = 25  # DuckDB vectors of 2,048 rows: ~51k rows per transformed batch
ROW = "__studio_row"


def rows_sql(con: duckdb.DuckDBPyConnection, relation: str, recipe: FeatureRecipe | None, sample: int | None = None, seed: int = 0) -> str:
    """SQL of the rows of ``relation`` (a ``read_parquet(...)`` of a lake table), each with
    its file row number as ``__studio_row`` and the recipe's aggregates computed point in time,
    in row order; ``sample`` rows (repeatable under ``seed``) when given."""
    base = f"SELECT *, file_row_number AS {ROW} FROM {relation}"
    if sample is not None:
        base += f" USING SAMPLE reservoir({int(sample)} ROWS) REPEATABLE ({int(seed)})"
    if recipe is None or not recipe.aggregates:
        return f"{base} ORDER BY {ROW}"
    if recipe.time_column is None:
        raise StudioError("recipe time_column: the aggregates need the time of each row (the moment they are computed before); name its column")
    return f"{point_in_time_aggregates(con, base, recipe.aggregates, recipe.time_column)} ORDER BY {ROW}"


def sample_frame(con: duckdb.DuckDBPyConnection, relation: str, recipe: FeatureRecipe | None, rows: int, seed: int = 0) -> pd.DataFrame:
    """A repeatable sample of at most ``rows`` rows, with the recipe's aggregates."""
    frame = con.execute(rows_sql(con, relation, recipe, sample=rows, seed=seed)).df()
    return frame.drop(columns=[ROW])


def apply_recipe(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    total_rows: int,
    recipe: FeatureRecipe,
    out: Path,
    overwrite: bool = False,
    progress: Callable[[float, str], None] | None = None,
) -> dict[str, Any]:
    """Fit ``recipe``'s pipeline on ``relation`` and write its output for every row to ``out``
    (.parquet or .csv; the target as the last column when the table has it). The rows it was
    fitted on get their cross-fitted values, so a target encoding never sees a row's own label. Returns
    {"path", "rows", "columns", "fitted_on"}."""
    report = progress or (lambda fraction, message: None)
    target = output_path(out, overwrite, "apply")
    columns = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}
    if ROW in columns or "file_row_number" in columns:
        raise StudioError("the table has a column named file_row_number (or __studio_row), which apply uses to keep the row order; rename it")
    if recipe.target not in columns:
        raise StudioError(f"the table has no column {recipe.target!r} (the recipe's target) to fit on")
    target_type = con.sql(f"SELECT {sql_identifier(recipe.target)} FROM {relation} LIMIT 0").to_arrow_table().schema.field(0).type
    report(0.05, "sampling the rows to fit on" if total_rows > FIT_ROWS else "reading the rows to fit on")
    fit_rows = con.execute(rows_sql(con, relation, recipe, sample=FIT_ROWS if total_rows > FIT_ROWS else None, seed=recipe.seed)).df()
    fit_rows = fit_rows[fit_rows[recipe.target].notna()]
    if fit_rows.empty:
        raise StudioError(f"no row has a value for {recipe.target!r}; nothing to fit the features on")
    report(0.2, f"fitting the features on {len(fit_rows):,} rows")
    pipeline = compile_pipeline(recipe)
    # The rows fitted on get their cross-fitted values (fit_transform): a target encoding fitted
    # on a row's own label would leak that label into its output.
    cross_fitted = np.asarray(pipeline.fit_transform(fit_rows.drop(columns=[ROW]), fit_rows[recipe.target]), dtype=float)
    fitted_position = pd.Series(np.arange(len(fit_rows)), index=fit_rows[ROW].to_numpy())
    names = [str(n) for n in pipeline.get_feature_names_out()]
    with OutputFile.open(target, "the table has no rows; nothing to apply the features to") as output:
        result = con.execute(rows_sql(con, relation, recipe))
        while not (batch := result.fetch_df_chunk(VECTORS_PER_BATCH)).empty:
            values = np.asarray(pipeline.transform(batch.drop(columns=[ROW])), dtype=float)
            position = fitted_position.reindex(batch[ROW].to_numpy()).to_numpy()
            fitted = ~np.isnan(position)
            values[fitted] = cross_fitted[position[fitted].astype(np.int64)]
            output.write(pa.table({
                **{name: values[:, i] for i, name in enumerate(names)},
                recipe.target: pa.array(batch[recipe.target].to_numpy(), type=target_type, from_pandas=True),
            }))
            report(0.25 + 0.7 * min(1.0, output.rows / max(1, total_rows)), f"{output.rows:,} of {total_rows:,} rows")
    written = output.rows
    return {"path": str(target), "rows": written, "columns": [*names, recipe.target], "fitted_on": len(fit_rows)}
