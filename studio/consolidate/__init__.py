"""Consolidation: normalization rules (data compiled to SQL); deduplication and entity
resolution build on them."""

from studio.consolidate._exact import AGGREGATES, Survivorship, exact_dedupe_sql
from studio.consolidate._normalize import OPS, ColumnRule, Step, column_expression, normalized_select, parse_spec
from studio.consolidate._units import canonical_unit, quantity_of

__all__ = ["AGGREGATES", "OPS", "Survivorship", "exact_dedupe_sql", "ColumnRule", "Step", "canonical_unit", "column_expression", "normalized_select", "parse_spec", "quantity_of"]
