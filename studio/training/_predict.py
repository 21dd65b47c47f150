"""Batch prediction: a model version's fitted pipeline over a file or a lake table, streamed in
batches read by DuckDB, each checked against the version's input signature, written to one
Parquet or CSV file that appears only once every row is scored.

The output has one row per input row, in input order: ``prediction`` (a class label or a
number) and, for classifiers, ``proba_<class>`` for each class the model knows. Input columns
the model does not read are ignored; the target may be absent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from studio.errors import StudioError
from studio.lake import OutputFile, sql_literal
from studio.models import conform_frame

VECTORS_PER_BATCH = 25  # DuckDB vectors of 2,048 rows: ~51k rows per batch
# DuckDB reads text files as text: the signature, not a sniffer looking at the first rows,
# says what each column must be, and a bad value anywhere is named by the signature's check.
READERS = {
    ".csv": "read_csv({path}, all_varchar = true)",
    ".tsv": "read_csv({path}, all_varchar = true, delim = '\t')",
    ".parquet": "read_parquet({path})",
    ".json": "read_json_auto({path})",
    ".ndjson": "read_json_auto({path}, format = 'newline_delimited')",
}


def file_relation(path: Path) -> str:
    """The DuckDB relation that reads a prediction input file."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise StudioError(f"{path.name}: predict reads {', '.join(READERS)} files; convert it or load it as a source first")
    return reader.format(path=sql_literal(str(path)))


def batches(result: Any) -> Iterator[pd.DataFrame]:
    """The rows of a DuckDB result as frames of about 51k rows, in order."""
    while not (batch := result.fetch_df_chunk(VECTORS_PER_BATCH)).empty:
        yield batch


def prediction_table(pipeline: Any, frame: pd.DataFrame, task: str) -> pa.Table:
    """``prediction`` and, for a classifier, ``proba_<class>`` per class, for every row."""
    if task == "regression":
        return pa.table({"prediction": np.asarray(pipeline.predict(frame), dtype=np.float64)})
    proba = np.asarray(pipeline.predict_proba(frame), dtype=np.float64)
    classes = np.asarray(pipeline.classes_)
    columns: dict[str, Any] = {"prediction": pa.array(classes[proba.argmax(axis=1)].tolist())}
    columns.update({f"proba_{label}": proba[:, i] for i, label in enumerate(classes.tolist())})
    return pa.table(columns)


def predict_batches(
    batches: Iterator[pd.DataFrame],
    pipeline: Any,
    signature: dict[str, Any],
    task: str,
    target: Path,
    label: str,
    looked_up: list[str],
    progress: Callable[[int], None],
) -> int:
    """Score every batch into ``target`` (nothing is written unless all of them are); returns
    the rows written. ``looked_up`` are the aggregate columns the pipeline takes from its
    online table because the input lacks them (not filled with nulls here)."""
    with OutputFile.open(target, f"{label} has no rows; nothing to predict") as output:
        for batch in batches:
            try:
                features = conform_frame(batch, signature).drop(columns=looked_up)
            except StudioError as error:
                first, last = output.rows + 1, output.rows + len(batch)
                raise StudioError(f"{label} (rows {first:,}-{last:,}): {error.message}") from None
            output.write(prediction_table(pipeline, features, task))
            progress(output.rows)
    return output.rows
