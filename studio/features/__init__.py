"""Features: the recipe spec, its one scikit-learn pipeline, point-in-time entity aggregates
and the feature proof; the versioned store of recipes and their online tables."""

from studio.features._aggregates import online_table_sql, point_in_time_aggregates, write_online_table
from studio.features._compile import TRUSTED_TYPES, compile_pipeline, set_online_table
from studio.features._diff import diff_lines, diff_recipes
from studio.features._evaluate import check as check_expression
from studio.features._kinds import classify_columns, suggest_recipe
from studio.features._online import ONLINE_KIND, OnlineTableStore, online_table_name
from studio.features._proof import prove_features
from studio.features._recipe import Aggregate, ColumnTreatment, Derived, FeatureRecipe
from studio.features._store import FEATURE_NAMESPACE, FeatureRecipeStore, RecipeVersion, SavedRecipe, with_proof_rejects
from studio.features._validate import expression_columns

__all__ = [
    "FEATURE_NAMESPACE",
    "ONLINE_KIND",
    "TRUSTED_TYPES",
    "Aggregate",
    "ColumnTreatment",
    "Derived",
    "FeatureRecipe",
    "FeatureRecipeStore",
    "OnlineTableStore",
    "RecipeVersion",
    "SavedRecipe",
    "check_expression",
    "classify_columns",
    "compile_pipeline",
    "diff_lines",
    "diff_recipes",
    "expression_columns",
    "online_table_name",
    "online_table_sql",
    "point_in_time_aggregates",
    "prove_features",
    "set_online_table",
    "suggest_recipe",
    "with_proof_rejects",
    "write_online_table",
]
