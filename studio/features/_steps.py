"""The treatment steps a recipe gives a column, as frozen dataclasses with their JSON form.

Each column kind allows certain steps in a certain order (see ``check_steps``): a number is
imputed first, then clipped, logged, standardized and binned; a category may be imputed and
then gets exactly one encoding; a date or text value first gives numbers (date parts, cyclic
encodings, elapsed time; lengths and token counts), which may then be imputed and scaled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from studio.errors import StudioError

IMPUTE_STRATEGIES = ("mean", "median", "most_frequent", "constant")
BIN_ENCODINGS = ("ordinal", "one_hot")
DATE_PARTS = ("year", "quarter", "month", "day", "dayofweek", "dayofyear", "hour", "minute", "is_weekend")
CYCLIC_PERIODS = {"month": 12.0, "day": 31.0, "dayofweek": 7.0, "dayofyear": 365.25, "hour": 24.0, "minute": 60.0}
ELAPSED_UNITS_S = {"seconds": 1.0, "minutes": 60.0, "hours": 3_600.0, "days": 86_400.0, "weeks": 604_800.0}
TEXT_STATS = ("length", "tokens")
MAX_BINS = 100
MAX_CATEGORIES = 1000

KINDS = ("numeric", "categorical", "date", "text", "identifier", "boolean", "other")
DROPPED_KINDS = ("identifier", "other")  # never encoded: give such a column another kind to use it


def fail(where: str, message: str) -> StudioError:
    return StudioError(f"recipe {where}: {message}" if where else f"recipe: {message}")


def _number(raw: Any, key: str, where: str, default: float | None = None) -> float | None:
    value = raw.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise fail(where, f"{key} must be a finite number")
    return float(value)


def _names(raw: Any, key: str, where: str, allowed: tuple[str, ...], default: tuple[str, ...]) -> tuple[str, ...]:
    value = raw.get(key, list(default))
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise fail(where, f"{key} is a non-empty list of: {', '.join(allowed)}")
    unknown = [v for v in value if v not in allowed]
    if unknown:
        raise fail(where, f"unknown {key.removesuffix('s')} {unknown[0]!r}; use {', '.join(allowed)}")
    return tuple(dict.fromkeys(value))


@dataclass(frozen=True)
class Impute:
    """Fill missing values; ``indicator`` adds a 0/1 column for each input that had missing
    values when the pipeline was fitted."""

    strategy: str = "median"
    value: float | str | None = None  # the fill for strategy "constant"
    indicator: bool = True
    op: ClassVar[str] = "impute"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"op": self.op, "strategy": self.strategy, "indicator": self.indicator}
        if self.strategy == "constant":
            data["value"] = self.value
        return data

    @classmethod
    def from_json(cls, raw: dict[str, Any], where: str, text_values: bool) -> Impute:
        strategy = raw.get("strategy", "most_frequent" if text_values else "median")
        allowed = ("most_frequent", "constant") if text_values else IMPUTE_STRATEGIES
        if strategy not in allowed:
            raise fail(where, f"impute strategy {strategy!r} is not one of {', '.join(allowed)}")
        indicator = raw.get("indicator", True)
        if not isinstance(indicator, bool):
            raise fail(where, "indicator is true or false")
        value: float | str | None = None
        if strategy == "constant":
            if text_values:
                value = raw.get("value")
                if not isinstance(value, str) or not value:
                    raise fail(where, "constant impute of a category needs a \"value\" (text)")
            else:
                value = _number(raw, "value", where)
                if value is None:
                    raise fail(where, "constant impute needs a numeric \"value\"")
        return cls(strategy, value, indicator)


@dataclass(frozen=True)
class Clip:
    low: float | None = None
    high: float | None = None
    op: ClassVar[str] = "clip"

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "low": self.low, "high": self.high}

    @classmethod
    def from_json(cls, raw: dict[str, Any], where: str) -> Clip:
        low, high = _number(raw, "low", where), _number(raw, "high", where)
        if low is None and high is None:
            raise fail(where, "clip needs low, high or both")
        if low is not None and high is not None and not low < high:
            raise fail(where, "clip needs low < high")
        return cls(low, high)


@dataclass(frozen=True)
class Log:
    """sign(x) * log(1 + |x|): defined for every number, zero at zero, inverted by sign(y) * (e^|y| - 1)."""

    op: ClassVar[str] = "log"

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op}


@dataclass(frozen=True)
class Standardize:
    op: ClassVar[str] = "standardize"

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op}


@dataclass(frozen=True)
class Bins:
    """Quantile bins learned at fit time; the bin number, or one 0/1 column per bin."""

    n_bins: int = 10
    encode: str = "ordinal"
    op: ClassVar[str] = "bins"

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "n_bins": self.n_bins, "encode": self.encode}

    @classmethod
    def from_json(cls, raw: dict[str, Any], where: str) -> Bins:
        n_bins = raw.get("n_bins", 10)
        if isinstance(n_bins, bool) or not isinstance(n_bins, int) or not 2 <= n_bins <= MAX_BINS:
            raise fail(where, f"n_bins is a whole number from 2 to {MAX_BINS}")
        encode = raw.get("encode", "ordinal")
        if encode not in BIN_ENCODINGS:
            raise fail(where, f"encode is one of {', '.join(BIN_ENCODINGS)}")
        return cls(n_bins, encode)


@dataclass(frozen=True)
class OneHot:
    """One 0/1 column per category. Categories rarer than ``min_frequency`` (a share of the
    rows when below 1, else a row count), and the least frequent ones when there would be more
    than ``max_categories`` columns (the shared one included), share one ``(other)`` column,
    which unseen categories also set."""

    min_frequency: float = 0.01
    max_categories: int | None = 30
    op: ClassVar[str] = "one_hot"

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "min_frequency": self.min_frequency, "max_categories": self.max_categories}

    @classmethod
    def from_json(cls, raw: dict[str, Any], where: str) -> OneHot:
        min_frequency = _number(raw, "min_frequency", where, 0.01)
        if min_frequency is None or min_frequency < 0 or (min_frequency >= 1 and min_frequency != int(min_frequency)):
            raise fail(where, "min_frequency is a share of rows (0 to 1) or a whole row count")
        max_categories = raw.get("max_categories", 30)
        if max_categories is not None and (isinstance(max_categories, bool) or not isinstance(max_categories, int) or not 2 <= max_categories <= MAX_CATEGORIES):
            raise fail(where, f"max_categories is a whole number from 2 to {MAX_CATEGORIES}, or null")
        return cls(min_frequency if min_frequency < 1 else int(min_frequency), max_categories)


@dataclass(frozen=True)
class Ordinal:
    """Categories as numbers 0, 1, ...: in the given order, else sorted; unseen ones are -1."""

    categories: tuple[str, ...] = ()
    op: ClassVar[str] = "ordinal"

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "categories": list(self.categories)}

    @classmethod
    def from_json(cls, raw: dict[str, Any], where: str) -> Ordinal:
        categories = raw.get("categories", [])
        if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
            raise fail(where, "categories is a list of category values (text), in order")
        if len(set(categories)) != len(categories):
            raise fail(where, "categories lists a value twice")
        return cls(tuple(categories))


@dataclass(frozen=True)
class TargetEncode:
    """Each category as the (smoothed) mean target of its rows, cross-fitted over folds when
    the pipeline is fitted, so no training row sees its own target."""

    smooth: float | str = "auto"
    op: ClassVar[str] = "target"

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "smooth": self.smooth}

    @classmethod
    def from_json(cls, raw: dict[str, Any], where: str) -> TargetEncode:
        smooth = raw.get("smooth", "auto")
        if smooth != "auto":
            smooth = _number(raw, "smooth", where)
            if smooth is None or smooth < 0:
                raise fail(where, "smooth is \"auto\" or a number >= 0")
        return cls(smooth)


@dataclass(frozen=True)
class DateParts:
    parts: tuple[str, ...] = ("month", "dayofweek", "hour")
    op: ClassVar[str] = "date_parts"

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "parts": list(self.parts)}

    @classmethod
    def from_json(cls, raw: dict[str, Any], where: str) -> DateParts:
        return cls(_names(raw, "parts", where, DATE_PARTS, cls.parts))


@dataclass(frozen=True)
class Cyclic:
    """sin and cos of a periodic date part, so that 23:00 sits next to 00:00."""

    parts: tuple[str, ...] = ("dayofweek", "hour")
    op: ClassVar[str] = "cyclic"

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "parts": list(self.parts)}

    @classmethod
    def from_json(cls, raw: dict[str, Any], where: str) -> Cyclic:
        return cls(_names(raw, "parts", where, tuple(CYCLIC_PERIODS), cls.parts))


@dataclass(frozen=True)
class Elapsed:
    """Time from another date column (``since``) to this one, in ``unit``."""

    since: str
    unit: str = "days"
    op: ClassVar[str] = "elapsed"

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "since": self.since, "unit": self.unit}

    @classmethod
    def from_json(cls, raw: dict[str, Any], where: str) -> Elapsed:
        since = raw.get("since")
        if not isinstance(since, str) or not since:
            raise fail(where, "elapsed needs \"since\": the other date column")
        unit = raw.get("unit", "days")
        if unit not in ELAPSED_UNITS_S:
            raise fail(where, f"unit is one of {', '.join(ELAPSED_UNITS_S)}")
        return cls(since, unit)


@dataclass(frozen=True)
class TextStats:
    stats: tuple[str, ...] = TEXT_STATS
    op: ClassVar[str] = "text_stats"

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "stats": list(self.stats)}

    @classmethod
    def from_json(cls, raw: dict[str, Any], where: str) -> TextStats:
        return cls(_names(raw, "stats", where, TEXT_STATS, TEXT_STATS))


Step = Impute | Clip | Log | Standardize | Bins | OneHot | Ordinal | TargetEncode | DateParts | Cyclic | Elapsed | TextStats
ENCODERS = (OneHot, Ordinal, TargetEncode)
EXTRACTORS = (DateParts, Cyclic, Elapsed, TextStats)
OPS: dict[str, type] = {cls.op: cls for cls in (Impute, Clip, Log, Standardize, Bins, OneHot, Ordinal, TargetEncode, DateParts, Cyclic, Elapsed, TextStats)}
# which steps each kind takes; numbers (numeric columns, expressions, aggregates) share "numeric"
KIND_OPS: dict[str, tuple[str, ...]] = {
    "numeric": ("impute", "clip", "log", "standardize", "bins"),
    "boolean": ("impute",),
    "categorical": ("impute", "one_hot", "ordinal", "target"),
    "date": ("date_parts", "cyclic", "elapsed", "impute", "standardize"),
    "text": ("text_stats", "impute", "log", "standardize"),
    "identifier": (),
    "other": (),
}
DEFAULT_STEPS: dict[str, tuple[Step, ...]] = {
    "numeric": (Impute("median"), Standardize()),
    "boolean": (Impute("most_frequent"),),
    "categorical": (OneHot(),),
    "date": (DateParts(), Cyclic(), Impute("median")),
    "text": (TextStats(), Impute("constant", 0.0)),
    "identifier": (),
    "other": (),
}


def parse_step(raw: Any, kind: str, where: str) -> Step:
    if isinstance(raw, str):
        raw = {"op": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("op"), str):
        raise fail(where, 'each step is {"op": NAME, ...}')
    op = raw["op"]
    allowed = KIND_OPS[kind]
    if op not in OPS:
        raise fail(where, f"unknown step {op!r}; a {kind} column takes {', '.join(allowed) or 'no steps'}")
    if op not in allowed:
        raise fail(where, f"a {kind} column cannot take {op!r}; it takes {', '.join(allowed) or 'no steps'}")
    cls = OPS[op]
    fields = {"op"} | {name for name in cls.__dataclass_fields__ if name != "op"}
    unknown = sorted(set(raw) - fields)
    if unknown:
        raise fail(where, f"unknown key {unknown[0]!r} for {op}; use {', '.join(sorted(fields - {'op'})) or 'none'}")
    if cls is Impute:
        return Impute.from_json(raw, where, text_values=kind == "categorical")
    if hasattr(cls, "from_json"):
        return cls.from_json(raw, where)
    return cls()


def check_steps(steps: tuple[Step, ...], kind: str, where: str) -> None:
    """The order rules of a kind's steps: once each; impute first for numbers and categories;
    bins last; exactly one encoding, last, for a category; extraction first for dates and text."""
    seen: set[str] = set()
    for index, step in enumerate(steps):
        at = f"{where}[{index}]"
        if step.op in seen and not isinstance(step, Elapsed):
            raise fail(at, f"{step.op} is given twice")
        seen.add(step.op)
        if kind in ("numeric", "boolean", "categorical") and isinstance(step, Impute) and index != 0:
            raise fail(at, "impute comes first")
        if isinstance(step, Bins) and index != len(steps) - 1:
            raise fail(at, "bins comes last")
        if kind in ("date", "text") and isinstance(step, EXTRACTORS) and any(not isinstance(s, EXTRACTORS) for s in steps[:index]):
            raise fail(at, f"{step.op} comes before the steps that treat its numbers")
    if kind == "categorical":
        encoders = [i for i, s in enumerate(steps) if isinstance(s, ENCODERS)]
        if len(encoders) != 1 or encoders[0] != len(steps) - 1:
            raise fail(where, "a categorical column needs exactly one encoding (one_hot, ordinal or target) as its last step")
    if kind in ("date", "text") and not any(isinstance(s, EXTRACTORS) for s in steps):
        first = "date_parts, cyclic or elapsed" if kind == "date" else "text_stats"
        raise fail(where, f"a {kind} column needs {first} to give numbers")


def parse_steps(raw: Any, kind: str, where: str) -> tuple[Step, ...]:
    if raw is None:
        return DEFAULT_STEPS[kind]
    if not isinstance(raw, list):
        raise fail(where, "steps is a list")
    steps = tuple(parse_step(item, kind, f"{where}[{index}]") for index, item in enumerate(raw))
    check_steps(steps, kind, where)
    return steps
