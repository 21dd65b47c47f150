"""Ways out of the studio: a model version as an MLflow model directory (sklearn and pyfunc
flavours, stored as skops with the same allow-list) and as an ONNX graph where skl2onnx can
convert every step, checked against the scikit-learn pipeline on sample rows before it is
written. Both need the optional extra ``studio[export]``."""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import shutil
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import skops.io as sio

from studio.errors import StudioError
from studio.lake import atomic_replace, fsync_path
from studio.models import ModelStore, ModelVersion, artifact_bytes, column_kind

EXTRA = "pip install 'studio[export]'"
PARITY_ROWS = 1000
PARITY_TOLERANCE = 1e-4  # relative and absolute: ONNX computes in float32


def _require(module: str, what: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise StudioError(f"{what} needs the optional package {module.split('.')[0]!r}: {EXTRA}") from None


def _version(package: str) -> str:
    return importlib.metadata.version(package)


def _fresh_target(path: Path) -> Path:
    path = Path(path).expanduser().resolve()
    if path.exists():
        raise StudioError(f"{path} already exists: export to a new folder or remove it first")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def export_mlflow(pipeline: Any, path: Path, *, sample: pd.DataFrame | None = None, trusted_extra: Iterable[str] = (), predict_fn: str = "predict") -> Path:
    """Write ``pipeline`` as an MLflow model directory at ``path`` (which must not exist),
    loadable with ``mlflow.pyfunc.load_model``. ``sample`` (input rows) gives the MLflow
    signature; ``predict_fn`` is what pyfunc's ``predict`` calls (``predict_proba`` for
    probabilities). The directory appears whole or not at all."""
    mlflow_sklearn = _require("mlflow.sklearn", "MLflow export")
    models = _require("mlflow.models", "MLflow export")
    if not hasattr(pipeline, predict_fn):
        raise StudioError(f"the model has no {predict_fn}: use predict_fn='predict'")
    target = _fresh_target(path)
    untrusted = sio.get_untrusted_types(data=artifact_bytes(pipeline, trusted_extra))
    requirements = [f"scikit-learn=={_version('scikit-learn')}", f"skops=={_version('skops')}", f"numpy=={_version('numpy')}", f"pandas=={_version('pandas')}"]
    if any(name.startswith("lightgbm.") for name in untrusted):
        requirements.append(f"lightgbm=={_version('lightgbm')}")
    if any(name.startswith("studio.") for name in untrusted):
        requirements.append(f"studio=={_version('studio')}")
    signature = None
    if sample is not None and len(sample):
        rows = sample.head(PARITY_ROWS)
        signature = models.infer_signature(_plain_frame(rows), getattr(pipeline, predict_fn)(rows))
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        mlflow_sklearn.save_model(
            pipeline,
            str(temp),
            serialization_format="skops",
            skops_trusted_types=untrusted,
            pip_requirements=requirements,
            signature=signature,
            pyfunc_predict_fn=predict_fn,
        )
        for file in temp.rglob("*"):
            if file.is_file():
                fsync_path(file)
        os.replace(temp, target)
        fsync_path(target.parent)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return target


def _plain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as object, the form MLflow's schema inference reads. Whole-number columns
    stay integers: MLflow refuses to read integers into a double schema, so a caller with
    nulls in such a column sends it as floats, as MLflow documents."""
    return frame.astype({name: object for name in frame.columns if pd.api.types.is_string_dtype(frame[name].dtype)})


def _leaf_steps(estimator: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every leaf estimator of a pipeline, column transformer or feature union, with its path."""
    if hasattr(estimator, "steps"):
        for name, step in estimator.steps:
            yield from _leaf_steps(step, f"{path}/{name}" if path else name)
    elif hasattr(estimator, "transformers_"):
        for name, step, _ in estimator.transformers_:
            if not isinstance(step, str):
                yield from _leaf_steps(step, f"{path}/{name}" if path else name)
    elif hasattr(estimator, "transformer_list"):
        for name, step in estimator.transformer_list:
            yield from _leaf_steps(step, f"{path}/{name}" if path else name)
    elif estimator not in (None, "passthrough", "drop"):
        yield path, estimator


def unsupported_onnx_steps(pipeline: Any) -> list[str]:
    """``path (ClassName)`` of each step skl2onnx has no converter for (its registry of
    converters by class, which the public ``supported_converters`` lists only by alias)."""
    operators = _require("skl2onnx._supported_operators", "ONNX export")
    supported = operators.sklearn_operator_name_map
    return [f"{path or 'model'} ({type(step).__name__})" for path, step in _leaf_steps(pipeline, "") if type(step) not in supported]


def export_onnx(pipeline: Any, sample: pd.DataFrame, path: Path, *, tolerance: float = PARITY_TOLERANCE) -> dict[str, Any]:
    """Write ``pipeline`` as an ONNX model at ``path`` when skl2onnx converts every step and the
    ONNX outputs (probabilities for a classifier, values for a regressor) agree with the
    pipeline's on up to 1,000 ``sample`` rows within ``tolerance``; a one-line refusal naming
    the unsupported step or the difference otherwise. Returns the path and the parity check."""
    skl2onnx = _require("skl2onnx", "ONNX export")
    data_types = _require("skl2onnx.common.data_types", "ONNX export")
    runtime = _require("onnxruntime", "ONNX export")
    unsupported = unsupported_onnx_steps(pipeline)
    if unsupported:
        raise StudioError(f"cannot export to ONNX: skl2onnx has no converter for step {unsupported[0]}; keep the skops artifact, or train with supported steps")
    columns = [str(name) for name in getattr(pipeline, "feature_names_in_", sample.columns)]
    missing = [name for name in columns if name not in sample.columns]
    if missing:
        raise StudioError(f"the ONNX sample has no column {missing[0]!r}: pass rows of the model's input columns")
    rows = sample[columns].head(PARITY_ROWS).reset_index(drop=True)
    inputs, feed = [], {}
    for name in columns:
        kind = column_kind(rows[name])
        if kind == "temporal":
            raise StudioError(f"cannot export to ONNX: input column {name!r} is a date, and ONNX inputs are numbers or text; keep the skops artifact")
        if kind in ("numeric", "boolean"):
            inputs.append((name, data_types.FloatTensorType([None, 1])))
            feed[name] = pd.to_numeric(rows[name], errors="coerce").to_numpy(dtype="float32").reshape(-1, 1)
        else:
            inputs.append((name, data_types.StringTensorType([None, 1])))
            feed[name] = rows[name].astype(object).where(rows[name].notna(), "").astype(str).to_numpy(dtype=object).reshape(-1, 1)
    classifier = hasattr(pipeline, "predict_proba")
    final = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    options = {id(final): {"zipmap": False}} if classifier else None
    try:
        graph = skl2onnx.to_onnx(pipeline, initial_types=inputs, options=options)
        session = runtime.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
        outputs = session.run(None, feed)
    except (RuntimeError, ValueError, TypeError, NotImplementedError, KeyError) as error:
        first = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
        raise StudioError(f"cannot export to ONNX: skl2onnx could not convert the pipeline ({first}); keep the skops artifact") from None
    expected = pipeline.predict_proba(rows) if classifier else pipeline.predict(rows)
    produced = np.asarray(outputs[1] if classifier else outputs[0], dtype="float64").reshape(np.shape(expected))
    difference = float(np.max(np.abs(produced - expected))) if len(rows) else 0.0
    if not np.allclose(produced, expected, rtol=tolerance, atol=tolerance):
        raise StudioError(
            f"cannot export to ONNX: its outputs differ from the scikit-learn pipeline by up to {difference:.3g} on {len(rows)} sample rows "
            f"(tolerance {tolerance:g}); keep the skops artifact"
        )
    target = _fresh_target(path)
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        temp.write_bytes(graph.SerializeToString())
        atomic_replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return {"path": str(target), "rows_checked": len(rows), "max_difference": difference}


EXPORT_FORMATS = ("mlflow", "onnx")


def export_version(models: ModelStore, version: ModelVersion, fmt: str, out: Path) -> dict[str, Any]:
    """Export a stored model version (sha256 and allow-list checked on load) as an MLflow model
    folder at ``out``, or as an ONNX file (``out`` itself when it ends in .onnx, else
    ``out/<name>_v<version>.onnx``) checked against the pipeline on the version's holdout rows.
    Returns what the CLI prints: model, version, format, path and the ONNX parity check."""
    if fmt not in EXPORT_FORMATS:
        raise StudioError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    pipeline = models.load(version)
    try:
        sample = models.holdout(version).drop(columns=[version.target], errors="ignore")
    except StudioError:
        sample = None
    out = Path(out).expanduser()
    written: dict[str, Any] = {"model": version.name, "version": version.version, "format": fmt, "rows_checked": None, "max_difference": None}
    if fmt == "mlflow":
        path = export_mlflow(pipeline, out, sample=sample, trusted_extra=models.trusted_types())
        return {**written, "path": str(path)}
    if sample is None or not len(sample):
        raise StudioError(f"model {version.name} v{version.version} has no holdout rows to check the ONNX graph against; train it again")
    target = out if out.suffix.lower() == ".onnx" else out / f"{version.name}_v{version.version}.onnx"
    checked = export_onnx(pipeline, sample, target)
    return {**written, "path": checked["path"], "rows_checked": checked["rows_checked"], "max_difference": checked["max_difference"]}
