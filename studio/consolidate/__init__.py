"""Consolidation: normalization rules (data compiled to SQL); deduplication and entity
resolution build on them."""

from studio.consolidate._exact import AGGREGATES, OUT_OF_ORDER, DedupePlan, Survivorship, exact_dedupe_plan, exact_dedupe_sql
from studio.consolidate._normalize import OPS, ColumnRule, Step, column_expression, normalized_select, parse_spec
from studio.consolidate._units import canonical_unit, quantity_of
from studio.consolidate.fuzzy import (
    COMPARISON_KINDS,
    ComparisonBudget,
    FieldComparison,
    FuzzyConfig,
    FuzzyResult,
    chaining_warning,
    cluster_pairs,
    comparison_budget,
    estimate_comparisons,
    resolve,
    suggest_config,
    suggest_threshold,
)

__all__ = ["AGGREGATES", "OUT_OF_ORDER", "COMPARISON_KINDS", "OPS", "ComparisonBudget", "FieldComparison", "chaining_warning", "comparison_budget", "FuzzyConfig", "FuzzyResult", "cluster_pairs", "estimate_comparisons", "resolve", "suggest_config", "suggest_threshold", "DedupePlan", "Survivorship", "exact_dedupe_plan", "exact_dedupe_sql", "ColumnRule", "Step", "canonical_unit", "column_expression", "normalized_select", "parse_spec", "quantity_of"]
