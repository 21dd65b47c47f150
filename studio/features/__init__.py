"""Features: the recipe spec, its one scikit-learn pipeline, point-in-time entity aggregates
and the feature proof."""

from studio.features._aggregates import online_table_sql, point_in_time_aggregates, write_online_table
from studio.features._compile import TRUSTED_TYPES, compile_pipeline, set_online_table
from studio.features._evaluate import check as check_expression
from studio.features._kinds import classify_columns, suggest_recipe
from studio.features._proof import prove_features
from studio.features._recipe import Aggregate, ColumnTreatment, Derived, FeatureRecipe

__all__ = [
    "TRUSTED_TYPES",
    "Aggregate",
    "ColumnTreatment",
    "Derived",
    "FeatureRecipe",
    "check_expression",
    "classify_columns",
    "compile_pipeline",
    "online_table_sql",
    "point_in_time_aggregates",
    "prove_features",
    "set_online_table",
    "suggest_recipe",
    "write_online_table",
]
