"""The fuzzy configuration: data that says which columns to compare and how, how candidate
pairs are found, and where to cut. Validated here, so every later step can trust it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.errors import StudioError

COMPARISON_KINDS = ("name", "string", "exact", "date", "number", "email", "postcode", "phone")
MAX_PREFIX = 50
DEFAULT_THRESHOLD = 0.9
DEFAULT_MAX_COMPARISONS = 20_000_000
MIN_FILLED_SHARE = 0.6  # a column filled in fewer rows than this is "mostly empty" (suggestion and training leave it out)


@dataclass(frozen=True)
class FieldComparison:
    """Compare ``column`` between records the way ``kind`` says (one of ``COMPARISON_KINDS``)."""

    column: str
    kind: str

    def __post_init__(self) -> None:
        if not isinstance(self.column, str) or not self.column:
            raise StudioError("a comparison needs a column name")
        if self.kind not in COMPARISON_KINDS:
            raise StudioError(f"comparison of {self.column!r}: kind must be one of {', '.join(COMPARISON_KINDS)}, not {self.kind!r}")


@dataclass(frozen=True)
class FuzzyConfig:
    """What to compare, how candidate pairs are found, and where to cut.

    ``blocking`` is a tuple of rules; a pair is compared when, for at least one rule, both
    records have equal non-null values in every column of the rule. A column written
    ``"name:3"`` compares only its first 3 characters.
    """

    comparisons: tuple[FieldComparison, ...]
    blocking: tuple[tuple[str, ...], ...]
    threshold: float = DEFAULT_THRESHOLD
    max_comparisons: int = DEFAULT_MAX_COMPARISONS
    seed: int = 42

    def __post_init__(self) -> None:
        if not self.comparisons:
            raise StudioError("a fuzzy config needs at least one comparison, e.g. {\"column\": \"name\", \"kind\": \"name\"}")
        columns = [c.column for c in self.comparisons]
        for column in columns:
            if columns.count(column) > 1:
                raise StudioError(f"column {column!r} is compared twice; give each column one comparison")
        if not self.blocking:
            raise StudioError("a fuzzy config needs at least one blocking rule, e.g. [[\"last_name\", \"dob\"]]")
        for rule in self.blocking:
            if not rule:
                raise StudioError("a blocking rule is a non-empty list of columns, e.g. [\"last_name\", \"dob\"]")
            for item in rule:
                parse_key(item)
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float)) or not 0.0 < self.threshold < 1.0:
            raise StudioError(f"threshold must be a match probability between 0 and 1 (exclusive), not {self.threshold!r}")
        if isinstance(self.max_comparisons, bool) or not isinstance(self.max_comparisons, int) or self.max_comparisons < 1:
            raise StudioError(f"max_comparisons must be a positive whole number, not {self.max_comparisons!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise StudioError(f"seed must be a whole number, not {self.seed!r}")

    def to_json(self) -> dict[str, Any]:
        return {
            "comparisons": [{"column": c.column, "kind": c.kind} for c in self.comparisons],
            "blocking": [list(rule) for rule in self.blocking],
            "threshold": self.threshold,
            "max_comparisons": self.max_comparisons,
            "seed": self.seed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "FuzzyConfig":
        """Validate a config as loaded from JSON; every error is one line naming the fix."""
        if not isinstance(data, dict):
            raise StudioError("a fuzzy config is an object with comparisons, blocking, threshold, max_comparisons and seed")
        unknown = sorted(set(data) - {"comparisons", "blocking", "threshold", "max_comparisons", "seed"})
        if unknown:
            raise StudioError(f"unknown fuzzy config key {unknown[0]!r}; use comparisons, blocking, threshold, max_comparisons, seed")
        raw_comparisons = data.get("comparisons")
        if not isinstance(raw_comparisons, list):
            raise StudioError("comparisons must be a list like [{\"column\": \"last_name\", \"kind\": \"name\"}]")
        comparisons = []
        for index, item in enumerate(raw_comparisons, start=1):
            if not isinstance(item, dict) or set(item) != {"column", "kind"} or not isinstance(item["column"], str):
                raise StudioError(f"comparison {index}: give exactly a \"column\" and a \"kind\" ({', '.join(COMPARISON_KINDS)})")
            comparisons.append(FieldComparison(item["column"], item["kind"]))
        raw_blocking = data.get("blocking")
        if not isinstance(raw_blocking, list) or not all(isinstance(rule, list) for rule in raw_blocking):
            raise StudioError("blocking must be a list of rules, each a list of columns, e.g. [[\"last_name\", \"dob\"], [\"email\"]]")
        blocking = []
        for index, rule in enumerate(raw_blocking, start=1):
            if not rule or not all(isinstance(item, str) for item in rule):
                raise StudioError(f"blocking rule {index}: give a non-empty list of column names, e.g. [\"last_name\", \"dob\"]")
            blocking.append(tuple(rule))
        options = {key: data[key] for key in ("threshold", "max_comparisons", "seed") if key in data}
        return cls(tuple(comparisons), tuple(blocking), **options)


def parse_key(item: str) -> tuple[str, int | None]:
    """``"col"`` -> (col, None); ``"col:3"`` -> (col, 3): the first 3 characters."""
    if not isinstance(item, str) or not item:
        raise StudioError(f"a blocking column must be a column name, not {item!r}")
    column, sep, length = item.rpartition(":")
    if sep and length.isdigit() and column:
        size = int(length)
        if not 1 <= size <= MAX_PREFIX:
            raise StudioError(f"blocking column {item!r}: a prefix length must be 1 to {MAX_PREFIX}")
        return column, size
    return item, None


def rule_text(rule: tuple[str, ...]) -> str:
    """A blocking rule in words, as users see it: "same first 4 characters of name and zip"."""
    parts = []
    for item in rule:
        column, size = parse_key(item)
        parts.append(column if size is None else f"first {size} characters of {column}")
    return "same " + " and ".join(parts)
