"""The ML test suite as data: which tests run and their thresholds, saved as JSON with a model
(the "suite file"). Every section has good defaults; ``false`` turns a section off; the user
adds invariance and directional tests. ``SuiteSpec.from_json`` refuses a bad file with one line
naming the JSON path, like ``suite.latency.max_ms_per_record: expected a number``.

    {"metric": "roc_auc",
     "holdout": {"floor": 0.75},
     "no_regression": {"confidence": 0.95, "resamples": 1000, "margin": 0.0},
     "slices": {"margin": 0.1, "min_rows": 30, "columns": ["city", "vehicle"]},
     "invariance": [{"feature": "customer_name"}, {"feature": "channel", "values": ["web", "app"]}],
     "directional": [{"feature": "distance_km", "expect": "higher"}],
     "calibration": {"max_error": 0.05},
     "latency": {"max_ms_per_record": 100},
     "artifact": {"max_mb": 500},
     "expectations": {"max_psi": 0.25, "max_null_rate_increase": 0.1}}
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from studio.errors import StudioError
from studio.evaluation._metrics import METRICS


@dataclass(frozen=True)
class HoldoutTest:
    """The holdout metric must reach ``floor`` (a ceiling for error metrics); without a floor
    the model must beat a constant prediction on the same rows."""

    floor: float | None = None


@dataclass(frozen=True)
class NoRegressionTest:
    """Against a reference model (the current production version) on the same rows: blocked
    only when the bootstrap interval of (challenger - reference) lies wholly below -margin."""

    confidence: float = 0.95
    resamples: int = 1000
    margin: float = 0.0
    max_rows: int = 50_000


@dataclass(frozen=True)
class SliceTest:
    """No slice of ``min_rows`` rows may be worse than overall by more than ``margin`` (default:
    0.1 for scores such as AUC, 50% of the overall error for error metrics).

    ``columns`` (default: every column sliced by value: categorical, boolean, and numbers with
    few distinct values) may also name numeric columns, sliced into ranges. They are not
    in the default because a range of a predictive column restricts its spread, and a
    ranking metric such as AUC drops inside such a slice even for a model that is right."""

    margin: float | None = None
    min_rows: int = 30
    columns: list[Any] | None = None


@dataclass(frozen=True)
class InvarianceTest:
    """Setting ``feature`` to each of ``values`` (default: shuffling it among rows) must leave
    every prediction within ``tolerance`` (default: 0.02 probability; 2% of the target's
    spread for regression)."""

    feature: str
    values: list[Any] | None = None
    tolerance: float | None = None
    name: str | None = None


@dataclass(frozen=True)
class DirectionalTest:
    """Raising ``feature`` by ``delta`` (default: one standard deviation) or multiplying it by
    ``factor`` must move the prediction the ``expect``-ed way (``higher`` or ``lower``): on
    average, and for all but ``max_failure_rate`` of rows (a move the wrong way of at most
    ``tolerance`` is not a failure). ``class`` names the class whose probability moves, for
    a multiclass model."""

    feature: str
    expect: str = "higher"
    delta: float | None = None
    factor: float | None = None
    tolerance: float = 0.0
    max_failure_rate: float = 0.05
    class_: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class CalibrationTest:
    max_error: float = 0.05
    bins: int = 10


@dataclass(frozen=True)
class LatencyTest:
    """The median time of one single-record prediction, as the server makes them."""

    max_ms_per_record: float = 100.0
    records: int = 30


@dataclass(frozen=True)
class ArtifactTest:
    max_mb: float = 500.0


@dataclass(frozen=True)
class ExpectationsTest:
    """The holdout against the training data's signature and expectations: no schema problem,
    PSI at most ``max_psi`` per column, null rates up by at most ``max_null_rate_increase``."""

    max_psi: float = 0.25
    max_null_rate_increase: float = 0.1


SECTIONS: dict[str, type] = {
    "holdout": HoldoutTest,
    "no_regression": NoRegressionTest,
    "slices": SliceTest,
    "calibration": CalibrationTest,
    "latency": LatencyTest,
    "artifact": ArtifactTest,
    "expectations": ExpectationsTest,
}
LISTS: dict[str, type] = {"invariance": InvarianceTest, "directional": DirectionalTest}


@dataclass(frozen=True)
class SuiteSpec:
    metric: str | None = None
    seed: int = 0
    sample_rows: int = 1000  # rows perturbed by invariance and directional tests
    holdout: HoldoutTest | None = HoldoutTest()
    no_regression: NoRegressionTest | None = NoRegressionTest()
    slices: SliceTest | None = SliceTest()
    invariance: tuple[InvarianceTest, ...] = ()
    directional: tuple[DirectionalTest, ...] = ()
    calibration: CalibrationTest | None = CalibrationTest()
    latency: LatencyTest | None = LatencyTest()
    artifact: ArtifactTest | None = ArtifactTest()
    expectations: ExpectationsTest | None = ExpectationsTest()

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SuiteSpec:
        """A validated spec (None or {}: every default)."""
        data = {} if data is None else data
        if not isinstance(data, dict):
            raise StudioError("suite: expected a JSON object of test sections")
        known = {"metric", "seed", "sample_rows", *SECTIONS, *LISTS}
        for key in data:
            if key not in known:
                raise StudioError(f"suite.{key}: unknown section; use one of {', '.join(sorted(known))}")
        values: dict[str, Any] = {}
        metric = data.get("metric")
        if metric is not None and (not isinstance(metric, str) or metric not in METRICS):
            raise StudioError(f"suite.metric: unknown metric {metric!r}; use one of {', '.join(METRICS)}")
        values["metric"] = metric
        values["seed"] = _integer(data.get("seed", 0), "suite.seed", minimum=0)
        values["sample_rows"] = _integer(data.get("sample_rows", 1000), "suite.sample_rows", minimum=10)
        for key, section in SECTIONS.items():
            if key in data:
                raw = data[key]
                if raw is False or raw is None:
                    values[key] = None
                elif isinstance(raw, dict):
                    values[key] = _section(section, raw, f"suite.{key}")
                else:
                    raise StudioError(f"suite.{key}: expected an object of settings, or false to turn the test off")
        for key, item in LISTS.items():
            raw = data.get(key, [])
            if not isinstance(raw, list):
                raise StudioError(f"suite.{key}: expected a list of tests")
            values[key] = tuple(_section(item, entry, f"suite.{key}[{i}]") for i, entry in enumerate(raw))
        spec = cls(**values)
        _check_names(spec)
        return spec

    def to_json(self) -> dict[str, Any]:
        """Canonical JSON (every setting spelled out), which ``from_json`` reads back equal."""
        out: dict[str, Any] = {"metric": self.metric, "seed": self.seed, "sample_rows": self.sample_rows}
        for key in SECTIONS:
            value = getattr(self, key)
            out[key] = False if value is None else _section_json(value)
        for key in LISTS:
            out[key] = [_section_json(value) for value in getattr(self, key)]
        return out


def _json_key(name: str) -> str:
    return name.rstrip("_")


def _section_json(value: Any) -> dict[str, Any]:
    return {_json_key(f.name): getattr(value, f.name) for f in dataclasses.fields(value)}


def _section(cls: type, raw: Any, path: str) -> Any:
    if not isinstance(raw, dict):
        raise StudioError(f"{path}: expected an object")
    fields = {_json_key(f.name): f for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in fields:
            raise StudioError(f"{path}.{key}: unknown setting; use one of {', '.join(fields)}")
    values = {}
    for key, f in fields.items():
        if key not in raw:
            if f.default is dataclasses.MISSING:
                raise StudioError(f"{path}.{key}: missing; every {path.split('[')[0].split('.')[-1]} test names one")
            continue
        values[f.name] = _value(raw[key], str(f.type), f"{path}.{key}")
    made = cls(**values)
    _check_ranges(made, path)
    return made


def _value(value: Any, hint: str, path: str) -> Any:
    optional = "None" in hint
    if value is None:
        if optional:
            return None
        raise StudioError(f"{path}: must not be null")
    if hint.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise StudioError(f"{path}: expected a number, got {value!r}")
        return float(value)
    if hint.startswith("int"):
        return _integer(value, path)
    if hint.startswith("str"):
        if not isinstance(value, str) or not value.strip():
            raise StudioError(f"{path}: expected a non-empty text, got {value!r}")
        return value
    if hint.startswith("list"):
        if not isinstance(value, list) or not value or any(isinstance(v, (dict, list)) for v in value):
            raise StudioError(f"{path}: expected a non-empty list of values")
        return list(value)
    raise AssertionError(f"no parser for {hint}")


def _integer(value: Any, path: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise StudioError(f"{path}: expected a whole number, got {value!r}")
    if minimum is not None and value < minimum:
        raise StudioError(f"{path}: must be at least {minimum}, got {value}")
    return value


def _check_ranges(made: Any, path: str) -> None:
    def bad(key: str, rule: str) -> StudioError:
        return StudioError(f"{path}.{key}: {rule}, got {getattr(made, key)!r}")

    if isinstance(made, NoRegressionTest):
        if not 0.5 <= made.confidence < 1:
            raise bad("confidence", "must be between 0.5 and 1 (like 0.95)")
        if made.resamples < 100:
            raise bad("resamples", "must be at least 100")
        if made.margin < 0:
            raise bad("margin", "must not be negative")
        if made.max_rows < 100:
            raise bad("max_rows", "must be at least 100")
    elif isinstance(made, SliceTest):
        if made.margin is not None and made.margin < 0:
            raise bad("margin", "must not be negative")
        if made.min_rows < 1:
            raise bad("min_rows", "must be at least 1")
    elif isinstance(made, InvarianceTest):
        if made.tolerance is not None and made.tolerance < 0:
            raise bad("tolerance", "must not be negative")
    elif isinstance(made, DirectionalTest):
        if made.expect not in ("higher", "lower"):
            raise bad("expect", "must be 'higher' or 'lower'")
        if made.delta is not None and made.factor is not None:
            raise StudioError(f"{path}: give delta or factor, not both")
        if made.delta is not None and made.delta <= 0:
            raise bad("delta", "must be positive (use expect to say which way the prediction moves)")
        if made.factor is not None and made.factor <= 1:
            raise bad("factor", "must be above 1 (use expect to say which way the prediction moves)")
        if made.tolerance < 0:
            raise bad("tolerance", "must not be negative")
        if not 0 <= made.max_failure_rate < 1:
            raise bad("max_failure_rate", "must be between 0 and 1")
    elif isinstance(made, CalibrationTest):
        if not 0 < made.max_error < 1:
            raise bad("max_error", "must be between 0 and 1")
        if made.bins < 2:
            raise bad("bins", "must be at least 2")
    elif isinstance(made, LatencyTest):
        if made.max_ms_per_record <= 0:
            raise bad("max_ms_per_record", "must be positive")
        if made.records < 1:
            raise bad("records", "must be at least 1")
    elif isinstance(made, ArtifactTest):
        if made.max_mb <= 0:
            raise bad("max_mb", "must be positive")
    elif isinstance(made, ExpectationsTest):
        if made.max_psi <= 0:
            raise bad("max_psi", "must be positive")
        if not 0 <= made.max_null_rate_increase <= 1:
            raise bad("max_null_rate_increase", "must be between 0 and 1")


def display_name(test: InvarianceTest | DirectionalTest) -> str:
    kind = "invariance" if isinstance(test, InvarianceTest) else "directional"
    return test.name or f"{kind}:{test.feature}"


def _check_names(spec: SuiteSpec) -> None:
    seen: set[str] = set()
    for test in [*spec.invariance, *spec.directional]:
        name = display_name(test)
        if name in seen:
            kind = "invariance" if isinstance(test, InvarianceTest) else "directional"
            raise StudioError(f"suite.{kind}: two tests are named {name!r}; give one a \"name\"")
        seen.add(name)
